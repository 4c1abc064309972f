"""Change reports (変更届) and where each went: one row a report, one a reopened engagement
(its bank and the cycle it opened). Where each review stands is the board's."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Index, Integer, String, Table, Text

from ..domain.change_report import ChangeReport
from ..storage import Base
from .page_rows import insert_rows
from .runner import Projection

change_reports = Table(
    "rm_change_reports",
    Base.metadata,
    Column("report_id", String(36), primary_key=True),
    Column("connector_id", String(36), nullable=False, index=True),
    Column("connector_name", String(200), nullable=False),
    Column("items", Text, nullable=False),  # JSON list of item numbers
    Column("summary", Text, nullable=False),
    Column("effective_on", String(10), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("reported_by", String(200), nullable=False),
    Column("not_reopened", Integer, nullable=False, default=0),  # engagements it reached in another state
)

change_report_reach = Table(
    "rm_change_report_reach",
    Base.metadata,
    Column("report_id", String(36), primary_key=True),
    Column("engagement_id", String(36), primary_key=True),
    Column("bank_id", String(36), nullable=False),
    Column("bank_name", String(200), nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("items", Text, nullable=False),  # JSON: the reported items this engagement reviews
    Index("ix_rm_change_report_reach_bank", "bank_id", "report_id"),
)


class ChangeReportProjection(Projection):
    name = "change_reports"
    tables = (change_reports, change_report_reach)
    event_types = (ChangeReport.Event,)

    def on_Reported(self, connection: Connection, event: Any, _position: int) -> None:
        connection.execute(
            change_reports.insert().values(
                report_id=str(event.originator_id),
                connector_id=event.connector["id"],
                connector_name=event.connector["name"],
                items=json.dumps(event.items),
                summary=event.summary,
                effective_on=event.effective_on,
                reported_at=event.timestamp,
                reported_by=f"{event.actor['name']}（{event.actor['org_name']}）",
                not_reopened=0,
            )
        )

    def on_Delivered(self, connection: Connection, event: Any, _position: int) -> None:
        report_id = str(event.originator_id)
        rows = [
            {
                "report_id": report_id,
                "engagement_id": entry["id"],
                "bank_id": entry["bank"]["id"],
                "bank_name": entry["bank"]["name"],
                "cycle": entry["cycle"],
                "items": json.dumps(entry["items"]),
            }
            for entry in event.reopened
        ]
        insert_rows(connection, change_report_reach, rows)
        connection.execute(
            change_reports.update().where(change_reports.c.report_id == report_id).values(not_reopened=len(event.not_reopened))
        )
