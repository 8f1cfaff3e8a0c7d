"""Optional LLM event extractor for an OpenAI-compatible endpoint (llama.cpp, Ollama, vLLM or a
hosted one): the annotation guideline as the prompt, JSON-schema output at temperature 0, each
response cached by a key of model, prompt and text (so re-runs are identical), and every event
validated by the deterministic layer: evidence must be a substring of the cleaned text, actors
and targets are normalised by the gazetteer, amounts and dates are re-parsed from the evidence,
tilt is computed by the rule of events.py."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.request
from collections.abc import MutableMapping
from dataclasses import dataclass, field

from chokepoint.errors import BadInput
from chokepoint.news import dates
from chokepoint.news.entities import Gazetteer
from chokepoint.news.events import TYPES, Event, merge, tilt
from chokepoint.news.extract import amount_for

PROMPT_VERSION = "1"
PROMPT = """You extract events from one news article for economic-security analysts.
An event is something the text asserts happened or was announced: an action, a decision, a signed
or announced deal, a pledge, a plan a government or company announced. Leave out speculation,
expectations, analysts' views, "reportedly" items, conditional threats, questions, planned
meetings that have not happened, and boilerplate (related articles, ads, newsletter boxes).
Background events stated as fact with a specific action count. One sentence can hold several
events; two events of the same type and actor with different amounts, commodities, targets or
dates are separate.
Types: EXPORT_CONTROL (bans, licence requirements, quotas, entity sanctions), EXPORT_EASING
(suspending or lifting controls, general licences, approvals), TARIFF (tariffs, duties, port
fees), DEAL (agreements, MOUs, contracts, offtakes), INVEST (stakes, acquisitions, loans, grants,
investment pledges; the actor pays), POLICY (strategies, stockpiles, funds, programmes, probes,
designations), TALKS (meetings, summits, negotiations that took place), ALLIANCE (joining or
founding a partnership), SHIPMENT (a physical delivery), STATEMENT (protests, condemnations,
warnings, welcomes, formal objections), MILITARY (drills, missile tests, arms purchases).
actor: who does the thing, not who reports it; a government, ministry, agency, leader or official
is its country's ISO3 code (USA, KOR, CHN, JPN); companies and groupings by name. target: who
the action is aimed at or who receives it, or null. amount: the first figure for the event in
base units with its unit (USD, KRW, percent, t), or null. date: YYYY-MM-DD, YYYY-MM or YYYY of
the action, or null. evidence: the sentence of the article that states the event, copied exactly.
Answer with JSON only."""
SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["events"],
    "properties": {"events": {"type": "array", "items": {
        "type": "object", "additionalProperties": False,
        "required": ["type", "actor", "target", "commodities", "amount", "unit", "date", "evidence"],
        "properties": {
            "type": {"type": "string", "enum": list(TYPES)},
            "actor": {"type": "string"}, "target": {"type": ["string", "null"]},
            "commodities": {"type": "array", "items": {"type": "string"}},
            "amount": {"type": ["number", "null"]}, "unit": {"type": ["string", "null"]},
            "date": {"type": ["string", "null"]}, "evidence": {"type": "string"},
        }}}},
}


@dataclass
class LlmExtractor:
    """Events from an OpenAI-compatible chat-completions endpoint (`url` ends before
    /chat/completions, e.g. http://localhost:8080/v1); `cache` maps request keys to responses
    (a dict, or the store's llm_cache through api.StoreCache)."""

    url: str
    model: str
    api_key: str | None = None
    timeout: float = 120.0
    cache: MutableMapping[str, str] = field(default_factory=dict)

    def key(self, text: str) -> str:
        """The cache key of one article: model, prompt version and text."""
        return hashlib.sha256(f"{self.model}\n{PROMPT_VERSION}\n{text}".encode()).hexdigest()

    def raw(self, text: str) -> str:
        """The endpoint's JSON answer for one article, from the cache when it has one."""
        key = self.key(text)
        if key not in self.cache:
            self.cache[key] = self._request(text)
        return self.cache[key]

    def _request(self, text: str) -> str:
        body = {"model": self.model, "temperature": 0, "seed": 0,
                "messages": [{"role": "system", "content": PROMPT}, {"role": "user", "content": text}],
                "response_format": {"type": "json_schema",
                                    "json_schema": {"name": "events", "strict": True, "schema": SCHEMA}}}
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.url.rstrip("/") + "/chat/completions",
                                     data=json.dumps(body).encode(), headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                answer = json.load(resp)
        except (OSError, ValueError) as exc:
            raise BadInput(f"LLM endpoint {self.url}: {exc}", field="llm_url",
                           hint="check the server is up and speaks the OpenAI chat-completions API") from None
        try:
            return answer["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise BadInput(f"LLM endpoint {self.url} gave no message", field="llm_url") from None

    def __call__(self, doc_id: str, text: str, published: dt.date | None, gaz: Gazetteer,
                 **_: object) -> list[Event]:
        """The extractor signature of extract.extract: validated events of one cleaned article."""
        return validate(doc_id, self.raw(text), text, published, gaz)


def validate(doc_id: str, raw: str, text: str, published: dt.date | None, gaz: Gazetteer) -> list[Event]:
    """The events of an LLM answer that survive the deterministic checks (see the module doc);
    an answer that is no JSON object of events gives none."""
    try:
        items = json.loads(raw).get("events", [])
    except (ValueError, AttributeError):
        return []
    out = []
    for item in items if isinstance(items, list) else []:
        ev = _event(doc_id, item, text, published, gaz) if isinstance(item, dict) else None
        if ev is not None:
            out.append(ev)
    return merge(out)


def _party(value, gaz: Gazetteer) -> tuple[str | None, str | None]:
    """(canonical value, ISO3 home) of an actor or target as the gazetteer reads it."""
    if not isinstance(value, str) or not value.strip():
        return None, None
    value = value.strip()
    if value in gaz.forms:
        canon, _, iso3 = gaz.forms[value]
        return canon, iso3
    ents = gaz.entities(value)
    if len(ents) == 1 and ents[0].end - ents[0].start == len(value):
        return ents[0].value, ents[0].iso3
    return value, None


def _event(doc_id: str, item: dict, text: str, published: dt.date | None, gaz: Gazetteer) -> Event | None:
    evidence = item.get("evidence")
    start = text.find(evidence) if isinstance(evidence, str) and evidence.strip() else -1
    if item.get("type") not in TYPES or start < 0:
        return None
    actor, actor_iso = _party(item.get("actor"), gaz)
    if actor is None:
        return None
    target, target_iso = _party(item.get("target"), gaz)
    amt = amount_for(item["type"], evidence)
    commodities, sectors = gaz.terms_in(evidence)
    return Event(doc=doc_id, type=item["type"], actor=actor, target=target, commodities=commodities,
                 sectors=sectors, amount=amt.value if amt else None, unit=amt.unit if amt else None,
                 date=dates.resolve(evidence, published), tilt=tilt(item["type"], actor_iso, target_iso),
                 evidence=evidence, start=start, end=start + len(evidence), actor_country=actor_iso,
                 target_country=target_iso)
