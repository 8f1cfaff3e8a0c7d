"""The event record of DESIGN section 6, the within-document merge, and the tilt rule."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

TYPES = ("INVEST", "DEAL", "TALKS", "ALLIANCE", "EXPORT_CONTROL", "EXPORT_EASING", "TARIFF",
         "SHIPMENT", "POLICY", "STATEMENT", "MILITARY")
SCHEMA_KEYS = ("doc", "type", "actor", "target", "commodities", "sectors", "amount", "unit",
               "date", "tilt", "evidence")
# +1 for the US camp, -1 for the China camp: the anchors of the alignment index (DESIGN 6)
CAMPS: dict[str, int] = {"USA": 1, "CHN": -1}
# event types that bring the two parties closer (+) or push them apart (-)
COOPERATIVE = {"INVEST", "DEAL", "TALKS", "ALLIANCE", "EXPORT_EASING", "SHIPMENT"}
HOSTILE = {"EXPORT_CONTROL", "TARIFF", "MILITARY"}


@dataclass
class Event:
    """One asserted event; `actor_country`/`target_country` are the ISO3 homes used for tilt."""

    doc: str
    type: str
    actor: str
    target: str | None
    commodities: list[str]
    sectors: list[str]
    amount: float | None
    unit: str | None
    date: dt.date | None
    tilt: int
    evidence: str
    start: int = 0
    end: int = 0
    actor_country: str | None = None
    target_country: str | None = None
    hostile_statement: bool = False
    amount_usd: float | None = None
    fx_note: str | None = None
    extra: dict = field(default_factory=dict)

    def record(self) -> dict:
        """The event as DESIGN section 6's JSON object, exactly those keys."""
        out = {k: getattr(self, k) for k in SCHEMA_KEYS}
        out["date"] = self.date.isoformat() if self.date else None
        return out


def tilt(type_: str, actor_country: str | None, target_country: str | None,
         hostile_statement: bool = False, camps: dict[str, int] | None = None) -> int:
    """+1 toward the US camp, -1 toward China, 0 otherwise: the camp of the counterpart, signed
    by whether the event is cooperative or hostile; 0 between two anchors or with no counterpart."""
    camps = CAMPS if camps is None else camps
    a, b = camps.get(actor_country or "", 0), camps.get(target_country or "", 0)
    if (a and b) or not target_country or actor_country == target_country:
        return 0
    side = a or b
    if type_ in HOSTILE or (type_ == "STATEMENT" and hostile_statement):
        return -side
    if type_ in COOPERATIVE or type_ == "STATEMENT":
        return side
    return 0


def _undated_apart(a: Event, b: Event) -> bool:
    """Whether undated `a` is told apart from dated `b`: its sentence names a time of its own that
    did not resolve ("signed on Tuesday" in an undated article is not the deal "of 2022")."""
    return a.date is None and b.date is not None and bool(a.extra.get("time_unresolved"))


def _background_apart(a: Event, b: Event) -> bool:
    """Whether undated `a` is told apart from the later `b`, dated well before publication
    (`extra["past"]`): a first mention with no date reports the news of the day, a later one dated
    years or months back ("as seen in 2021", "launched talks in 2018") an earlier event of the same
    kind. The other way round, an undated mention after a dated one refers back to it."""
    return a.date is None and bool(b.extra.get("past"))


def _swapped(a: Event, b: Event) -> bool:
    """One meeting told from each side: "A met B", then "B's talks with A"."""
    return a.type == b.type == "TALKS" and a.target is not None and (a.actor, a.target) == (b.target, b.actor)


def _compatible(a: Event, b: Event) -> bool:
    if b.extra.get("another"):
        return False  # "they also signed an MOU": one more, not the earlier one again
    swapped = _swapped(a, b)
    if not swapped and (a.type, a.actor) != (b.type, b.actor):
        return False
    if a.commodities and b.commodities and not set(a.commodities) & set(b.commodities):
        return False  # the same actor's controls on two different materials are two events
    if _undated_apart(a, b) or _undated_apart(b, a) or _background_apart(a, b):
        return False
    # amounts of two measures (a deal's price and its tonnes) do not tell two deals apart
    amounts = (a.amount, b.amount) if measure(a.unit) == measure(b.unit) else (None, None)
    targets = (None, None) if swapped else (a.target, b.target)
    return all(x is None or y is None or x == y for x, y in (targets, amounts, (a.date, b.date)))


def measure(unit: str | None) -> str | None:
    """What a unit measures: 'percent', 't', 'USD/kg', or 'money' for any currency code."""
    return unit if unit in (None, "percent", "t", "USD/kg") else "money"


def merge(events: list[Event]) -> list[Event]:
    """Fold repeated mentions of one event in a document into its first mention: same type and
    actor (or a meeting told from the other side, `_swapped`), target, amount and date each equal or
    missing on one side (missing ones filled, unless the undated one is told apart: `_undated_apart`,
    `_background_apart`), and commodities shared when both name some;
    a mention marked as one more ("also signed", `extra["another"]`) is never folded."""
    out: list[Event] = []
    for ev in events:
        host = next((o for o in out if _compatible(o, ev)), None)
        if host is None:
            out.append(ev)
            continue
        if host.amount is None and ev.amount is not None:
            host.amount, host.unit = ev.amount, ev.unit
        if host.target is None and ev.target is not None:
            host.target, host.target_country, host.tilt = ev.target, ev.target_country, ev.tilt
        host.date = host.date or ev.date
        host.commodities += [c for c in ev.commodities if c not in host.commodities]
        host.sectors += [s for s in ev.sectors if s not in host.sectors]
    return out
