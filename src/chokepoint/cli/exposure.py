"""`chokepoint exposure`, `chokepoint screen` and `chokepoint trade import-baci|import-comtrade|
datasets|sectors|criticality`: thin wrappers over `Workbench.exposure`."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pandas as pd
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from chokepoint.cli.common import (DbOption, Format, FormatOption, emit, emit_json, err_console,
                                   workbench)
from chokepoint.trade import charts
from chokepoint.trade.importer import MAX_BAD, Filters

trade_app = typer.Typer(help="Import BACI / Comtrade trade files and inspect them.", no_args_is_help=True)

CountryOption = typer.Option(None, "--country", "-c", help="Importing country (ISO3 or name; default $CHOKEPOINT_COUNTRY).")
YearOption = typer.Option(None, "--year", "-y", help="Year (default: the latest with data).")
BlocOption = typer.Option(None, "--bloc", "-b", help="Bloc name (MSP, G7, ...) or ISO3 list 'USA,JPN'.")
PartnerOption = typer.Option("CHN", "--partner", "-p", help="Supplier whose share is reported.")
ChartOption = typer.Option(None, "--chart", help="Also draw a chart: PATH.png (matplotlib) or PATH.html (plotly).")
DatasetOption = typer.Option(None, "--dataset", help="Imported dataset to use (see 'trade datasets').")


def _emit_many(frames: dict[str, pd.DataFrame], fmt: Format, main: str) -> None:
    """Several frames: one table each; JSON as one object; CSV as the `main` frame."""
    if fmt == Format.json:
        emit_json({k: v.to_dict(orient="records") for k, v in frames.items()})
    elif fmt == Format.csv:
        emit(frames[main], fmt)
    else:
        for name, df in frames.items():
            if len(df):
                emit(df, fmt, title=name)


def exposure(country: str = CountryOption, material: str = typer.Option(
                 "rare-earths", "--material", "-m", help="Material or family slug."),
             code: str = typer.Option(None, "--code", help="Only codes starting with this (HS6 or prefix)."),
             year: int = YearOption, bloc: str = BlocOption, partner: str = PartnerOption,
             sector: str = typer.Option(None, "--sector", help="Only flows attributed to this sector."),
             dataset: str = DatasetOption, chart: str = ChartOption,
             db: str = DbOption, fmt: Format = FormatOption) -> None:
    """Per stage of a material's chain: supplier shares, the partner's share and sources.

    Bilateral rows say whether they are mirror data (the exporter's report); stages without
    bilateral rows show published shares. CSV output is the supplier table.
    """
    with workbench(db) as wb:
        rep = wb.exposure.report(country, material, year, partner, bloc, code, sector, dataset)
    if chart:
        charts.write(charts.supplier_bars(rep["suppliers"]),
                     f"{material}: suppliers of {country or 'default country'} by stage", chart)
    _emit_many(rep, fmt, "suppliers")


def screen(country: str = typer.Option(None, "--country", "-c", help="Only this importer (default: all)."),
           year: int = YearOption, dataset: str = DatasetOption, bloc: str = BlocOption,
           partner: str = PartnerOption, code: str = typer.Option(None, "--code", help="Code prefix."),
           top: int = typer.Option(30, "--top", help="Rows to show (0 for all)."),
           chart: str = ChartOption, db: str = DbOption, fmt: Format = FormatOption) -> None:
    """Rank every imported product by dependency (EU 2021 criteria flagged as `dependent`)."""
    with workbench(db) as wb:
        df = wb.exposure.screen(country, year, dataset, bloc, partner, code, top or None)
    if chart:
        charts.write(charts.screen_bars(df.head(top or 30), partner), "most dependent imports", chart)
    emit(df, fmt, title=f"dependency screen: {len(df)} rows (dependent = all three EU 2021 criteria)")


@contextlib.contextmanager
def _progress() -> Iterator:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("starting", total=None)
        yield lambda step: bar.update(task, description=step)


def _filters(code: list[str], year: list[int], reporter: list[str]) -> Filters:
    return Filters(tuple(code or ()), tuple(year or ()), tuple(r.upper() for r in reporter or ()))


def _report(rep, fmt: Format) -> None:
    emit(pd.DataFrame([rep.summary()]), fmt, title="import")
    if rep.bad and fmt == Format.table:
        err_console.print(f"{len(rep.bad)} bad row(s) left out:")
        for e in rep.bad[:20]:
            err_console.print(f"  {e}", highlight=False)


CodeFilter = typer.Option(None, "--code", help="Keep codes starting with this; repeatable.")
YearFilter = typer.Option(None, "--year", help="Keep this year; repeatable.")
ReporterFilter = typer.Option(None, "--reporter", help="Keep this reporter/importer (ISO3); repeatable.")
MaxBad = typer.Option(MAX_BAD, "--max-bad", help="Refuse the import above this share of bad rows.")
Replace = typer.Option(False, "--replace", help="Replace the years already imported under the dataset.")


@trade_app.command("import-baci")
def import_baci(path: str = typer.Argument(..., help="BACI zip, folder of yearly CSVs, or one yearly CSV."),
                countries: str = typer.Option(None, "--countries", help="country_codes_V*.csv (default: beside the data)."),
                products: str = typer.Option(None, "--products", help="product_codes_HS*_V*.csv (optional check)."),
                code: list[str] = CodeFilter, year: list[int] = YearFilter,
                reporter: list[str] = ReporterFilter, dataset: str = typer.Option(None, "--dataset"),
                max_bad: float = MaxBad, replace: bool = Replace,
                db: str = DbOption, fmt: Format = FormatOption) -> None:
    """Import CEPII BACI files into the store (one transaction; bad rows listed by line)."""
    with workbench(db) as wb, _progress() as step:
        rep = wb.exposure.import_baci(path, _filters(code, year, reporter), countries_file=countries,
                                      products_file=products, dataset=dataset, max_bad=max_bad,
                                      replace=replace, progress=step)
    _report(rep, fmt)


@trade_app.command("import-comtrade")
def import_comtrade(paths: list[str] = typer.Argument(..., help="Comtrade bulk CSV/TSV files (.gz ok)."),
                    code: list[str] = CodeFilter, year: list[int] = YearFilter,
                    reporter: list[str] = ReporterFilter,
                    dataset: str = typer.Option("COMTRADE", "--dataset"), max_bad: float = MaxBad,
                    replace: bool = Replace, db: str = DbOption, fmt: Format = FormatOption) -> None:
    """Import UN Comtrade bulk files into the store (one transaction; bad rows listed by line)."""
    with workbench(db) as wb, _progress() as step:
        rep = wb.exposure.import_comtrade(list(paths), _filters(code, year, reporter), dataset=dataset,
                                          max_bad=max_bad, replace=replace, progress=step)
    _report(rep, fmt)


@trade_app.command("datasets")
def datasets(db: str = DbOption, fmt: Format = FormatOption) -> None:
    """List imported trade datasets."""
    with workbench(db) as wb:
        emit(wb.exposure.datasets(), fmt)


@trade_app.command("sectors")
def sectors(country: str = CountryOption, year: int = YearOption, bloc: str = BlocOption,
            partner: str = PartnerOption, db: str = DbOption, fmt: Format = FormatOption) -> None:
    """Downstream sectors' import exposure (codes weighted by the sector map)."""
    with workbench(db) as wb:
        emit(wb.exposure.sectors(country, year, partner, bloc), fmt)


@trade_app.command("criticality")
def criticality(country: str = CountryOption,
                material: str = typer.Option("rare-earths", "--material", "-m"), year: int = YearOption,
                eol_rir: float = typer.Option(0.0, "--eol-rir", help="End-of-life recycling input rate (0-1)."),
                substitution: float = typer.Option(1.0, "--substitution", help="Substitution index (1 = none)."),
                vulnerability: float = typer.Option(1.0, "--vulnerability", help="Economic vulnerability (0-1)."),
                db: str = DbOption, fmt: Format = FormatOption) -> None:
    """Supply-risk scores per stage, JRC 2017 (EU CRM) and USGS 2022 style."""
    with workbench(db) as wb:
        df = wb.exposure.criticality(country, material, year, eol_rir=eol_rir,
                                     substitution=substitution, economic_vulnerability=vulnerability)
    emit(df, fmt)


def register(app: typer.Typer) -> None:
    app.command("exposure")(exposure)
    app.command("screen")(screen)
    app.add_typer(trade_app, name="trade")
