"""The news pipeline as public steps: read -> clean -> extract -> deduplicate (no store involved)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from chokepoint.errors import BadInput
from chokepoint.news import dedup, offices, reader, retold
from chokepoint.news.amounts import FxTable
from chokepoint.news.clean import clean
from chokepoint.news.entities import Gazetteer
from chokepoint.news.events import Event
from chokepoint.news.extract import extract


@dataclass
class Article:
    """A cleaned article and its events."""

    doc_id: str
    path: str
    text: str
    raw_chars: int
    title: str | None
    outlet: str | None
    published: dt.date | None
    events: list[Event] = field(default_factory=list)
    dup_group: str | None = None


@dataclass
class Batch:
    """What one run of the pipeline produced: articles, per-file errors, duplicate groups."""

    articles: list[Article]
    errors: list[tuple[str, str]]
    duplicates: list[dict]
    removed: Counter = field(default_factory=Counter)
    files: int = 0


Extractor = Callable[..., list[Event]]  # extract.extract's signature: (doc_id, text, published, gaz, ...)


def process_text(doc: reader.RawDoc, gaz: Gazetteer, published: dt.date | None = None,
                 removed: Counter | None = None, extractor: Extractor = extract) -> Article:
    """Clean one raw document and extract its events (its own date wins over `published`)."""
    result = clean(doc.text)
    if removed is not None:
        removed.update(result.removed)
    pub = doc.published or published
    art = Article(doc.doc_id, doc.path, result.text, doc.raw_chars, doc.title, doc.outlet, pub)
    home = offices.header_home(doc.text, gaz.forms) or offices.outlet_home(doc.outlet, gaz)
    art.events = extractor(doc.doc_id, result.text, pub, gaz, dateline=result.dateline, home=home)
    return art


def run(paths: Iterable[str | Path], gaz: Gazetteer, published: dt.date | None = None,
        dates: dict[str, dt.date] | None = None,
        progress: Callable[[int, int, str], None] | None = None, extractor: Extractor = extract) -> Batch:
    """Read every file (bad ones reported by name, the rest kept), clean, extract (the rules, or
    another `extractor` such as llm.LlmExtractor), group duplicates."""
    files, errors = reader.expand(paths)
    arts: list[Article] = []
    removed: Counter = Counter()
    for n, path in enumerate(files, start=1):
        if progress:
            progress(n, len(files), path.name)
        try:
            docs = reader.read(path)
        except BadInput as exc:
            errors.append((path.name, exc.describe()))
            continue
        except (OSError, ValueError, RecursionError) as exc:
            errors.append((path.name, f"{type(exc).__name__}: {exc}"))
            continue
        for doc in docs:
            if isinstance(doc, BadInput):
                errors.append((path.name, doc.describe()))
                continue
            fallback = (dates or {}).get(doc.doc_id) or (dates or {}).get(path.name) or published
            arts.append(process_text(doc, gaz, fallback, removed, extractor))
    dups = find_duplicates(arts)
    return Batch(arts, errors, dups, removed, len(files))


def find_duplicates(arts: list[Article]) -> list[dict]:
    """Duplicate groups; each article in a group gets its `dup_group` id."""
    wire = dedup.minhash_pairs([a.text for a in arts])
    copies = dedup.sentence_pairs([a.text for a in arts]) - wire
    published = [a.published for a in arts]
    events, fx = [a.events for a in arts], FxTable.bundled()

    def apart(i: int, j: int) -> bool:  # two deals of the same parties: no retelling, however alike
        return dedup.different_deals(events[i], events[j], arts[i].text, arts[j].text, fx)

    scores = dedup.event_scores(events, published, fx)
    story = {p for p in scores if not apart(*p)} - wire - copies
    cosines = retold.story_pairs([a.text for a in arts], published, dedup.event_ties(events, published, fx), apart)
    words = set(cosines) - wire - copies - story
    lead = {p for p in dedup.lead_pairs([a.text for a in arts], published) if not apart(*p)} - wire - copies - story - words
    out = []
    method_of: dict[int, set[str]] = {}
    for pairs, name in ((wire, "minhash"), (copies, "sentences"), (story, "events"), (words, "words"), (lead, "lead")):
        for i, _ in pairs:
            method_of.setdefault(i, set()).add(name)
    # strongest ties join first
    ordered = sorted(story, key=lambda p: (-scores[p], p)) + sorted(words, key=lambda p: (-cosines[p], p)) + sorted(lead)
    for members in dedup.groups(len(arts), wire | copies, published, ordered):
        gid = f"dup-{arts[members[0]].doc_id}"
        methods = sorted(set().union(*(method_of.get(i, set()) for i in members)))
        for i in members:
            arts[i].dup_group = gid
        out.append({"group": gid, "docs": [arts[i].doc_id for i in members], "method": "+".join(methods)})
    return out
