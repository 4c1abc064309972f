"""Change reports (変更届): one report from the connector reaches every bank concerned."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify

from ..domain.codes import Role
from .operations import ENGAGEMENT_READERS, body, container, operation, responses
from .schemas.change_reports import ChangeReportCreated, ChangeReportIn, ChangeReportList

bp = Blueprint("change_reports", __name__)


@bp.post("/change-reports")
@operation(Role.CONNECTOR, json=ChangeReportIn, resp=responses(HTTP_201=ChangeReportCreated), tags=["monitoring"])
def report_change():
    """Report a change once: every engagement in monitoring that reviews those items gets a
    ``change_reported`` cycle for exactly them; the others are listed as not reopened."""
    report = container().change_reports.report_change(g.actor, **body().model_dump())
    engagements = [{key: entry[key] for key in ("id", "bank", "cycle", "items")} for entry in report.reopened]
    return jsonify({"id": str(report.id), "engagements": engagements, "not_reopened": report.not_reopened}), 201


@bp.get("/change-reports")
@operation(*ENGAGEMENT_READERS, resp=responses(HTTP_200=ChangeReportList), tags=["monitoring"])
def list_change_reports():
    """The connector's own reports; for a bank, only those that reached its engagements."""
    return jsonify([report_json(row) for row in container().change_report_views.listing(g.actor)])


def report_json(row: dict[str, Any]) -> dict[str, Any]:
    out = {
        "id": row["report_id"],
        "connector": {"id": row["connector_id"], "name": row["connector_name"]},
        "items": row["items"],
        "summary": row["summary"],
        "effective_on": row["effective_on"],
        "reported_at": row["reported_at"].isoformat(),
        "reported_by": row["reported_by"],
        "engagements": [
            {
                "engagement_id": e["engagement_id"],
                "title": e["title"],
                "bank": {"id": e["bank_id"], "name": e["bank_name"]},
                "cycle": e["cycle"],
                "items": e["items"],
                "standing": e["standing"],
            }
            for e in row["engagements"]
        ],
    }
    if "not_reopened" in row:
        out["not_reopened"] = row["not_reopened"]
    return out
