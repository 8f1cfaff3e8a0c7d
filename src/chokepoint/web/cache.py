"""Panels computed from reference tables only, kept for the life of the server.

Safe because those tables cannot change while the server runs: DuckDB lets no other
process open a file this process holds read-write (and a read-only holder excludes every
writer), and the server itself only ever writes the run tables.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


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
