"""Item matrix: per engagement × item its latest answer status, verdict and open questions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Connection, Integer, String, Table, and_, func, select, update

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


class ItemMatrixProjection(Projection):
    name = "item_matrix"
    tables = (item_matrix,)

    @staticmethod
    def _row(event: Any, number: int):
        return and_(item_matrix.c.engagement_id == str(event.originator_id), item_matrix.c.number == number)

    def on_Opened(self, connection: Connection, event: Any, _position: int) -> None:
        dropped = {entry["number"] for entry in event.dropped}
        rows = [
            {"number": item["number"], "category": item["category"], "party": item["party"], "custom": False}
            for item in event.items
        ] + [
            {"number": entry["number"], "category": entry["category"], "party": entry["party"], "custom": True}
            for entry in event.custom
        ]
        connection.execute(
            item_matrix.insert(),
            [
                {
                    **row,
                    "engagement_id": str(event.originator_id),
                    "dropped": row["number"] in dropped,
                    "cycle": 1,
                    "in_cycle": row["number"] not in dropped,
                    "open_questions": 0,
                }
                for row in rows
            ],
        )

    def on_ItemDropped(self, connection: Connection, event: Any, _position: int) -> None:
        connection.execute(
            update(item_matrix)
            .where(self._row(event, event.number))
            .values(dropped=True, in_cycle=False, verdict=None, judged_cycle=None)
        )

    def on_CustomItemAdded(self, connection: Connection, event: Any, _position: int) -> None:
        connection.execute(
            item_matrix.insert().values(
                engagement_id=str(event.originator_id),
                number=event.number,
                category=event.category,
                party=event.party,
                custom=True,
                dropped=False,
                cycle=1,
                in_cycle=True,
                open_questions=0,
            )
        )

    def on_AnswerSaved(self, connection: Connection, event: Any, _position: int) -> None:
        values: dict[str, Any] = {"answer_status": event.status, "answer_cycle": item_matrix.c.cycle}
        if event.judgement_cleared:
            values.update(verdict=None, judged_cycle=None)
        connection.execute(update(item_matrix).where(self._row(event, event.number)).values(**values))

    def on_ItemJudged(self, connection: Connection, event: Any, _position: int) -> None:
        connection.execute(
            update(item_matrix)
            .where(self._row(event, event.number))
            .values(verdict=event.verdict, judged_cycle=item_matrix.c.cycle)
        )

    def on_QuestionAsked(self, connection: Connection, event: Any, _position: int) -> None:
        self._count_question(connection, event, +1)

    def on_QuestionClosed(self, connection: Connection, event: Any, _position: int) -> None:
        self._count_question(connection, event, -1)

    def _count_question(self, connection: Connection, event: Any, delta: int) -> None:
        connection.execute(
            update(item_matrix)
            .where(self._row(event, event.number))
            .values(open_questions=item_matrix.c.open_questions + delta)
        )

    def on_EditionAdopted(self, connection: Connection, event: Any, _position: int) -> None:
        for entry in event.updated:
            connection.execute(
                update(item_matrix).where(self._row(event, entry["number"])).values(category=entry["category"], party=entry["party"])
            )
        if event.added:
            cycle = connection.scalar(
                select(func.max(item_matrix.c.cycle)).where(item_matrix.c.engagement_id == str(event.originator_id))
            )
            connection.execute(
                item_matrix.insert(),
                [
                    {
                        "engagement_id": str(event.originator_id),
                        "number": entry["number"],
                        "category": entry["category"],
                        "party": entry["party"],
                        "custom": False,
                        "dropped": False,
                        "cycle": cycle,
                        "in_cycle": False,
                        "open_questions": 0,
                    }
                    for entry in event.added
                ],
            )
        for number in event.removed:
            connection.execute(
                update(item_matrix)
                .where(self._row(event, number))
                .values(dropped=True, in_cycle=False, verdict=None, judged_cycle=None)
            )

    def on_ReviewCycleStarted(self, connection: Connection, event: Any, _position: int) -> None:
        engagement = item_matrix.c.engagement_id == str(event.originator_id)
        connection.execute(update(item_matrix).where(engagement).values(cycle=event.cycle, in_cycle=False))
        connection.execute(
            update(item_matrix)
            .where(engagement, item_matrix.c.number.in_(event.items))
            .values(in_cycle=True, verdict=None, judged_cycle=None)
        )
