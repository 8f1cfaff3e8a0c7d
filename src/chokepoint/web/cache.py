"""Two caches: panels of reference tables (kept for the life of the server) and serialised
API answers (kept until the next write).

Panels of reference tables are safe to keep because those tables cannot change while the
server runs: DuckDB lets no other process open a file this process holds read-write (and a
read-only holder excludes every writer), and the server itself only ever writes the run
tables — after which `ResponseCache.invalidate` drops every answer.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import orjson


class ReferenceCache:
    """A small least-recently-used map from a panel call to its payload."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[Hashable, dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], dict]) -> dict:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # outside the lock: two first requests may both compute, harmlessly
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


@dataclass(frozen=True)
class Answer:
    """A serialised JSON answer and its entity tag."""

    body: bytes
    etag: str


def to_json(payload) -> bytes:
    """JSON bytes of a panel payload (numpy scalars and arrays, dates; NaN becomes null)."""
    return orjson.dumps(payload, default=_fallback, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def _fallback(value):
    from fastapi.encoders import jsonable_encoder  # the rare type orjson does not know (Decimal, ...)

    return jsonable_encoder(value)


class ResponseCache:
    """Serialised answers of the read-only API, valid until the server's writer commits.

    Every entry is tagged with the write generation current when its computation began; a
    commit bumps the generation (`invalidate`), so an answer computed from an older state is
    never served after a write. `enabled=False` computes every answer afresh (the benchmark's
    baseline) but still serialises with orjson and tags it.
    """

    def __init__(self, size: int = 512, enabled: bool = True):
        self.size, self.enabled = size, enabled
        self.generation = 0
        self._items: OrderedDict[Hashable, tuple[int, Answer]] = OrderedDict()
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Called by the writer after each commit."""
        with self._lock:
            self.generation += 1
            self._items.clear()

    def peek(self, key: Hashable) -> Answer | None:
        """The current answer for `key`, if one is cached."""
        with self._lock:
            hit = self._items.get(key) if self.enabled else None
            return hit[1] if hit is not None and hit[0] == self.generation else None

    def get(self, key: Hashable, compute: Callable[[], object]) -> Answer:
        with self._lock:
            generation = self.generation
            hit = self._items.get(key) if self.enabled else None
            if hit is not None and hit[0] == generation:
                self._items.move_to_end(key)
                return hit[1]
        body = to_json(compute())
        answer = Answer(body, '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"')
        if self.enabled:
            with self._lock:
                if generation == self.generation:
                    self._items[key] = (generation, answer)
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
        return answer
