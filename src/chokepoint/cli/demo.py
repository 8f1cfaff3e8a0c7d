"""`chokepoint demo`: build the store if needed and brief on the rare-earth chain for a country."""
from __future__ import annotations

import typer
from rich.panel import Panel

from chokepoint import countries
from chokepoint.briefing import Briefing, brief
from chokepoint.cli.common import DbOption, Format, console, emit, emit_json, workbench

NEXT_COMMANDS = [
    ("exposure", "chokepoint exposure --country {country} --material {material}"),
    ("screen", "chokepoint screen --country {country}"),
    ("stress", "chokepoint stress cn-ree-6m --country {country}"),
    ("stress", "chokepoint stress cn-ree-6m --country {country} --impact"),
    ("montecarlo", "chokepoint montecarlo cn-ree-6m-uncertain --n 10000 --country {country}"),
    ("plan", "chokepoint plan --country {country} --scenario cn-ree-6m --budget 500e9 --currency KRW"),
    ("news", "chokepoint news ingest path/to/articles/"),
    ("tilt", "chokepoint tilt --country {country} --by month"),
    ("serve", "chokepoint serve"),
    ("data", "chokepoint data show production --where material={material}"),
    ("sources", "chokepoint sources --table production"),
]


def _pct(v) -> str:
    return "" if v is None or v != v else f"{v:.0%}"


def _render(b: Briefing, available: set[str]) -> None:
    name = countries.name(b.country)
    console.rule(f"[bold]chokepoint — the {b.material} chain, seen from {name}")
    tp = b.top_producers.assign(share=b.top_producers["share"].map(_pct))
    emit(tp[["stage", "year", "country", "iso3", "share", "basis", "source"]], Format.table,
         title="Top producers by stage (world shares)")
    focus = b.focus.lower()
    conc = b.concentration.assign(**{c: b.concentration[c].map(_pct)
                                     for c in ("top_share", f"{focus}_share", "top3_share")})
    conc["hhi"] = b.concentration["hhi"].map(lambda v: f"{v:.2f}")
    emit(conc[["stage", "year", "top_producer", "top_share", f"{focus}_share", "top3_share", "hhi",
               "basis", "source"]], Format.table, title=f"Stage concentration ({b.focus} share, top-3, HHI)")
    console.print(Panel(f"Chokepoint stage (highest HHI): [bold red]{b.chokepoint}[/]", expand=False))
    for label, df in b.supply.items():
        if "share" in df:
            df = df.assign(share=df["share"].map(_pct))
        if len(df):
            emit(df.head(15), Format.table, title=f"{name}: {label.replace('_', ' ')} (bundled data)")
        else:
            console.print(f"[dim]{name}: no {label.replace('_', ' ')} in the bundled data[/]")
    if len(b.claims):
        cl = b.claims.assign(computed=b.claims["computed"].map(_pct))
        emit(cl[["stage", "quote", "claimed", "computed", "computed_year", "verdict", "claim_source",
                 "data_source"]], Format.table, title="Published claims checked against the data")
    emit(b.sources, Format.table, title="Sources used above")
    console.print("\n[bold]Next, try:[/]")
    for cmd, text in NEXT_COMMANDS:
        if cmd in available:
            console.print("  " + text.format(country=b.country, material=b.material))


def demo(country: str = typer.Option("KOR", "--country", "-c", help="Focal country (ISO3 or name)."),
         material: str = typer.Option("rare-earths", "--material", "-m", help="Material or family."),
         focus: str = typer.Option("CHN", help="Supplier whose share to highlight."),
         db: str = DbOption, json_out: bool = typer.Option(False, "--json", help="Print JSON instead.")) -> None:
    """Build the store if needed and brief on a material chain for a country (default: Korea, rare earths)."""
    from chokepoint.cli import app

    iso = countries.to_iso3(country) or country
    with workbench(db) as wb:
        b = brief(wb.store, material, iso, countries.to_iso3(focus) or focus)
    if json_out:
        emit_json({"chokepoint": b.chokepoint, "concentration": b.concentration.to_dict("records"),
                   "claims": b.claims.to_dict("records"),
                   "supply": {k: v.to_dict("records") for k, v in b.supply.items()}})
        return
    available = {c.name or c.callback.__name__ for c in app.registered_commands} | {
        g.name for g in app.registered_groups}
    _render(b, available)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
