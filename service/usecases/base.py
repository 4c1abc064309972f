"""What the use cases of every feature share: the store, and the read side brought up to
date after each save when the deployment asks for it (read-your-writes)."""

from __future__ import annotations

from typing import Any

from .ports import ReadYourWrites
from .store import ReviewStore


class UseCases:
    def __init__(self, store: ReviewStore, *, read_your_writes: ReadYourWrites | None = None) -> None:
        self.store = store
        self._read_your_writes = read_your_writes

    def _save(self, aggregate: Any) -> Any:
        self.store.keep(aggregate)
        if self._read_your_writes is not None:
            self._read_your_writes()
        return aggregate
