"""Offline, deterministic rule-based event extraction: trigger registry, speculation and
negation filters, actor/target by clause position, amounts and dates from the sentence."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from chokepoint.news import amounts, dates, offices, sentences
from chokepoint.news.entities import COUNTRY_KINDS, PASSIVE_KINDS, Entity, Gazetteer
from chokepoint.news.events import Event, merge, tilt

_I = re.IGNORECASE
# event type -> trigger pattern; checked in this order, the first unfiltered match wins
TRIGGERS: dict[str, re.Pattern] = {t: re.compile(p, _I) for t, p in [
    ("EXPORT_EASING", r"\b(?:resum\w+ (?:[\w-]+ ){0,3}exports?|lift\w* (?:its |the )?(?:export )?"
                      r"(?:ban|restrictions|controls|curbs)|lifted export|suspend\w* (?:its |the )?"
                      r"(?:export )?ban|eas\w* (?:its |the )?(?:\w+ )?(?:ban|export controls|restrictions)|"
                      r"waiver|exempt\w*|(?:approv|grant|issu)\w* (?:[\w-]+ ){0,2}export licen[cs]es)"),
    ("EXPORT_CONTROL", r"\b(?:export controls?|export (?:ban|curbs|restrictions|licensing|quotas?)|"
                       r"ban\w* (?:all )?(?:the )?exports?|restrict\w* (?:the )?exports?|halt\w* exports|"
                       r"entity list)"),
    ("TARIFF", r"\b(?:impos\w*|slap\w*|levi\w*|rais\w*) (?:[\w-]+ ){0,4}(?:tariffs?|duty|duties)\b"),
    ("MILITARY", r"\b(?:drills?|(?:military |joint |naval )?exercises?|fired (?:[\w-]+ ){0,3}missiles?|"
                 r"missile (?:test|launch)|test of (?:[\w-]+ ){0,3}missile|warships|troops)\b"),
    ("ALLIANCE", r"\b(?:join(?:s|ed|ing)? (?:the |a |an )?(?:[\w-]+ ){0,4}(?:alliance|partnership|bloc|"
                 r"pact|club|framework|coalition|initiative)|(?:launch|form)\w* (?:[\w-]+ ){0,4}dialogue)\b"),
    ("TALKS", r"\b(?:talks|summit|met with|meet(?:s|ing)?|negotiations?|negotiat\w+)\b"),
    ("DEAL", r"\b(?:sign(?:s|ed|ing)?|agreement|deals?|memorandum of understanding|MoU|pact|"
             r"agreed to (?:buy|purchase|supply|sell))\b"),
    ("INVEST", r"\b(?:invest(?:s|ed|ing)?|stake in|acquir\w+|"
               r"(?:contribut|commit)\w* (?:[\w$€¥£.,-]+ ){0,6}(?:in equity|equity stake|stake))\b"),
    ("SHIPMENT", r"\b(?:shipp\w+|shipments?|cargo(?:es)?|deliver\w*)\b"),
    ("POLICY", r"\b(?:strategy|stockpil\w*|reserve project|loan budget|subsid\w+|designat\w+|"
               r"allocat\w+|public funds|(?:rais\w+|set) (?:its |the )?target|tax credits?|"
               r"select\w* (?:[\w-]+ ){0,3}strategic projects|(?:adopt|unveil|pass)\w* (?:[\w-]+ ){0,4}"
               r"(?:act|plan|strategy|law|roadmap))\b"),
    ("STATEMENT", r"\b(?:oppos\w+|condemn\w*|rebuke|accus\w+|criticis\w+|criticiz\w+|welcom\w+|"
                  r"reject\w*|urg\w+|acknowledg\w+|stated|statement|asked \w+ to|den(?:y|ied|ies)|"
                  r"pledg\w+|vow\w*|willing to|did not accept|protest(?:s|ed)?|demanded|demands that)\b"),
]}
# all triggers in one pattern: one scan per sentence instead of one per type. Every trigger starts
# with \b and a word character, so that check is hoisted in front of the alternation: `re` then
# rejects most positions at once instead of trying each branch (same matches, ~3x faster)
assert all(rx.pattern.startswith(r"\b") for rx in TRIGGERS.values())
ANY_TRIGGER = re.compile(r"\b(?=\w)(?:" + "|".join(f"(?P<{t}>{rx.pattern[2:]})" for t, rx in TRIGGERS.items())
                         + ")", _I)
HOSTILE_WORDS = re.compile(r"oppos|condemn|rebuke|accus|critic|reject|den[yi]|not accept|protest|demand", _I)
SPECULATION = re.compile(r"\b(?:could|may|might|likely|unlikely|reportedly|expected|expects?|"
                         r"projected|project (?:should|to)|forecast\w*|consider\w*|weigh\w*|mull\w*|"
                         r"propos\w+|rumou?r\w*|claimed|if|whether|possibly|potential(?:ly)?|aims? to|"
                         r"hope[sd]?|analysts? (?:say|said|suggest|expect)|"
                         r"experts? (?:say|said|suggest|expect)|people familiar)\b", _I)
WOULD = re.compile(r"\bwould\b", _I)
# background, not news: a clause opened by "when"/"since"/"after", a relative clause ("most of
# which is shipped"), or one dated to an earlier period ("since 2010", "after ... in 2019")
BACKGROUND = re.compile(r"^\W*(?:when|since|after|once)\b|\bsince (?:early |late |mid-)?(?:19|20)\d\d\b|"
                        r"\bafter\b[^,;]*\bin (?:19|20)\d\d\b", _I)
RELATIVE_LEAD = re.compile(r"\b(?:which|who|whom|whose)\s*$", _I)
# "X said it would ..." announces; "officials said the deal would help" predicts
ANNOUNCED = re.compile(r"\b(?:said|says|stated|announced)\b[^,;]*?\b(?:it|they|he|she|we)\b[^,;]{0,60}?"
                       r"\bwould\b", _I)
NEGATION = re.compile(r"\b(?:not|never|no|neither|nor|without)\b|n't\b", _I)
CLAUSE_BREAK = re.compile(r",(?!\d)|[;:—–(]|\b(?:but|while|meaning|although|though|whereas|which|as)\b")
COREF = re.compile(r"^\W*(?:the (?:ministry|government|country|company|firm|administration|"
                   r"two countries|group)|it|they)\b", _I)
ORG_KINDS = {"company", "agency", "association"}
# only governments make policy, tariffs and export rules
GOVERNMENT_TYPES = {"POLICY", "TARIFF", "EXPORT_CONTROL", "EXPORT_EASING"}
SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*$")
MODIFIER_GAP = re.compile(r"^['’]s\s+(?:[a-z][\w-]*\s+){0,4}$")
AND_GAP = re.compile(r"^,?\s+and\s+(?:the\s+)?$")
COMMA_GAP = re.compile(r"^\s*,\s+(?:the\s+)?$")
LIST_NEXT = re.compile(r"^\s*(?:,|and\b)")
# an entity right after one of these is an object, not the subject
PREPOSITION = re.compile(r"\b(?:to|with|from|in|on|into|against|for|of|at|regarding|toward|towards|"
                         r"between|about|over|including|like)\s+(?:the\s+|a\s+|an\s+)?$", _I)
# where a reporting clause starts ("..., the ministry said"): targets are not looked for past it
ATTRIBUTION = re.compile(r"[,;]\s*(?:according to|[^,;]{0,80}?\b(?:said|says|told|reported)\b)", _I)
# preferred amount kinds per type (the first kind present in the sentence is used)
AMOUNT_KINDS: dict[str, tuple[str, ...]] = {
    "TARIFF": ("percent", "money"), "SHIPMENT": ("mass", "money"), "INVEST": ("money",),
    "DEAL": ("money",), "POLICY": ("money",), "EXPORT_CONTROL": ("mass",),
}


@dataclass
class Trigger:
    type: str
    start: int
    end: int
    clause: tuple[int, int]


def _clause(s: str, start: int, end: int) -> tuple[int, int]:
    a = max((m.end() for m in CLAUSE_BREAK.finditer(s, 0, start)), default=0)
    nxt = CLAUSE_BREAK.search(s, end)
    return a, nxt.start() if nxt else len(s)


def _speculative(text: str) -> bool:
    if SPECULATION.search(text):
        return True
    return bool(WOULD.search(text)) and not ANNOUNCED.search(text)


def find_trigger(s: str) -> Trigger | None:
    """The first trigger, in registry order, not hedged (a speculation marker before it or in its
    clause) and, except for statements, not negated in its clause."""
    found = [(m.lastgroup, m) for m in ANY_TRIGGER.finditer(s)]
    for type_ in TRIGGERS:
        for m in (m for t, m in found if t == type_):
            a, b = _clause(s, m.start(), m.end())
            if _speculative(s[:b]) or BACKGROUND.search(s[a:b]) or RELATIVE_LEAD.search(s[:a]):
                continue
            if type_ != "STATEMENT" and NEGATION.search(s[:b]):
                continue
            return Trigger(type_, m.start(), m.end(), (a, b))
    return None


def _heads(s: str, ents: list[Entity]) -> list[Entity]:
    """Active entities without possessive modifiers ("China's CATL" keeps CATL only)."""
    active = [e for e in ents if e.kind not in PASSIVE_KINDS]
    out = []
    for i, e in enumerate(active):
        nxt = active[i + 1] if i + 1 < len(active) else None
        if (nxt is not None and e.kind in COUNTRY_KINDS and nxt.kind in ORG_KINDS
                and MODIFIER_GAP.match(s[e.end:nxt.start])):
            continue
        out.append(e)
    return out


def _actor(s: str, trig: Trigger, heads: list[Entity], prev: Entity | None) -> Entity | None:
    """Subject: the first entity of the trigger's clause before it
    (extended back over a list: "X, Y and Z began"); a
    pronoun-like subject ('the ministry', 'it') takes the previous event's actor; else the
    sentence's first subject before the clause. Entities after
    a preposition are objects and skipped (extension over lists aside). A trigger in
    a leading phrase ("Under the deal, X ...") takes the next clause's first entity."""
    subjects = [e for e in heads if not PREPOSITION.search(s[max(0, e.start - 30):e.start])]
    before = [e for e in subjects if trig.clause[0] <= e.start < trig.start]
    if before:
        first = before[0]
        earlier = [e for e in heads if e.end <= first.start]
        while earlier:
            gap = s[earlier[-1].end:first.start]
            if not (AND_GAP.match(gap) or (COMMA_GAP.match(gap) and LIST_NEXT.match(s[first.end:]))):
                break
            first = earlier.pop()
        return first
    if COREF.match(s[trig.clause[0]:]) or COREF.match(s):
        return prev
    earlier = [e for e in subjects if e.start < trig.clause[0]]
    if earlier:
        return earlier[0]
    leading = trig.clause[0] == 0 and s[trig.clause[1]:trig.clause[1] + 1] == ","
    after = [e for e in heads if e.start >= trig.clause[1]]
    return after[0] if leading and after else None


def _target(s: str, actor: Entity, trig: Trigger, heads: list[Entity]) -> Entity | None:
    """Counterpart: first entity after the trigger word (up to a reporting clause), else between
    actor and trigger; never the actor itself nor (for a country or a company) its own country."""
    def ok(e: Entity) -> bool:
        return e.value != actor.value and not (e.kind in COUNTRY_KINDS and e.iso3 == actor.iso3)

    cut = ATTRIBUTION.search(s, trig.end)
    stop = cut.start() if cut else len(s)
    after = [e for e in heads if trig.start < e.start < stop and e is not actor and ok(e)]
    between = [e for e in heads if actor.end <= e.start < trig.start and ok(e)]
    return (after or between or [None])[0]


def _amount(type_: str, s: str) -> amounts.Amount | None:
    found = amounts.find(s)
    for kind in AMOUNT_KINDS.get(type_, ()):
        hit = next((a for a in found if a.kind == kind), None)
        if hit is not None:
            return hit
    return None


def extract(doc_id: str, text: str, published: dt.date | None, gaz: Gazetteer,
            dateline: str | None = None) -> list[Event]:
    """Events asserted in a cleaned article, merged within the document. Lines without
    sentence punctuation (headlines, subheads) restate the body and are skipped; the dateline's
    place (removed by cleaning) gives the country of offices named without one."""
    out: list[Event] = []
    prev: Entity | None = None
    home = offices.home(dateline, gaz.forms)
    short: dict[str, str] = {}  # "Arafura" -> "Arafura Rare Earths" once the full name was seen
    for a, b in sentences.split(text):
        s = text[a:b]
        if not SENTENCE_END.search(s):
            continue
        ents = gaz.entities(s, home, short)
        short.update({e.value.split()[0]: e.value for e in ents
                      if e.kind == "company" and e.iso3 is None and " " in e.value})
        heads = _heads(s, ents)
        trig = find_trigger(s) if heads or (prev is not None and COREF.match(s)) else None
        ev = _event(doc_id, s, a, b, trig, heads, prev, published, gaz) if trig else None
        if ev is not None:
            out.append(ev)
            prev = ev.extra["actor_entity"]
        elif heads and prev is None:
            prev = heads[0]
    return merge(out)


def _event(doc_id, s, a, b, trig, heads, prev, published, gaz) -> Event | None:
    actor = _actor(s, trig, heads, prev)
    if actor is None or (trig.type in GOVERNMENT_TYPES and actor.kind not in COUNTRY_KINDS):
        return None
    target = _target(s, actor, trig, heads)
    amt = _amount(trig.type, s)
    commodities, sectors = gaz.terms_in(s)
    hostile = trig.type == "STATEMENT" and bool(HOSTILE_WORDS.search(s[trig.start:trig.end]))
    tc = target.iso3 if target else None
    return Event(doc=doc_id, type=trig.type, actor=actor.value, target=target.value if target else None,
                 commodities=commodities, sectors=sectors,
                 amount=amt.value if amt else None, unit=amt.unit if amt else None,
                 date=dates.resolve(s, published), tilt=tilt(trig.type, actor.iso3, tc, hostile),
                 evidence=s, start=a, end=b, actor_country=actor.iso3, target_country=tc,
                 hostile_statement=hostile, extra={"actor_entity": actor})
