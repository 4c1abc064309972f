"""Advisories and their acknowledgement board: which engagements noticed each
advisory, which connectors acknowledged it and when."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Index, String, Table, Text, update

from ..domain.advisory import Advisory
from ..domain.engagement import Engagement
from ..storage import Base
from .parties import RemembersParties, parties_table
from .runner import Projection

advisories = Table(
    "rm_advisories",
    Base.metadata,
    Column("advisory_id", String(36), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("items", Text, nullable=False),  # JSON list of item numbers
    Column("respond_by", String(10), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_by", String(200), nullable=False),
)

notices = Table(
    "rm_advisory_notices",
    Base.metadata,
    Column("advisory_id", String(36), primary_key=True),
    Column("engagement_id", String(36), primary_key=True),
    Column("bank_id", String(36), nullable=False),
    Column("connector_id", String(36), nullable=False),
    Column("connector_name", String(200), nullable=False),
    Column("title", String(200), nullable=False),
    Column("noticed_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("acknowledged_by", String(200)),
    Column("text", Text),
    Index("ix_rm_advisory_notices_bank", "bank_id", "advisory_id"),
    Index("ix_rm_advisory_notices_connector", "connector_id", "advisory_id"),
)

advisory_parties = parties_table("rm_advisory_parties")


class AdvisoryProjection(RemembersParties, Projection):
    name = "advisories"
    tables = (advisories, notices, advisory_parties)
    event_types = (Advisory.Event, Engagement.Event)
    parties = advisory_parties

    def on_Published(self, connection: Connection, event: Any, _position: int) -> None:
        connection.execute(
            advisories.insert().values(
                advisory_id=str(event.originator_id),
                title=event.title,
                body=event.body,
                items=json.dumps(event.items),
                respond_by=event.respond_by,
                severity=event.severity,
                published_at=event.timestamp,
                published_by=f"{event.actor['name']}（{event.actor['org_name']}）",
            )
        )

    def on_AdvisoryNoticed(self, connection: Connection, event: Any, _position: int) -> None:
        party = self.parties_of(event)
        connection.execute(
            notices.insert().values(
                advisory_id=event.advisory_id,
                engagement_id=str(event.originator_id),
                bank_id=party["bank_id"],
                connector_id=party["connector_id"],
                connector_name=party["connector_name"],
                title=party["title"],
                noticed_at=event.timestamp,
            )
        )

    def on_AdvisoryAcknowledged(self, connection: Connection, event: Any, _position: int) -> None:
        connection.execute(
            update(notices)
            .where(notices.c.advisory_id == event.advisory_id, notices.c.engagement_id == str(event.originator_id))
            .values(acknowledged_at=event.timestamp, acknowledged_by=event.actor["name"], text=event.text)
        )
