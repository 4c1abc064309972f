"""What the use cases need from the rest of the service, named by what they ask of it.

The read side answers these from projections; a use case that asks must not depend on the
answer being complete, only on it never being wrong (each caller checks the store after)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from ..domain.actors import Actor

Clock = Callable[[], datetime]
ReadYourWrites = Callable[[], None]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class TimelineIndex(Protocol):
    def versions_at(self, engagement_id: Any, instant: datetime) -> tuple[int | None, int | None]:
        """The engagement's version at ``instant`` and the latest version the index has seen."""


class LibraryIndex(Protocol):
    def shared_with(self, bank_org_id: str) -> list[str]:
        """The connectors whose answer library is shared with the bank."""

    def bank_reviews(self, bank_org_id: str, connector_org_id: str) -> bool:
        """Whether the bank has an engagement with the connector."""


class ExportLog(Protocol):
    def record(self, kind: str, outcome: str, *, actor: Actor | None = None, **detail: Any) -> None:
        """Write one line of the security log (exports and downloads)."""
