"""Country names and codes resolved to ISO3 through country_converter, with a few aggregates."""
from __future__ import annotations

import functools
import logging

# Codes that are not countries but appear in reference data as places: kept explicit so an
# unknown name is still an error, never silently an aggregate.
AGGREGATES: dict[str, str] = {
    "WLD": "World", "ROW": "Rest of world", "EUN": "European Union",
}
_ALIASES = {"world": "WLD", "world total": "WLD", "rest of world": "ROW",
            "other countries": "ROW", "others": "ROW", "european union": "EUN", "eu": "EUN"}


@functools.lru_cache(maxsize=1)
def _coco():
    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    return coco.CountryConverter()


@functools.lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    return frozenset(_coco().data["ISO3"].dropna()) | frozenset(AGGREGATES)


@functools.lru_cache(maxsize=4096)
def to_iso3(name: str) -> str | None:
    """ISO3 code for a country name or code, or None if it cannot be resolved."""
    text = str(name).strip()
    if not text:
        return None
    if text.upper() in iso3_codes() and len(text) == 3:
        return text.upper()
    if text.lower() in _ALIASES:
        return _ALIASES[text.lower()]
    out = _coco().convert(names=text, to="ISO3", not_found=None)
    if isinstance(out, list):
        out = out[0] if len(out) == 1 else None
    return out if isinstance(out, str) and out in iso3_codes() else None


def to_iso3_many(names) -> list[str | None]:
    return [to_iso3(n) for n in names]


def country_rows(source_key: str, aggregates_source: str) -> list[dict]:
    """Rows of the country table: every country country_converter knows plus the aggregates."""
    data = _coco().data
    rows = []
    for rec in data[["ISO3", "name_short", "ISOnumeric", "continent"]].dropna(subset=["ISO3"]).itertuples():
        num = int(rec.ISOnumeric) if str(rec.ISOnumeric).isdigit() else None
        rows.append({"iso3": rec.ISO3, "name": rec.name_short, "iso_numeric": num,
                     "region": rec.continent, "source": source_key})
    rows += [{"iso3": k, "name": v, "iso_numeric": None, "region": None, "source": aggregates_source}
             for k, v in AGGREGATES.items()]
    uniq = {r["iso3"]: r for r in rows}
    return [uniq[k] for k in sorted(uniq)]


def name(iso3: str) -> str:
    """Short English name for an ISO3 code (the code itself if unknown)."""
    if iso3 in AGGREGATES:
        return AGGREGATES[iso3]
    out = _coco().convert(names=iso3, src="ISO3", to="name_short", not_found=None)
    return out if isinstance(out, str) else iso3
