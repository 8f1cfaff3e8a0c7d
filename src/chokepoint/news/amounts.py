"""Amounts in article text ("USD 85 million", "250 billion won", "$12 billion", "70%", "1,200
tonnes", "$110 per kilogram") as value + unit, and money converted to USD with the bundled yearly FX table."""
from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources

# number words count only before a scale or "percent" ("two billion won", "five percent")
WORD_NUMBERS = {w: float(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
WORD_NUMBERS.update({"a": 1.0, "thirty": 30.0, "forty": 40.0, "fifty": 50.0, "sixty": 60.0, "seventy": 70.0,
                     "eighty": 80.0, "ninety": 90.0, "hundred": 100.0})
_WORDS = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
NUM = (r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|"
       rf"(?:{_WORDS})(?=[\s-](?:hundred |thousand|million|billion|trillion|percent|per cent)))")
SCALE = r"(?:[\s-]*(?P<scale>thousand|million|billion|trillion|crore|lakh|bn|mn|tn|m|b|k)\b)?"
SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "crore": 1e7, "lakh": 1e5}
# ISO 4217 codes written before an amount ("MYR 1.5 billion", "CHF 40m")
ISO_CODES = ("USD EUR GBP JPY CNY KRW AUD CAD CHF HKD SGD NZD TWD INR IDR MYR THB VND PHP BRL MXN CLP "
             "PEN ARS ZAR NGN KZT MNT RUB TRY SAR AED PLN HUF CZK SEK NOK DKK ILS EGP MAD").split()
# currency as written -> ISO code
CURRENCY_PREFIX = {**{c: c for c in ISO_CODES},
                   "US$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "RMB": "CNY", "₩": "KRW",
                   "A$": "AUD", "AU$": "AUD", "C$": "CAD", "HK$": "HKD", "S$": "SGD", "NZ$": "NZD",
                   "NT$": "TWD", "R$": "BRL", "₹": "INR", "Rs.": "INR", "Rs": "INR", "RM": "MYR", "Rp": "IDR",
                   "₱": "PHP", "₽": "RUB", "₺": "TRY", "₫": "VND"}
CURRENCY_SUFFIX = {"won": "KRW", "yuan": "CNY", "renminbi": "CNY", "yen": "JPY", "euro": "EUR",
                   "euros": "EUR", "dollars": "USD", "us dollars": "USD", "pounds": "GBP",
                   "australian dollars": "AUD", "canadian dollars": "CAD", "hong kong dollars": "HKD",
                   "singapore dollars": "SGD", "taiwan dollars": "TWD", "new taiwan dollars": "TWD",
                   "rupees": "INR", "rupee": "INR", "ringgit": "MYR", "rupiah": "IDR", "baht": "THB",
                   "dong": "VND", "rand": "ZAR", "reais": "BRL", "swiss francs": "CHF",
                   "chilean pesos": "CLP", "mexican pesos": "MXN", "philippine pesos": "PHP",
                   "roubles": "RUB", "rubles": "RUB", "tenge": "KZT", "tugriks": "MNT", "lira": "TRY",
                   "riyals": "SAR", "dirhams": "AED", "zloty": "PLN", "forint": "HUF", "naira": "NGN",
                   "swedish kronor": "SEK", "norwegian kroner": "NOK", "danish kroner": "DKK"}
MASS = {"tonnes": ("t", 1.0), "tons": ("t", 1.0), "metric tons": ("t", 1.0), "tonne": ("t", 1.0),
        "t": ("t", 1.0), "mt": ("t", 1.0), "metric tonnes": ("t", 1.0), "kt": ("t", 1e3), "kilotonnes": ("t", 1e3),
        "kg": ("t", 1e-3)}


def _alt(keys) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


_PREFIX = re.compile(rf"(?<![\w$])(?P<cur>{_alt(CURRENCY_PREFIX)})\s?(?=\d){NUM}{SCALE}")
_SUFFIX = re.compile(rf"(?<![\w.,]){NUM}{SCALE}\s+(?P<cur>{_alt(CURRENCY_SUFFIX)})\b", re.I)
PER_KG = re.compile(r"\s*(?:per\s+(?:kilogram|kilo|kg)|/\s?kg)\b")
_PERCENT = re.compile(rf"(?<![\w.,-]){NUM}\s?(?:%|percent\b|per cent\b)")
_MASS = re.compile(rf"(?<![\w.,]){NUM}{SCALE}\s+(?P<mu>{_alt(MASS)})\b")


@dataclass(frozen=True)
class Amount:
    """A parsed amount: `kind` is money, percent or mass; `unit` an ISO currency, 'percent' or 't'."""

    value: float
    unit: str
    kind: str
    start: int
    end: int


def _number(m: re.Match) -> float:
    num = m.group("num").lower()
    value = WORD_NUMBERS[num] if num in WORD_NUMBERS else float(num.replace(",", ""))
    scale = (m.groupdict().get("scale") or "").lower()
    return value * SCALES.get(scale, 1.0)


# every amount holds a digit or a number word before a scale or "percent": the four patterns are
# only tried on text that passes this one quick test
MAYBE_AMOUNT = re.compile(r"\d|hundred|thousand|million|billion|trillion|percent|per cent", re.I)


def find(text: str) -> list[Amount]:
    """Every amount in the text, in order of position (overlaps resolved: money first)."""
    if not MAYBE_AMOUNT.search(text):
        return []
    found: list[Amount] = []
    for m in _PREFIX.finditer(text):
        cur, per = CURRENCY_PREFIX[m.group("cur")], PER_KG.match(text, m.end())
        if cur == "USD" and per:  # "$110 per kilogram": a price (a price floor's unit, GUIDELINE.md)
            found.append(Amount(_number(m), "USD/kg", "price", m.start(), per.end()))
            continue
        found.append(Amount(_number(m), cur, "money", m.start(), m.end()))
    for m in _SUFFIX.finditer(text):
        found.append(Amount(_number(m), CURRENCY_SUFFIX[m.group("cur").lower()], "money",
                            m.start(), m.end()))
    for m in _MASS.finditer(text):
        unit, factor = MASS[m.group("mu")]
        found.append(Amount(_number(m) * factor, unit, "mass", m.start(), m.end()))
    for m in _PERCENT.finditer(text):
        found.append(Amount(_number(m), "percent", "percent", m.start(), m.end()))
    found.sort(key=lambda a: (a.start, a.kind != "money"))
    out: list[Amount] = []
    for a in found:
        if not out or a.start >= out[-1].end:
            out.append(a)
    return out


class FxTable:
    """Yearly average rates (units per USD); a missing year falls back to the nearest one, flagged."""

    def __init__(self, rows: list[tuple[int, str, float]]):
        self.rates: dict[str, dict[int, float]] = {}
        for year, currency, per_usd in rows:
            self.rates.setdefault(str(currency).upper(), {})[int(year)] = float(per_usd)

    @classmethod
    def bundled(cls) -> FxTable:
        """The rates shipped with the package (reference data `fx.csv`), for use without a store."""
        return _bundled_fx()

    def to_usd(self, value: float, currency: str, year: int | None) -> tuple[float | None, str | None]:
        """(USD value, note); note says when a nearest year was used or no rate exists."""
        if currency == "USD":
            return value, None
        table = self.rates.get(currency)
        if not table:
            return None, f"no FX rate for {currency}"
        if year is None:
            year = max(table)
            note = f"no event year; used {currency} rate of {year}"
        elif year in table:
            note = None
        else:
            used = min(table, key=lambda y: (abs(y - year), -y))
            note = f"FX {currency} {year} missing; used nearest year {used}"
            year = used
        return value / table[year], note


@functools.lru_cache(maxsize=1)
def _bundled_fx() -> FxTable:
    text = (resources.files("chokepoint.reference") / "data" / "fx.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return FxTable([(r["year"], r["currency"], r["per_usd"]) for r in rows])
