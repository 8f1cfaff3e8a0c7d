"""Numeric share claims found in articles ("China accounts for 60-70% of global rare earth
production") and contradictory framings of one country across sources in the same period."""
from __future__ import annotations

import re

import pandas as pd

from chokepoint.news import sentences
from chokepoint.news.entities import COUNTRY_KINDS, Gazetteer

# words naming a chain stage -> stage names tried in order (the first the data has is used)
STAGE_WORDS: list[tuple[re.Pattern, tuple[str, ...]]] = [
    (re.compile(r"magnet", re.I), ("magnet",)),
    (re.compile(r"smelt|separat|refin|process", re.I), ("separation", "refining")),
    (re.compile(r"production|produc|mine|mining|mined|output|supply|supplies", re.I), ("mine", "refining")),
]
_PCT = r"(?:%|percent|per cent)"
SHARE = re.compile(rf"(?P<bound>over|more than|above|at least|nearly|almost|under|less than|about|"
                   rf"approximately|around|some)?\s*(?P<low>\d{{1,3}}(?:\.\d+)?)\s*{_PCT}?\s*"
                   rf"(?:-|–|to)\s*(?P<high>\d{{1,3}}(?:\.\d+)?)\s*{_PCT}|"
                   rf"(?P<bound2>over|more than|above|at least|under|less than|about|approximately|around)?"
                   rf"\s*(?P<point>\d{{1,3}}(?:\.\d+)?)\s*{_PCT}", re.I)
# a percentage that is no share of production, refining or trade: a stake, a rate, a budget share
NOT_SHARE = re.compile(r"\b(?:stakes?|equity|tariffs?|dut(?:y|ies)|tax|rates?|budget|profits?|dividends?|gdp|"
                       r"reserves|costs?|interest|month-on-month|year-on-year|year-over-year|rose|fell|jumped|"
                       r"plunged|surged|dropped|increase|decrease|higher|lower)\b", re.I)
# where a share's phrase ends: "90% of the world's rare earths and has expanded curbs, heightening supply
# concerns" names no stage after the share (the stage is the verb before it, "processes")
CLAUSE_END = re.compile(r"[,;(]|\s(?:and|but|while|which|as)\s(?!(?:refin|process|smelt|separat|produc|min|output))")
# the year a share is given for ("in 2023", "as of 2021"): the basis year of the check
YEAR = re.compile(r"\b(?:in|as of|of|for)\s+((?:19|20)\d\d)\b")
BOUNDS = {"over": "min", "more than": "min", "above": "min", "at least": "min", "under": "max",
          "less than": "max"}


def find_claims(doc_id: str, text: str, gaz: Gazetteer) -> list[dict]:
    """Share claims: a country, then shares of a stage (production, refining, supply) of a
    commodity; stakes, rates, budget shares and changes are no shares (NOT_SHARE)."""
    out = []
    for a, b in sentences.split(text):
        s = text[a:b]
        ents = [e for e in gaz.entities(s) if e.kind in COUNTRY_KINDS]
        commodities, _ = gaz.terms_in(s)
        materials = [gaz.materials[c] for c in commodities if c in gaz.materials]
        if not ents or not materials:
            continue
        matches = [m for m in SHARE.finditer(s) if m.start() > ents[0].start]
        for i, m in enumerate(matches):
            tail = s[m.end():matches[i + 1].start() if i + 1 < len(matches) else len(s)]
            tail = tail[:m2.start()] if (m2 := CLAUSE_END.search(tail)) else tail  # the share's own phrase
            if NOT_SHARE.search(s, max(0, m.start() - 30), m.end() + 40):
                continue
            # the stage named after the share ("60% of refining"), else before it ("China produces 90%")
            stages = next((st for rx, st in STAGE_WORDS if rx.search(tail)), None) or \
                next((st for rx, st in STAGE_WORDS if rx.search(s, ents[0].start, m.start())), None)
            if stages is None:
                continue
            low = float(m.group("low") or m.group("point")) / 100
            high = float(m.group("high")) / 100 if m.group("high") else None
            word = (m.group("bound") or m.group("bound2") or "").lower()
            owner = [e for e in ents if e.start < m.start()][-1]  # the country nearest before the share
            named = [gaz.materials[c] for c in gaz.terms_in(tail)[0] if c in gaz.materials]
            out.append({"doc": doc_id, "iso3": owner.iso3, "material": (named or materials)[0],
                        "stages": stages, "low": low, "high": high, "bound": BOUNDS.get(word),
                        "year": int(y.group(1)) if (y := YEAR.search(s)) else None,
                        "quote": s[max(0, m.start() - 5):m.end() + 60].strip(), "start": a, "end": b})
    return out


def check(store, claims: list[dict]) -> pd.DataFrame:
    """Each article claim beside the share computed from the reference data (same checker as
    the bundled `claim` table: chokepoint.claims)."""
    from chokepoint import claims as checker
    from chokepoint.trade.concentration import stage_shares

    rows = []
    for n, c in enumerate(claims):
        have = set(stage_shares(store, c["material"], None, ())["stage"])
        stage = next((st for st in c["stages"] if st in have), c["stages"][0])
        rows.append({"claim_id": f"{c['doc']}:{n}", "material": c["material"], "stage": stage,
                     "iso3": c["iso3"], "year": c.get("year"), "low": c["low"], "high": c["high"],
                     "bound": c["bound"], "quote": c["quote"], "source": c["doc"]})
    frame = pd.DataFrame(rows, columns=["claim_id", "material", "stage", "iso3", "year", "low",
                                        "high", "bound", "quote", "source"])
    if frame.empty:
        return pd.DataFrame(columns=["doc", "material", "stage", "iso3", "quote", "claimed",
                                     "computed", "computed_year", "verdict", "data_source"])
    result = checker.check_claims(store, frame)
    result.insert(0, "doc", [c["doc"] for c in claims])
    result.insert(1, "material", frame["material"].values)
    return result.drop(columns=["claim_id", "claim_source"], errors="ignore")


def conflicts(doc_tilts: pd.DataFrame, window_days: int = 62) -> pd.DataFrame:
    """Pairs of articles about one country whose net tilt has opposite signs, published within
    `window_days` of each other: the framings side by side with their outlets and titles."""
    rows = []
    d = doc_tilts.dropna(subset=["published"]).sort_values("published").to_dict("records")
    for i, x in enumerate(d):
        for y in d[i + 1:]:
            if x["country"] != y["country"] or x["net_tilt"] * y["net_tilt"] >= 0:
                continue
            if abs((pd.Timestamp(y["published"]) - pd.Timestamp(x["published"])).days) > window_days:
                continue
            rows.append({"country": x["country"], "doc_a": x["doc"], "outlet_a": x["outlet"],
                         "title_a": x["title"], "tilt_a": x["net_tilt"], "published_a": x["published"],
                         "doc_b": y["doc"], "outlet_b": y["outlet"], "title_b": y["title"],
                         "tilt_b": y["net_tilt"], "published_b": y["published"]})
    return pd.DataFrame(rows)
