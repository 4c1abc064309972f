"""Item matrix: per engagement × item its latest answer status, verdict and open questions,
and per engagement the counts the board and the inbox show (kept with the items, so a
board page reads one row per engagement instead of aggregating its items)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, Column, Connection, Integer, String, Table

from ..domain.answers import answering_side, leading_side
from ..storage import Base
from .runner import Projection

item_matrix = Table(
    "rm_item_matrix",
    Base.metadata,
    Column("engagement_id", String(36), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("category", String(100), nullable=False),
    Column("party", String(20), nullable=False),
    Column("custom", Boolean, nullable=False),
    Column("dropped", Boolean, nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("in_cycle", Boolean, nullable=False),
    Column("answer_status", String(20)),
    Column("answer_cycle", Integer),
    Column("verdict", String(20)),
    Column("judged_cycle", Integer),
    Column("open_questions", Integer, nullable=False),
)


item_summary = Table(
    "rm_item_summary",
    Base.metadata,
    Column("engagement_id", String(36), primary_key=True),
    Column("items_total", Integer, nullable=False),  # active (not dropped) items
    Column("items_in_cycle", Integer, nullable=False),  # active items the current cycle reviews
    Column("answered", Integer, nullable=False),  # of those, answered in the current cycle
    Column("judged", Integer, nullable=False),
    Column("unsatisfied", Integer, nullable=False),
    Column("open_questions", Integer, nullable=False),
)


def summarise(engagement_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    active = [item for item in items if not item["dropped"]]
    in_cycle = [item for item in active if item["in_cycle"]]
    return {
        "engagement_id": engagement_id,
        "items_total": len(active),
        "items_in_cycle": len(in_cycle),
        "answered": sum(1 for item in in_cycle if item["answer_cycle"] is not None and item["answer_cycle"] == item["cycle"]),
        "judged": sum(1 for item in active if item["verdict"] is not None),
        "unsatisfied": sum(1 for item in active if item["verdict"] == "unsatisfied"),
        "open_questions": sum(item["open_questions"] for item in items),
    }


class ItemMatrixProjection(Projection):
    name = "item_matrix"
    version = 4  # 2: rm_item_summary; 3: items_in_cycle, answers counted within the cycle; 4: two voices
    tables = (item_matrix, item_summary)

    def __init__(self) -> None:
        super().__init__()
        self.rows = self.buffer(item_matrix)
        self.summaries = self.buffer(item_summary)
        self._engagements: set[str] = set()

    def start_page(self, connection: Connection, events: Sequence[Any]) -> None:
        super().start_page(connection, events)
        self._engagements = {str(event.originator_id) for event in events}

    def finish_page(self, connection: Connection) -> None:
        """Recount the page's engagements from their items (all of them are in the page's rows)."""
        for engagement_id in self._engagements:
            counts = summarise(engagement_id, self.rows.rows(engagement_id))
            if self.summaries.get(engagement_id) != counts:
                self.summaries.put(counts)
        super().finish_page(connection)

    def _item(self, event: Any, number: int) -> dict[str, Any] | None:
        return self.rows.get(str(event.originator_id), number)

    def _add(self, event: Any, entry: dict[str, Any], *, custom: bool, dropped: bool, cycle: int, in_cycle: bool) -> None:
        self.rows.put(
            {
                "engagement_id": str(event.originator_id),
                "number": entry["number"],
                "category": entry["category"],
                "party": entry["party"],
                "custom": custom,
                "dropped": dropped,
                "cycle": cycle,
                "in_cycle": in_cycle,
                "open_questions": 0,
            }
        )

    def _drop(self, row: dict[str, Any] | None) -> None:
        self.rows.update(row, dropped=True, in_cycle=False, verdict=None, judged_cycle=None)

    def on_Opened(self, _connection: Connection, event: Any, _position: int) -> None:
        dropped = {entry["number"] for entry in event.dropped}
        for item in event.items:
            gone = item["number"] in dropped
            self._add(event, item, custom=False, dropped=gone, cycle=1, in_cycle=not gone)
        for entry in event.custom:
            gone = entry["number"] in dropped
            self._add(event, entry, custom=True, dropped=gone, cycle=1, in_cycle=not gone)

    def on_ItemDropped(self, _connection: Connection, event: Any, _position: int) -> None:
        self._drop(self._item(event, event.number))

    def on_ItemRestored(self, _connection: Connection, event: Any, _position: int) -> None:
        self.rows.update(self._item(event, event.number), dropped=False, in_cycle=True)

    def on_CustomItemAdded(self, _connection: Connection, event: Any, _position: int) -> None:
        self._add(event, {"number": event.number, "category": event.category, "party": event.party},
                  custom=True, dropped=False, cycle=self._cycle(event), in_cycle=True)

    def _cycle(self, event: Any) -> int:
        """The engagement's current cycle, as its rows know it (items are added in any cycle)."""
        return max((row["cycle"] for row in self.rows.rows(str(event.originator_id))), default=1)

    def on_AnswerSaved(self, _connection: Connection, event: Any, _position: int) -> None:
        row = self._item(event, event.number)
        if row is None:
            return
        values: dict[str, Any] = {}
        if answering_side(event.actor, getattr(event, "side", None)) is leading_side(row["party"]):
            values.update(answer_status=event.status, answer_cycle=row["cycle"])  # the bank's part of a 共通 item is not its answer
        if event.judgement_cleared:
            values.update(verdict=None, judged_cycle=None)
        if values:
            self.rows.update(row, **values)

    def on_ItemJudged(self, _connection: Connection, event: Any, _position: int) -> None:
        row = self._item(event, event.number)
        if row is not None:
            self.rows.update(row, verdict=event.verdict, judged_cycle=row["cycle"])

    def on_QuestionAsked(self, _connection: Connection, event: Any, _position: int) -> None:
        self._count_question(event, +1)

    def on_QuestionClosed(self, _connection: Connection, event: Any, _position: int) -> None:
        self._count_question(event, -1)

    def _count_question(self, event: Any, delta: int) -> None:
        row = self._item(event, event.number)
        if row is not None:
            self.rows.update(row, open_questions=row["open_questions"] + delta)

    def on_EditionAdopted(self, _connection: Connection, event: Any, _position: int) -> None:
        for entry in event.updated:
            self.rows.update(self._item(event, entry["number"]), category=entry["category"], party=entry["party"])
        cycle = self._cycle(event)
        for entry in event.added:
            self._add(event, entry, custom=False, dropped=False, cycle=cycle, in_cycle=False)
        for number in event.removed:
            self._drop(self._item(event, number))

    def on_ReviewCycleStarted(self, _connection: Connection, event: Any, _position: int) -> None:
        in_cycle = set(event.items)
        for row in self.rows.rows(str(event.originator_id)):
            if row["number"] in in_cycle:
                self.rows.update(row, cycle=event.cycle, in_cycle=True, verdict=None, judged_cycle=None)
            else:
                self.rows.update(row, cycle=event.cycle, in_cycle=False)
