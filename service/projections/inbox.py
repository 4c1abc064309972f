"""Inbox: conversations and advisories waiting for one side of an engagement.

Rows here are driven by events (a question waits for the side that did not post
last; an advisory waits for the connector until acknowledged). Work that follows
from an engagement's state (answers due, items to judge, decisions and reviews
due) is derived from the board at query time in ``service.views``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, DateTime, Index, Integer, String, Table

from ..domain.actors import Side
from ..storage import Base
from .parties import RemembersParties, parties_table
from .runner import Projection

inbox = Table(
    "rm_inbox",
    Base.metadata,
    Column("engagement_id", String(36), primary_key=True),
    Column("kind", String(30), primary_key=True),  # question | advisory
    Column("ref", String(36), primary_key=True),  # question id | advisory id
    Column("org_id", String(36), nullable=False),  # the organisation it waits for
    Column("side", String(10), nullable=False),  # bank | connector
    Column("title", String(200), nullable=False),
    Column("item", Integer),
    Column("text", String(400), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    Index("ix_rm_inbox_org", "org_id", "since"),
)

parties = parties_table("rm_inbox_parties")


def excerpt(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InboxProjection(RemembersParties, Projection):
    name = "inbox"
    tables = (inbox, parties)
    parties = parties

    def __init__(self) -> None:
        super().__init__()
        self.rows = self.buffer(inbox)

    def _wait_for(self, event: Any, *, kind: str, ref: str, side: Side, item: int | None, text: str) -> None:
        engagement = self.parties_of(event)
        self.rows.put(
            {
                "engagement_id": str(event.originator_id),
                "kind": kind,
                "ref": ref,
                "org_id": engagement["bank_id"] if side is Side.BANK else engagement["connector_id"],
                "side": side.value,
                "title": engagement["title"],
                "item": item,
                "text": excerpt(text),
                "since": event.timestamp,
            }
        )

    def _done(self, event: Any, *, kind: str, ref: str) -> None:
        row = self.rows.get(str(event.originator_id), kind, ref)
        if row is not None:
            self.rows.remove(row)

    def on_QuestionAsked(self, _connection: Connection, event: Any, _position: int) -> None:
        self._wait_for(event, kind="question", ref=event.question_id, side=Side.CONNECTOR, item=event.number, text=event.text)

    def on_ReplyPosted(self, _connection: Connection, event: Any, _position: int) -> None:
        other = Side.of(event.actor["role"]).other  # a reply waits for the side that did not post it
        self._wait_for(event, kind="question", ref=event.question_id, side=other, item=event.number, text=event.text)

    def on_QuestionClosed(self, _connection: Connection, event: Any, _position: int) -> None:
        self._done(event, kind="question", ref=event.question_id)

    def on_AdvisoryNoticed(self, _connection: Connection, event: Any, _position: int) -> None:
        self._wait_for(event, kind="advisory", ref=event.advisory_id, side=Side.CONNECTOR, item=None, text=event.title)

    def on_AdvisoryAcknowledged(self, _connection: Connection, event: Any, _position: int) -> None:
        self._done(event, kind="advisory", ref=event.advisory_id)

    def on_Withdrawn(self, _connection: Connection, event: Any, _position: int) -> None:
        for row in self.rows.rows(str(event.originator_id)):
            self.rows.remove(row)
