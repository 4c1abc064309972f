"""Engagement board: one row per engagement with where it stands.

Per-item counts (answered, judged, unsatisfied, open questions) come from the
item matrix at query time (``service.views``), so this table holds only
engagement-level facts and rebuilds independently. The state is copied from the
events that change it, never worked out here.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Index, Integer, String, Table, Text

from ..domain.codes import State
from ..domain.engagement_rules import state_after_decision
from ..domain.text import fold
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
    Column("search_text", Text, nullable=False),  # title and both names as compared (NFKC, case-folded)
    Column("open_conditions", Text, nullable=False, default="{}"),  # JSON {condition id: due_on} not yet fulfilled
    Column("condition_due_on", String(10)),  # the earliest due date among them
    Index("ix_rm_board_bank", "bank_id", "last_activity"),
    Index("ix_rm_board_connector", "connector_id", "last_activity"),
    Index("ix_rm_board_review_due", "state", "next_review_on"),
)


# Events stored before they carried the state they move to: the state their event method set then
# (and still sets when it replays them), so the board of an old store reads as it always did.
STATE_BEFORE_EVENTS_CARRIED_IT = {
    "Submitted": State.SUBMITTED.value,
    "QuestionAsked": State.UNDER_REVIEW.value,
    "ItemJudged": State.UNDER_REVIEW.value,
    "ReviewCycleStarted": State.DRAFT.value,
    "Withdrawn": State.WITHDRAWN.value,
}


def search_text(title: str, bank_name: str, connector_name: str) -> str:
    return fold("\n".join((title, bank_name, connector_name)))


def state_carried(event: Any) -> str:
    """The state a state-changing event moved its engagement to."""
    state = getattr(event, "state", None)
    if state is not None:
        return state
    if type(event).__name__ == "Decided":
        return state_after_decision(event.outcome)
    return STATE_BEFORE_EVENTS_CARRIED_IT[type(event).__name__]


class BoardProjection(Projection):
    name = "board"
    version = 2  # 2: search_text, open conditions and their earliest due date
    tables = (board,)

    def __init__(self) -> None:
        super().__init__()
        self.rows = self.buffer(board)

    def apply(self, connection: Connection, event: Any, position: int) -> None:
        if type(event).__name__ != "Opened":
            self._set(event, last_activity=event.timestamp, version=event.originator_version)
        super().apply(connection, event, position)

    def _set(self, event: Any, **values: Any) -> None:
        row = self.rows.get(str(event.originator_id))
        if row is not None and values.get("state", row["state"]) != row["state"]:
            values["state_since"] = event.timestamp  # a state kept (a second question) keeps its time
        self.rows.update(row, **values)

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
                "search_text": search_text(event.title, event.bank["name"], event.connector["name"]),
                "open_conditions": "{}",
                "condition_due_on": None,
            }
        )

    def on_Submitted(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, state=state_carried(event))

    def on_QuestionAsked(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, state=state_carried(event))

    def on_ItemJudged(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, state=state_carried(event))

    def on_Decided(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, state=state_carried(event), outcome=event.outcome, next_review_on=event.next_review_on)
        row = self.rows.get(str(event.originator_id))
        self._set_conditions(event, {**json.loads(row["open_conditions"]), **{c["id"]: c["due_on"] for c in event.conditions}})

    def on_MonitoringPlanAgreed(self, _connection: Connection, event: Any, _position: int) -> None:
        if event.next_review_on is not None:  # agreed after the decision: the date follows the plan
            self._set(event, next_review_on=event.next_review_on)

    def on_ConditionFulfilled(self, _connection: Connection, event: Any, _position: int) -> None:
        row = self.rows.get(str(event.originator_id))
        self._set_conditions(event, {k: v for k, v in json.loads(row["open_conditions"]).items() if k != event.condition_id})

    def _set_conditions(self, event: Any, open_conditions: dict[str, str]) -> None:
        self._set(
            event,
            open_conditions=json.dumps(open_conditions, sort_keys=True),
            condition_due_on=min(open_conditions.values(), default=None),
        )

    def on_ReviewCycleStarted(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, state=state_carried(event), cycle=event.cycle, cycle_reason=event.reason, outcome=None)

    def on_EditionAdopted(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, edition=event.edition)

    def on_Withdrawn(self, _connection: Connection, event: Any, _position: int) -> None:
        self._set(event, state=state_carried(event), next_review_on=None)
        self._set_conditions(event, {})
