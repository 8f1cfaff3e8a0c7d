"""Entity linking: countries (country_converter names plus gazetteer aliases), organisations and
people from the `news_entity` gazetteer, commodities and sectors from `news_term`."""
from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from chokepoint import countries
from chokepoint.news import offices

# kinds whose mentions stand for their country (the actor is then an ISO3 code)
COUNTRY_KINDS = {"government", "person", "place", "country"}
# kinds whose events carry their country (GUIDELINE.md: a ministry, agency or official is its ISO3)
AS_COUNTRY = COUNTRY_KINDS | {"agency"}
# kinds never taken as actor or target (they report or comment, they do not act)
PASSIVE_KINDS = {"media", "think_tank"}
# a country's name inside a sea, strait or similar feature ("South China Sea", "Sea of Japan")
FEATURE_AFTER = re.compile(r"\s+(?:Sea|Strait|Straits|Ocean|Gulf|Basin|Channel|Current)\b")
FEATURE_WORDS = ("Sea", "Strait", "Ocean", "Gulf", "Basin", "Channel", "Current", "Bay")
FEATURE_BEFORE = re.compile(r"(?:\b(?:Sea|Gulf|Bay|Strait|Straits) of\s+|\b(?:South|East|North|West)\s+)$")
# "a North American automaker", "Latin America": a region, not the United States
REGION_BEFORE = re.compile(r"\b(?:North|South|Latin|Central)\s+$")
# "Vietnam's state-owned Vinacomin", "Japan's Sumitomo": an unlisted organisation named right after a
# country's possessive (its home); office, body and place words make it something else, and so does a
# title after it ("South Korea's FTA chief Ahn")
POSSESSED = re.compile(r"['’]s\s+(?:(?!(?:in|at|on|to|of|for|and|or|with|from|by|the|a|an|is|was|has|had|will|"
                       r"said|says|new|own)\b)[a-z][\w-]*\s+){0,3}((?:[A-Z][\w&’-]*)(?:\s+(?:&\s+)?[A-Z][\w&’-]*){0,3})"
                       r"(?![\w'’])(?!\s+(?:of|for|chief|head|minister|secretary|envoy|negotiator|official|"
                       r"spokes(?:person|man|woman))\b)")
NOT_ORG_WORDS = {"Ministry", "Minister", "Department", "Commission", "Commissioner", "Council", "Assembly",
                 "Parliament", "Congress", "Senate", "Office", "Bureau", "Agency", "President", "Prime",
                 "Premier", "Foreign", "Trade", "Industry", "Finance", "Commerce", "Economy", "Energy",
                 "Defence", "Defense", "Customs", "Investment", "Mines", "Development", "Planning", "Interior", "State", "Central", "National", "Supreme", "Embassy",
                 "Navy", "Army", "Air", "Coast", "Government", "Cabinet", "Treasury", "Federal", "Northern",
                 "Southern", "Eastern", "Western", "Territory", "Province", "Region", "Sea", "Strait",
                 "Secretary", "Chancellor", "Vice", "Deputy", "Chief", "Ambassador", "Governor", "King",
                 "Queen", "Crown", "Prince", "Constitutional", "Court", "Reserve", "Bank", "Belt", "Road",
                 "Special", "Economic", "Free", "Zone", "Act", "Law", "Plan", "Strategy", "Initiative",
                 "January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}


@dataclass(frozen=True)
class Entity:
    """A linked mention: `value` is what events carry (ISO3 or canonical name)."""

    value: str
    kind: str
    iso3: str | None
    start: int
    end: int

    @property
    def country(self) -> str | None:
        return self.iso3


def _bundled(name: str) -> pd.DataFrame:
    text = (resources.files("chokepoint.reference") / "data" / f"{name}.csv").read_text("utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


class Gazetteer:
    """Surface forms -> entities, matched with one compiled alternation (longest form first)."""

    def __init__(self, entities: pd.DataFrame, terms: pd.DataFrame):
        self.forms: dict[str, tuple[str, str, str | None]] = {}
        for name, iso3 in _country_names():
            self.forms.setdefault(name, (iso3, "country", iso3))
        for row in entities.fillna("").itertuples(index=False):
            iso3 = countries.to_iso3(row.iso3) if row.iso3 else None
            value = iso3 if row.kind in AS_COUNTRY and iso3 else row.name
            for form in [row.name, *[a for a in str(row.aliases).split("|") if a]]:
                self.forms[form.strip()] = (value, row.kind, iso3)
        # offices' cue words ride on the same scan; a listed form of the same spelling wins
        self.cues = {w: k for w, k in offices.CUES.items() if w not in self.forms}
        self._entity_re = _alternation({**self.forms, **self.cues}, flags=0, bare=True)
        self.people = offices.surnames(self.forms)
        self.bare_surnames = offices.bare_surnames(self.forms)
        self.terms: dict[str, tuple[str, str]] = {}
        for row in terms.fillna("").itertuples(index=False):
            self.terms[row.term if row.term != row.term.lower() else row.term.lower()] = (row.canonical, row.kind)
        lower = {t for t in self.terms if t == t.lower()}
        self._term_re = _alternation(lower, flags=re.I)
        self._term_low = _alternation(lower, flags=0, bare=True)  # for lower-cased ASCII text (fold.py)
        self._acronym_re = _alternation(set(self.terms) - lower, flags=0)
        self.materials = {r.canonical: r.material for r in terms.fillna("").itertuples(index=False)
                          if r.kind == "commodity" and r.material}

    @classmethod
    def bundled(cls) -> Gazetteer:
        return _bundled_gazetteer()

    def entities(self, text: str, home: str | None = None,
                 short_forms: dict[str, str] | None = None, named: dict[str, str] | None = None) -> list[Entity]:
        """Every linked mention in order (media and think tanks included, flagged by kind), plus
        unlisted organisations and offices (`home`: the country an office without one belongs to;
        `named`: names of office holders met earlier in the article -> their country)."""
        out, cues = [], set()
        features = None  # whether the text names a sea or strait at all: tested once, at the first country
        for m in _scan(self._entity_re, text):
            form = m.group(1)
            if form in self.cues:
                cues.add(self.cues[form])
                continue
            value, kind, iso3 = self.forms[form]
            if kind in COUNTRY_KINDS:
                if features is None:  # literal test: a regex per country mention costs more than it saves
                    features = any(w in text for w in FEATURE_WORDS)
                if features and (FEATURE_AFTER.match(text, m.end(1))
                                 or FEATURE_BEFORE.search(text, max(0, m.start(1) - 12), m.start(1))):
                    continue
                if form.startswith("America") and REGION_BEFORE.search(text, max(0, m.start(1) - 8), m.start(1)):
                    continue
            out.append(Entity(value, kind, iso3, m.start(1), m.end(1)))
        owned = _possessed(text, out)
        if owned:
            out = sorted(out + owned, key=lambda e: e.start)
        weak = [(e.start, e.end) for e in out if e.kind in COUNTRY_KINDS]
        if weak and offices.LEADING_PLACE.match(text, 0, weak[0][0]) and text[weak[0][1]:weak[0][1] + 1] == ",":
            home = next(e.iso3 for e in out if e.start == weak[0][0])  # "In Kinshasa, the ministry ..."
        people = {**self.people, **named} if named else self.people
        extra = offices.mentions(text, [(e.start, e.end) for e in out], cues, home, people, short_forms,
                                 weak, named)
        if extra:
            names = [(x[3], x[4]) for x in extra if x[1] == "company"]
            out = [e for e in out if not any(a <= e.start and e.end <= b for a, b in names)]
            out = sorted(out + [Entity(*x) for x in extra], key=lambda e: e.start)
        return out

    def terms_in(self, text: str) -> tuple[list[str], list[str]]:
        """(commodities, sectors) named in the text, canonical, in order of first mention."""
        found: dict[str, str] = {}
        ascii_ = text.isascii()
        for rx in (self._term_re, self._acronym_re):
            if rx is None:
                continue
            hits = _scan(self._term_low, text.lower()) if rx is self._term_re and ascii_ else rx.finditer(text)
            for m in hits:
                key = m.group(1) if m.group(1) in self.terms else m.group(1).lower()
                canon, kind = self.terms[key]
                found.setdefault(canon, kind)
        return ([c for c, k in found.items() if k == "commodity"],
                [c for c, k in found.items() if k == "sector"])


def _possessed(text: str, found: list[Entity]) -> list[Entity]:
    """Unlisted organisations named after a country's possessive, with that country as home."""
    if ("'s " not in text and "’s " not in text) or not any(e.kind in COUNTRY_KINDS for e in found):
        return []
    out = []
    for e in found:
        if e.kind not in COUNTRY_KINDS or text[e.end:e.end + 1] not in "'’":
            continue
        m = POSSESSED.match(text, e.end)
        if m is None or any(w in NOT_ORG_WORDS for w in m.group(1).replace("&", " ").split()):
            continue
        a, b = m.span(1)
        if all(b <= x.start or a >= x.end for x in found):
            out.append(Entity(m.group(1), "company", e.iso3, a, b))
    return out


def _trie_regex(forms) -> str:
    """A regex equivalent to the alternation of `forms` (longest match first), factored as a trie:
    Python's `re` tries alternatives one by one, so shared prefixes make scanning many times faster."""
    trie: dict = {}
    for form in forms:
        node = trie
        for ch in form:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not end else "(?:" + "|".join(branches) + ")"
        return body + "?" if end and len(branches) == 1 and len(branches[0]) == 1 else \
            (f"(?:{body})?" if end else body)

    return emit(trie)


# a form starts a word and is no part of an abbreviation ("U.S.")
_NOT_BEFORE = r"(?<![\w.])"


def _alternation(forms, flags: int, bare: bool = False) -> re.Pattern | None:
    """Longest-first alternation of `forms` as whole words; `bare` leaves out the leading look-behind
    (for `_scan`, which checks it itself)."""
    if not forms:
        return None
    # not before "$": "US$" and "C$" are currencies
    return re.compile(rf"{'' if bare else _NOT_BEFORE}({_trie_regex(forms)})(?![\w$])", flags)


def _scan(bare: re.Pattern, text: str) -> Iterator[re.Match]:
    """What the `_alternation` pattern's finditer yields, from its `bare` form, faster: without the
    look-behind the pattern starts with a set of first letters, which `re` finds by a quick scan
    instead of trying the whole trie at every position; the look-behind is checked here, and a
    rejected match resumes the search one character on, as finditer would (a test checks both agree)."""
    pos = 0
    while (m := bare.search(text, pos)) is not None:
        a = m.start()
        if a and (text[a - 1].isalnum() or text[a - 1] in "._"):  # what [\w.] matches
            pos = a + 1
            continue
        yield m
        pos = m.end()


@functools.lru_cache(maxsize=1)
def _country_names() -> tuple[tuple[str, str], ...]:
    """Short and official English names of every country country_converter knows."""
    data = countries._coco().data
    pairs = []
    for rec in data[["ISO3", "name_short", "name_official"]].dropna(subset=["ISO3"]).itertuples():
        for name in (rec.name_short, rec.name_official):
            if isinstance(name, str) and name and rec.ISO3 in countries.iso3_codes():
                pairs.append((name, rec.ISO3))
    return tuple(pairs)


@functools.lru_cache(maxsize=1)
def _bundled_gazetteer() -> Gazetteer:
    return Gazetteer(_bundled("news_entity"), _bundled("news_term"))
