"""Who an engagement is between, remembered by projections that need it for events
that do not carry it (each projection keeps its own copy so it rebuilds alone)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, MetaData, String, Table

from ..storage import Base


def parties_table(name: str, metadata: MetaData = Base.metadata) -> Table:
    return Table(
        name,
        metadata,
        Column("engagement_id", String(36), primary_key=True),
        Column("bank_id", String(36), nullable=False),
        Column("bank_name", String(200), nullable=False),
        Column("connector_id", String(36), nullable=False),
        Column("connector_name", String(200), nullable=False),
        Column("title", String(200), nullable=False),
    )


class RemembersParties:
    """Mixin for projections: record the parties on ``Opened``, look them up later
    (rows are buffered per page, see ``PageRows``)."""

    parties: Table

    def __init__(self) -> None:
        super().__init__()
        self.party_rows = self.buffer(self.parties)  # type: ignore[attr-defined]

    def on_Opened(self, _connection: Connection, event: Any, _position: int) -> None:
        self.party_rows.put(
            {
                "engagement_id": str(event.originator_id),
                "bank_id": event.bank["id"],
                "bank_name": event.bank["name"],
                "connector_id": event.connector["id"],
                "connector_name": event.connector["name"],
                "title": event.title,
            }
        )

    def parties_of(self, event: Any) -> dict[str, Any]:
        party = self.party_rows.get(str(event.originator_id))
        if party is None:
            raise LookupError(f"{self.parties.name}: no parties recorded for engagement {event.originator_id}")
        return party
