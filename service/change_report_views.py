"""Change reports as each side may read them: the connector its own reports and where each
stands at every bank it reached; a bank only the reports that reached its own engagements,
never naming another bank."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, select

from .domain.actors import Actor, Side
from .domain.codes import State
from .projections.board import board
from .projections.change_reports import change_report_reach, change_reports
from .storage import as_utc


class ChangeReportViews:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def engagements_of(self, connector_org_id: str) -> list[str]:
        """The connector's engagements a report may reach (every state but withdrawn)."""
        query = select(board.c.engagement_id).where(
            board.c.connector_id == connector_org_id, board.c.state != State.WITHDRAWN.value
        )
        with self.engine.connect() as connection:
            return list(connection.scalars(query.order_by(board.c.opened_at)))

    def listing(self, actor: Actor) -> list[dict[str, Any]]:
        """Newest first; each with the engagements it reopened that the actor may see, and
        where each review stands now (still in the report's cycle, or moved on)."""
        side = actor.side
        if side is None:
            return []
        reports = select(change_reports).order_by(change_reports.c.reported_at.desc())
        reach = (
            select(change_report_reach, board.c.title, board.c.state, board.c.cycle.label("current_cycle"))
            .join(board, board.c.engagement_id == change_report_reach.c.engagement_id)
        )
        if side is Side.CONNECTOR:
            reports = reports.where(change_reports.c.connector_id == actor.org_id)
            reach = reach.where(board.c.connector_id == actor.org_id)
        else:
            reached = select(change_report_reach.c.report_id).where(change_report_reach.c.bank_id == actor.org_id)
            reports = reports.where(change_reports.c.report_id.in_(reached))
            reach = reach.where(change_report_reach.c.bank_id == actor.org_id)
        with self.engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(reports)]
            by_report: dict[str, list[dict[str, Any]]] = {}
            for row in connection.execute(reach.order_by(change_report_reach.c.bank_name)):
                entry = dict(row._mapping)
                entry["items"] = json.loads(entry["items"])
                entry["standing"] = entry["state"] if entry["current_cycle"] == entry["cycle"] else "moved_on"
                by_report.setdefault(entry["report_id"], []).append(entry)
        for row in rows:
            row["items"] = json.loads(row["items"])
            row["reported_at"] = as_utc(row["reported_at"])  # SQLite hands the time back without its zone
            row["engagements"] = by_report.get(row["report_id"], [])
            if side is Side.BANK:
                row.pop("not_reopened")  # how many other engagements it reached is the connector's business
        return rows
