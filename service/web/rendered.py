"""Rendered page bodies kept per process, keyed by everything they are drawn from.

The review page of an engagement is 130–280 KB of HTML drawn from the aggregate
at one version. Its body is rendered once per (engagement, version, viewer, …)
and kept compressed in a byte-bounded LRU; any event moves the version, so a
stale body is never served, only evicted. Forms in a body carry a per-process
placeholder instead of the session's CSRF token, filled in on every response,
so a body never holds anything of one session.
"""

from __future__ import annotations

import secrets
import threading
import zlib
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

CSRF_SLOT = f"csrf-{secrets.token_hex(16)}"  # unguessable, so no user text can contain it
COMPRESSION_LEVEL = 6  # more pages fit the cache's budget for a little more work per render (bench/README.md)


def with_csrf(html: str, csrf_token: str) -> str:
    return html.replace(CSRF_SLOT, csrf_token)


@dataclass(frozen=True)
class KeptBody:
    """A kept body with what the caller must check again before serving it (``stamp``)
    and what it needs around it (``title``)."""

    stamp: Hashable
    title: str
    html: str


class RenderedBodies:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Hashable, str, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> KeptBody | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        stamp, title, stored = entry
        return KeptBody(stamp, title, zlib.decompress(stored).decode("utf-8"))

    def put(self, key: Hashable, stamp: Hashable, title: str, html: str) -> None:
        """Keep a freshly rendered body (nothing when keeping is off or it exceeds the budget)."""
        with self._lock:
            self.misses += 1
        if self.max_bytes <= 0:
            return
        stored = zlib.compress(html.encode("utf-8"), COMPRESSION_LEVEL)
        if len(stored) > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            self._bytes -= len(previous[2]) if previous is not None else 0
            self._entries[key] = (stamp, title, stored)
            self._bytes += len(stored)
            while self._bytes > self.max_bytes:
                _, (_, _, evicted) = self._entries.popitem(last=False)
                self._bytes -= len(evicted)

    @property
    def size_bytes(self) -> int:
        return self._bytes
