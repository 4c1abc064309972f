"""Engagement board: one row per engagement with where it stands.

Per-item counts (answered, judged, unsatisfied, open questions) come from the
item matrix at query time (``service.views``), so this table holds only
engagement-level facts and rebuilds independently.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, DateTime, Index, Integer, String, Table

from ..storage import Base
from .runner import Projection

board = Table(
    "rm_board",
    Base.metadata,
    Column("engagement_id", String(36), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("bank_id", String(36), nullable=False),
    Column("bank_name", String(200), nullable=False),
    Column("connector_id", String(36), nullable=False),
    Column("connector_name", String(200), nullable=False),
    Column("edition", String(40), nullable=False),
    Column("state", String(20), nullable=False),
    Column("state_since", DateTime(timezone=True), nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("cycle_reason", String(20), nullable=False),
    Column("outcome", String(20)),
    Column("next_review_on", String(10)),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("last_activity", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_rm_board_bank", "bank_id", "last_activity"),
    Index("ix_rm_board_connector", "connector_id", "last_activity"),
    Index("ix_rm_board_review_due", "state", "next_review_on"),
)


class BoardProjection(Projection):
    name = "board"
    tables = (board,)

    def __init__(self) -> None:
        super().__init__()
        self.rows = self.buffer(board)

    def apply(self, connection: Connection, event: Any, position: int) -> None:
        if type(event).__name__ != "Opened":
            self._set(event, last_activity=event.timestamp, version=event.originator_version)
        super().apply(connection, event, position)

    def _set(self, event: Any, **values: Any) -> None:
        if "state" in values:
            values["state_since"] = event.timestamp
        self.rows.update(self.rows.get(str(event.originator_id)), **values)

    def on_Opened(self, _connection: Connection, event: Any, _position: int) -> None:
        self.rows.put(
            {
                "engagement_id": str(event.originator_id),
                "title": event.title,
                "bank_id": event.bank["id"],
                "bank_name": event.bank["name"],
                "connector_id": event.connector["id"],
                "connector_name": event.connector["name"],
                "edition": event.edition,
                "state": "draft",
                "state_since": event.timestamp,
                "cycle": 1,
                "cycle_reason": "initial",
                "opened_at": event.timestamp,
                "last_activity": event.timestamp,
                "version": event.originator_version,
            }
        )

    def on_Submitted(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, state="submitted")

    def on_QuestionAsked(self, _connection: Connection, event: Any, _position: int) -> None:
        self._under_review(event)

    def on_ItemJudged(self, _connection: Connection, event: Any, _position: int) -> None:
        self._under_review(event)

    def _under_review(self, event: Any) -> None:
        row = self.rows.get(str(event.originator_id))
        if row is not None and row["state"] == "submitted":
            self._set(event, state="under_review")

    def on_Decided(self, _connection: Connection, event: Any, _position: int) -> None:
        state = "decided" if event.outcome == "rejected" else "monitoring"
        self._set(event, state=state, outcome=event.outcome, next_review_on=event.next_review_on)

    def on_ReviewCycleStarted(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, state="draft", cycle=event.cycle, cycle_reason=event.reason, outcome=None)

    def on_EditionAdopted(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, edition=event.edition)

    def on_Withdrawn(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, state="withdrawn", next_review_on=None)
