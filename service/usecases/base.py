"""What the use cases of every feature share: the store, and the read side brought up to
date after each save when the deployment asks for it (read-your-writes)."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from .ports import ReadYourWrites
from .store import LostRace, ReviewStore

ATTEMPTS = 20  # a save that lost the race runs again; each attempt loses only to a save that won
Method = TypeVar("Method", bound=Callable[..., Any])


def retried(method: Method) -> Method:
    """Run a write use case again when its save lost a race at the database (two saves of the
    same version at once): on the winner's state its guards and the item-level conflict rule
    decide again, so writes to different items both apply and a real conflict still answers 409."""

    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        for _ in range(ATTEMPTS - 1):
            try:
                return method(*args, **kwargs)
            except LostRace:
                continue
        return method(*args, **kwargs)

    return run  # type: ignore[return-value]


class UseCases:
    def __init__(self, store: ReviewStore, *, read_your_writes: ReadYourWrites | None = None) -> None:
        self.store = store
        self._read_your_writes = read_your_writes

    def _save(self, aggregate: Any, *others: Any) -> Any:
        """Save ``aggregate`` (and ``others`` with it, in one transaction); returns it."""
        self.store.keep(aggregate, *others)
        if self._read_your_writes is not None:
            self._read_your_writes()
        return aggregate
