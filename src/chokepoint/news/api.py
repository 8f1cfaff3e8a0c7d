"""`News`: the news accessor of a Workbench (`wb.news`) — ingest, events, duplicates, tilt,
claims and scenario signals, all read from and written to the store."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from chokepoint.errors import BadInput, list_as_string
from chokepoint.news import claims as claims_mod
from chokepoint.news import conflicts as conflicts_mod
from chokepoint.news import dates as dates_mod
from chokepoint.news import signals as signals_mod
from chokepoint.news import tilt as tilt_mod
from chokepoint.news.amounts import FxTable
from chokepoint.news.entities import Gazetteer
from chokepoint.news.events import TYPES, Event
from chokepoint.news.llm import LlmExtractor
from chokepoint.news.pipeline import Article, find_duplicates, run
from chokepoint.schema import RESULT_TABLES

EVENT_FILTERS = ("type", "actor", "target", "commodity", "doc")


@dataclass
class IngestReport:
    """Counts of one ingest and the files that could not be read, by name."""

    files: int = 0
    articles: int = 0
    events: int = 0
    duplicate_groups: int = 0
    errors: list[dict] = field(default_factory=list)
    removed_lines: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"files": self.files, "articles": self.articles, "events": self.events,
                "duplicate_groups": self.duplicate_groups, "errors": self.errors,
                "removed_lines": self.removed_lines}


class StoreCache(MutableMapping):
    """The store's llm_cache table as a mapping of request keys to answers (`model` is recorded)."""

    def __init__(self, store, model: str = ""):
        self.store, self.model = store, model

    def __getitem__(self, key: str) -> str:
        row = self.store.con.execute("SELECT response FROM llm_cache WHERE key = ?", [key]).fetchone()
        if row is None:
            raise KeyError(key)
        return row[0]

    def __setitem__(self, key: str, value: str) -> None:
        self.store.con.execute("DELETE FROM llm_cache WHERE key = ?", [key])
        self.store.con.execute("INSERT INTO llm_cache VALUES (?, ?, ?, ?)",
                               [key, self.model, value, dt.datetime.now()])

    def __delitem__(self, key: str) -> None:
        self.store.con.execute("DELETE FROM llm_cache WHERE key = ?", [key])

    def __iter__(self):
        return iter([r[0] for r in self.store.con.execute("SELECT key FROM llm_cache").fetchall()])

    def __len__(self) -> int:
        return self.store.count("llm_cache")


class News:
    """News signals on the workbench's store (DESIGN section 6)."""

    def __init__(self, workbench):
        self.wb = workbench
        self.store = workbench.store

    # -- reference -----------------------------------------------------------------------
    def gazetteer(self) -> Gazetteer:
        """The store's gazetteer when built (user additions included), else the bundled one."""
        tables = self.store.tables()
        if all(t in tables for t in ("news_entity", "news_term")) and self.store.count("news_entity"):
            return Gazetteer(self.store.table("news_entity"), self.store.table("news_term"))
        return Gazetteer.bundled()

    def fx(self) -> FxTable:
        rows = self.store.df("SELECT year, currency, per_usd FROM fx").itertuples(index=False) \
            if "fx" in self.store.tables() else []
        return FxTable([tuple(r) for r in rows])

    # -- ingest ---------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], published: dt.date | str | None = None,
               progress: Callable[[int, int, str], None] | None = None, llm_url: str | None = None,
               llm_model: str | None = None, llm_key: str | None = None) -> IngestReport:
        """Read, clean, extract and store articles in one transaction; bad files are reported
        by name in the report and the rest are ingested. With `llm_url` (an OpenAI-compatible
        endpoint) events come from news.llm.LlmExtractor, its answers cached in `llm_cache`."""
        if isinstance(published, str):
            try:
                published = dates_mod.parse_published(published)
            except ValueError:
                raise BadInput(f"'{published}' is not a date", field="published",
                               hint="use YYYY-MM-DD, or YYYY-MM / YYYY for pages dated to the month or year") from None
        if llm_url:
            model = llm_model or "default"
            extractor = LlmExtractor(llm_url, model, llm_key, cache=StoreCache(self.store, model))
            batch = run(list(paths), self.gazetteer(), published=published, progress=progress,
                        extractor=extractor)
        else:
            batch = run(list(paths), self.gazetteer(), published=published, progress=progress)
        fx = self.fx()
        docs, events = _frames(batch.articles, fx)
        with self.store.transaction() as con:
            ids = list(docs["doc_id"])
            if ids:
                con.execute("DELETE FROM event WHERE doc_id IN (SELECT unnest(?))", [ids])
                con.execute("DELETE FROM document WHERE doc_id IN (SELECT unnest(?))", [ids])
                _insert(con, "document", docs)
                _insert(con, "event", events)
            groups = self._regroup(con)
        return IngestReport(batch.files, len(batch.articles), len(events), groups,
                            [{"name": n, "error": e} for n, e in batch.errors], dict(batch.removed))

    def _regroup(self, con) -> int:
        """Recompute duplicate groups over every stored document (new ones may join old)."""
        arts = self._articles()
        dups = find_duplicates(arts)
        con.execute("UPDATE document SET dup_group = NULL")
        for g in dups:
            con.execute("UPDATE document SET dup_group = ? WHERE doc_id IN (SELECT unnest(?))",
                        [g["group"], g["docs"]])
        return len(dups)

    # -- reading --------------------------------------------------------------------------
    def documents(self) -> pd.DataFrame:
        """Stored articles: id, path, outlet, published, title, cleaned chars, duplicate group."""
        return self.store.df("SELECT doc_id, path, outlet, published, title, length(text) AS chars, "
                             "raw_chars, dup_group FROM document ORDER BY doc_id")

    def events(self, **filters) -> pd.DataFrame:
        """Events, filtered by type, actor, target, commodity or doc (equality; commodity: contains)."""
        unknown = [k for k in filters if k not in EVENT_FILTERS]
        if unknown:
            raise BadInput(f"unknown filter '{unknown[0]}'", field=unknown[0],
                           hint=f"filters are {list_as_string(EVENT_FILTERS)}")
        if filters.get("type") and str(filters["type"]).upper() not in TYPES:
            raise BadInput(f"unknown event type '{filters['type']}'", field="type",
                           hint=f"types are {list_as_string(TYPES)}")
        df = self.store.df("SELECT e.*, d.published FROM event e JOIN document d USING (doc_id) "
                           "ORDER BY e.doc_id, e.start")
        df = df.rename(columns={"doc_id": "doc"})
        for col in ("commodities", "sectors"):
            df[col] = [json.loads(v) if isinstance(v, str) else list(v or []) for v in df[col]]
        for key, value in filters.items():
            if value is None:
                continue
            if key == "commodity":
                # a boolean Series, not a list: an empty list would select columns, not rows
                df = df[pd.Series([str(value).lower() in c for c in df["commodities"]],
                                  index=df.index, dtype=bool)]
            else:
                df = df[df[key].astype(str).str.upper() == str(value).upper()] if key == "type" \
                    else df[df[key] == value]
        return df.reset_index(drop=True)

    def _homes(self) -> dict[str, str | None]:
        """ISO3 home of every gazetteer form and canonical name."""
        gaz = self.gazetteer()
        home = {form: iso for form, (_, _, iso) in gaz.forms.items()}
        home.update({value: iso for value, _, iso in gaz.forms.values()})
        return home

    def _with_countries(self, df: pd.DataFrame) -> pd.DataFrame:
        home = self._homes()
        df = df.copy()
        df["actor_country"] = [home.get(v) for v in df["actor"]]
        df["target_country"] = [home.get(v) if isinstance(v, str) else None for v in df["target"]]
        return df

    def duplicates(self) -> pd.DataFrame:
        """Duplicate groups: group id, member documents, method (minhash and/or events)."""
        dups = find_duplicates(self._articles())
        return pd.DataFrame(dups, columns=["group", "docs", "method"])

    def tilt(self, country: str = "KOR", by: str = "month", chart: str | Path | None = None) -> pd.DataFrame:
        """Alignment index of a country per period; writes a chart when `chart` is a path."""
        if by not in tilt_mod.PERIODS:
            raise BadInput(f"unknown period '{by}'", field="by",
                           hint=f"periods are {list_as_string(tilt_mod.PERIODS)}")
        frame = tilt_mod.index(self._with_countries(self.events()), country.upper(), by)
        if chart is not None:
            tilt_mod.chart(frame, country.upper(), chart)
        return frame

    def claims(self) -> pd.DataFrame:
        """Numeric share claims in stored articles checked against the reference data."""
        gaz = self.gazetteer()
        found = [c for d in self.store.df("SELECT doc_id, text FROM document ORDER BY doc_id").itertuples()
                 for c in claims_mod.find_claims(d.doc_id, d.text, gaz)]
        return claims_mod.check(self.store, found)

    def conflicts(self, country: str | None = None, window_days: int = 62) -> pd.DataFrame:
        """Conflicts between stored articles, side by side with their sources: share figures, one
        story's amounts and dates, opposite framings of a country within `window_days`; each
        labelled contradiction, different scope or different time."""
        arts, home = self._articles(), self._homes()
        for ev in (e for a in arts for e in a.events):
            ev.actor_country, ev.target_country = home.get(ev.actor), home.get(ev.target) if ev.target else None
        frame = conflicts_mod.find(arts, self.gazetteer(), self.fx(), [g["docs"] for g in find_duplicates(arts)],
                                   window_days)
        if country:
            frame = frame[frame["country"] == country.upper()]
        return frame.reset_index(drop=True)

    def signals(self) -> pd.DataFrame:
        """Export-control, easing and alliance events mapped to the scenarios they bear on."""
        return signals_mod.signals(self.events(), self.gazetteer().materials)

    def _articles(self) -> list[Article]:
        docs = self.store.df("SELECT doc_id, path, text, raw_chars, title, outlet, published "
                             "FROM document ORDER BY doc_id")
        ev = self.events() if len(docs) else pd.DataFrame(columns=["doc"])
        by_doc: dict[str, list[Event]] = {}
        for r in ev.itertuples():
            by_doc.setdefault(r.doc, []).append(Event(  # store nulls (NaN, NaT) back to None
                r.doc, r.type, r.actor, None if pd.isna(r.target) else r.target, r.commodities, r.sectors,
                None if pd.isna(r.amount) else float(r.amount), None if pd.isna(r.unit) else r.unit,
                None if pd.isna(r.date) else pd.Timestamp(r.date).date(), int(r.tilt), r.evidence))
        return [Article(d.doc_id, d.path, d.text, int(d.raw_chars), d.title, d.outlet,
                        d.published if pd.notna(d.published) else None, by_doc.get(d.doc_id, []))
                for d in docs.itertuples()]


def _frames(arts: list[Article], fx: FxTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    now = dt.datetime.now()
    docs = pd.DataFrame([{"doc_id": a.doc_id, "path": a.path, "outlet": a.outlet, "published": a.published,
                          "title": a.title, "text": a.text, "raw_chars": a.raw_chars,
                          "dup_group": None, "ingested": now} for a in arts],
                        columns=RESULT_TABLES["document"].names)
    rows = []
    for a in arts:
        for n, ev in enumerate(a.events):
            usd, note = (None, None)
            if ev.amount is not None and ev.unit and ev.unit not in ("percent", "t", "USD/kg"):
                year = (ev.date or a.published).year if (ev.date or a.published) else None
                usd, note = fx.to_usd(ev.amount, ev.unit, year)
            rows.append({"event_id": f"{a.doc_id}:{n}", "doc_id": a.doc_id, "type": ev.type,
                         "actor": ev.actor, "target": ev.target,
                         "commodities": json.dumps(ev.commodities), "sectors": json.dumps(ev.sectors),
                         "amount": ev.amount, "unit": ev.unit, "amount_usd": usd, "date": ev.date,
                         "tilt": ev.tilt, "evidence": ev.evidence, "start": ev.start, "end": ev.end,
                         "fx_note": note})
    return docs, pd.DataFrame(rows, columns=RESULT_TABLES["event"].names)


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    con.register("_news_frame", frame)
    try:
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _news_frame')
    finally:
        con.unregister("_news_frame")
