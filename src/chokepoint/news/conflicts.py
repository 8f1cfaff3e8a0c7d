"""Cross-article conflicts, each labelled contradiction, different scope or different time
(GUIDELINE.md): share claims about one country and material that disagree, one story's events
told with different amounts or dates, and opposite framings of a country in the same period."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from chokepoint.news import claims as claims_mod
from chokepoint.news import dedup
from chokepoint.news.amounts import FxTable
from chokepoint.news.entities import Gazetteer
from chokepoint.news.events import measure

LABELS = ("contradiction", "different scope", "different time")
COLUMNS = ["country", "kind", "label", "about", "doc_a", "value_a", "published_a", "outlet_a", "evidence_a",
           "doc_b", "value_b", "published_b", "outlet_b", "evidence_b"]
SHARE_TOLERANCE = 0.05  # shares this close (as fractions) agree: outlets round
FRAMING_WINDOW_DAYS = 62
FRAMING_MIN_TILT = 2  # one event's tilt is no framing: each article must lean by at least this much


def find(arts: Sequence, gaz: Gazetteer, fx: FxTable | None = None, groups: Sequence[Sequence[str]] = (),
         window_days: int = FRAMING_WINDOW_DAYS) -> pd.DataFrame:
    """Every conflict between two articles (`arts`: pipeline Articles; `groups`: duplicate groups
    of doc ids, the stories whose events are compared; `window_days`: framings this close)."""
    by_id = {a.doc_id: a for a in arts}
    rows = _once_per_story(_shares(arts, gaz) + _framings(arts, window_days), groups) \
        + _story_events(by_id, groups, fx)
    for r in rows:
        for side in "ab":
            art = by_id[r[f"doc_{side}"]]
            r[f"published_{side}"], r[f"outlet_{side}"] = art.published, art.outlet
    return pd.DataFrame(rows, columns=COLUMNS)


def _once_per_story(rows: list[dict], groups: Sequence[Sequence[str]]) -> list[dict]:
    """Conflicts between two stories, each told once: a wire copy or retelling of an article
    repeats its figures, so the same disagreement with its copy is the same conflict (the first
    kept)."""
    story = {d: group[0] for group in groups for d in group}
    seen, out = set(), []
    for r in rows:
        key = (r["kind"], r["about"], *sorted((story.get(r[f"doc_{s}"], r[f"doc_{s}"]), r[f"value_{s}"]) for s in "ab"))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _interval(c: dict) -> tuple[float, float]:
    return c["low"], c["high"] if c["high"] is not None else c["low"]


def _year(art) -> int | None:
    return art.published.year if art.published else None


def share_label(a: dict, b: dict, year_a: int | None, year_b: int | None) -> str | None:
    """None when two share claims agree; else 'different scope' (another stage: refining vs
    mining), 'different time' (published in different years) or 'contradiction'."""
    (lo_a, hi_a), (lo_b, hi_b) = _interval(a), _interval(b)
    if lo_a - SHARE_TOLERANCE <= hi_b and lo_b - SHARE_TOLERANCE <= hi_a:
        return None
    if a["stages"][0] != b["stages"][0]:
        return "different scope"
    if year_a and year_b and year_a != year_b:
        return "different time"
    return "contradiction"


def _shares(arts: Sequence, gaz: Gazetteer) -> list[dict]:
    found = [(art, c) for art in arts for c in claims_mod.find_claims(art.doc_id, art.text, gaz)]
    rows = []
    for x, (art_a, a) in enumerate(found):
        for art_b, b in found[x + 1:]:
            if art_a.doc_id == art_b.doc_id or (a["iso3"], a["material"]) != (b["iso3"], b["material"]):
                continue
            label = share_label(a, b, _year(art_a), _year(art_b))
            if label:
                rows.append(_row(a["iso3"], "share", label, f"{a['iso3']} share of {a['material']}",
                                 art_a, _share_text(a), art_a.text[a["start"]:a["end"]],
                                 art_b, _share_text(b), art_b.text[b["start"]:b["end"]]))
    return rows


def _share_text(c: dict) -> str:
    lo, hi = _interval(c)
    span = f"{lo:.0%}" if lo == hi else f"{lo:.0%}-{hi:.0%}"
    return f"{span} ({c['stages'][0]})"


def _story_events(by_id: dict, groups: Sequence[Sequence[str]], fx: FxTable | None) -> list[dict]:
    """Within one story (a duplicate group), the same event (type and actor, compatible target and
    commodities) with a different amount, or a date more than a day apart: a contradiction."""
    rows = []
    for group in groups:
        docs = [by_id[d] for d in group if d in by_id]
        for x, art_a in enumerate(docs):
            for art_b in docs[x + 1:]:
                rows += _event_pair(art_a, art_b, fx)
    return rows


def _same_event(a, b) -> bool:
    """Type and actor equal, targets and commodities not apart: possibly one event told twice."""
    if (a.type, a.actor) != (b.type, b.actor) or (a.target and b.target and a.target != b.target):
        return False
    return not (a.commodities and b.commodities and not set(a.commodities) & set(b.commodities))


def _same_deal(a, b) -> bool:
    """An investment and a deal in money between the same two named parties, in either order: one
    pledge that outlets type either way ("Uzbekistan will invest $100 billion in the US", "the US
    and Uzbekistan signed deals worth $35 billion")."""
    return {a.type, b.type} <= {"INVEST", "DEAL"} and a.target is not None and b.target is not None \
        and {a.actor, a.target} == {b.actor, b.target} and measure(a.unit) == measure(b.unit) == "money"


def _one_event(a, b) -> bool:
    return _same_event(a, b) or _same_deal(a, b)


def _difference(a, b, fx: FxTable | None) -> tuple[str, str, str] | None:
    """(what, value a, value b) where two tellings of an event disagree on amount or date, else None."""
    if a.amount is not None and b.amount is not None and measure(a.unit) == measure(b.unit) \
            and not dedup.same_amount(a, b, fx):
        return "amount", f"{a.amount:,.0f} {a.unit}", f"{b.amount:,.0f} {b.unit}"
    if a.date and b.date and dedup.days_apart(a.date, b.date) > 1:
        return "date", a.date.isoformat(), b.date.isoformat()
    return None


def _agree(a, b, fx: FxTable | None) -> bool:
    """Two tellings that agree on a figure both give (the amount, else the date): a telling that lacks
    the figure neither agrees nor disagrees."""
    if _difference(a, b, fx) is not None:
        return False
    if a.amount is not None and b.amount is not None and measure(a.unit) == measure(b.unit):
        return True
    return a.amount is None and b.amount is None and bool(a.date and b.date)


def _event_pair(art_a, art_b, fx: FxTable | None) -> list[dict]:
    """Events of two articles of one story that disagree; an event that the other article also tells
    in agreement (an earlier deal beside this one) is that one, not a conflict."""
    rows, seen = [], set()
    for a in art_a.events:
        cands = [b for b in art_b.events if _one_event(a, b)]
        if any(_agree(a, b, fx) for b in cands):
            continue
        for b in cands:
            if any(_one_event(o, b) and _agree(o, b, fx) for o in art_a.events):
                continue
            diff = _difference(a, b, fx)
            if diff is None:
                continue
            what, va, vb = diff
            if (a.type, a.actor, what) in seen:
                continue
            seen.add((a.type, a.actor, what))
            rows.append(_row(a.actor_country, what, _story_label(what, a, b, art_a, art_b, fx),
                             f"{a.type} {a.actor}: {what}", art_a, va, a.evidence, art_b, vb, b.evidence))
    return rows


def _story_label(what: str, a, b, art_a, art_b, fx: FxTable | None) -> str:
    """'contradiction' for one number in two currencies; 'different scope' when either article also
    names the other's figure (a part beside its
    whole: "$200 billion in cash" of "$350 billion"), 'different time' when the articles were
    published more than dedup.RETOLD_FIGURE_DAYS apart (a later telling may be an update), else
    'contradiction' (GUIDELINE.md)."""
    if what == "amount" and dedup.same_number(a, b):
        return "contradiction"  # the currency written two ways: no update changes only the currency
    if what == "amount" and (dedup.names_figure(art_a.text, b, fx) or dedup.names_figure(art_b.text, a, fx)):
        return "different scope"
    if art_a.published and art_b.published \
            and dedup.days_apart(art_a.published, art_b.published) > dedup.RETOLD_FIGURE_DAYS:
        return "different time"
    return "contradiction"


def _framings(arts: Sequence, window_days: int) -> list[dict]:
    """Opposite net tilts (each at least FRAMING_MIN_TILT) of one country's relation with one
    counterpart in two articles published within the window: a Korea-US deal beside a Korea-China
    swap is a country dealing with two partners, not one relation framed both ways."""
    by_id = {a.doc_id: a for a in arts}
    tilts = []
    for art in arts:
        net: dict[tuple[str, str], int] = {}
        for ev in art.events:
            pair = (ev.actor_country, ev.target_country)
            if None not in pair and pair[0] != pair[1]:
                for key in (pair, pair[::-1]):
                    net[key] = net.get(key, 0) + ev.tilt
        tilts += [{"country": c, "counterpart": o, "doc": art.doc_id, "net_tilt": t, "published": art.published,
                   "outlet": art.outlet, "title": art.title} for (c, o), t in net.items()
                  if abs(t) >= FRAMING_MIN_TILT]
    rows = []
    for other in sorted({t["counterpart"] for t in tilts}):
        frame = claims_mod.conflicts(pd.DataFrame([t for t in tilts if t["counterpart"] == other],
                                                  columns=["country", "doc", "net_tilt", "published", "outlet",
                                                           "title"]), window_days)
        rows += [_row(r.country, "framing", "contradiction", f"{r.country} alignment with {other} framed both ways",
                      by_id[r.doc_a], f"net tilt {r.tilt_a:+d}", r.title_a or "", by_id[r.doc_b],
                      f"net tilt {r.tilt_b:+d}", r.title_b or "") for r in frame.itertuples()]
    return rows


def _row(country, kind, label, about, art_a, value_a, ev_a, art_b, value_b, ev_b) -> dict:
    return {"country": country, "kind": kind, "label": label, "about": about,
            "doc_a": art_a.doc_id, "value_a": value_a, "evidence_a": ev_a,
            "doc_b": art_b.doc_id, "value_b": value_b, "evidence_b": ev_b}


def pairs(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """{(doc, doc) sorted: label} of a conflicts frame; a pair with several rows keeps its first
    contradiction, else its first label."""
    out: dict[tuple[str, str], str] = {}
    for r in frame.itertuples():
        key = tuple(sorted((r.doc_a, r.doc_b)))
        if key not in out or (r.label == "contradiction" and out[key] != "contradiction"):
            out[key] = r.label
    return out

