"""Engagement board: one row per engagement with where it stands.

Per-item counts (answered, judged, unsatisfied, open questions) come from the
item matrix at query time (``service.views``), so this table holds only
engagement-level facts and rebuilds independently.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, DateTime, Index, Integer, String, Table, update

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

    def apply(self, connection: Connection, event: Any, position: int) -> None:
        if type(event).__name__ != "Opened":
            connection.execute(
                update(board)
                .where(board.c.engagement_id == str(event.originator_id))
                .values(last_activity=event.timestamp, version=event.originator_version)
            )
        super().apply(connection, event, position)

    def _set(self, connection: Connection, event: Any, **values: Any) -> None:
        if "state" in values:
            values["state_since"] = event.timestamp
        connection.execute(update(board).where(board.c.engagement_id == str(event.originator_id)).values(**values))

    def on_Opened(self, connection: Connection, event: Any, _position: int) -> None:
        connection.execute(
            board.insert().values(
                engagement_id=str(event.originator_id),
                title=event.title,
                bank_id=event.bank["id"],
                bank_name=event.bank["name"],
                connector_id=event.connector["id"],
                connector_name=event.connector["name"],
                edition=event.edition,
                state="draft",
                state_since=event.timestamp,
                cycle=1,
                cycle_reason="initial",
                opened_at=event.timestamp,
                last_activity=event.timestamp,
                version=event.originator_version,
            )
        )

    def on_Submitted(self, connection: Connection, event: Any, _position: int) -> None:
        self._set(connection, event, state="submitted")

    def on_QuestionAsked(self, connection: Connection, event: Any, _position: int) -> None:
        self._under_review(connection, event)

    def on_ItemJudged(self, connection: Connection, event: Any, _position: int) -> None:
        self._under_review(connection, event)

    def _under_review(self, connection: Connection, event: Any) -> None:
        connection.execute(
            update(board)
            .where(board.c.engagement_id == str(event.originator_id), board.c.state == "submitted")
            .values(state="under_review", state_since=event.timestamp)
        )

    def on_Decided(self, connection: Connection, event: Any, _position: int) -> None:
        state = "decided" if event.outcome == "rejected" else "monitoring"
        self._set(connection, event, state=state, outcome=event.outcome, next_review_on=event.next_review_on)

    def on_ReviewCycleStarted(self, connection: Connection, event: Any, _position: int) -> None:
        self._set(connection, event, state="draft", cycle=event.cycle, cycle_reason=event.reason, outcome=None)

    def on_EditionAdopted(self, connection: Connection, event: Any, _position: int) -> None:
        self._set(connection, event, edition=event.edition)

    def on_Withdrawn(self, connection: Connection, event: Any, _position: int) -> None:
        self._set(connection, event, state="withdrawn", next_review_on=None)
