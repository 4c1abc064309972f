"""Engagements: the board, opening, reading (now or as of an instant), review cycles, the
edition, withdrawal, the timeline and the inbox."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, jsonify
from spectree import Response

from ..domain.codes import Role
from ..domain.errors import Invalid
from .operations import ENGAGEMENT_READERS, EVERYONE, body, container, errors, operation, query, responses, write_result
from .representation import engagement_json, summary_json, timeline_json
from .schemas.common import VersionIn
from .schemas.engagements import AsOfQuery, CycleDiff, EngagementList, EngagementOut, Inbox, MonitoringPlanIn, OpenEngagementIn, PageQuery, ReasonIn, ReviewCycleIn, Timeline

bp = Blueprint("engagements", __name__)


@bp.get("/engagements")
@operation(*ENGAGEMENT_READERS, query=PageQuery, resp=responses(HTTP_200=EngagementList), tags=["engagements"])
def list_engagements():
    """Engagements of the caller's organisation, most recent activity first.

    Without ``limit`` every engagement is listed; with it, a page, and a
    ``Link: <…>; rel="next"`` header carries the cursor of the next page."""
    params = query()
    after = parse_cursor(params.after)
    rows = container().views.board(g.actor, after=after, limit=params.limit, paginate=params.limit is not None)
    response = jsonify([summary_json(row) for row in rows])
    if params.limit is not None and len(rows) == params.limit:
        last = rows[-1]
        cursor = f"{last['last_activity'].isoformat()}~{last['engagement_id']}"
        response.headers["Link"] = f'</api/v1/engagements?limit={params.limit}&after={cursor}>; rel="next"'
    return response


def parse_cursor(cursor: str | None) -> tuple[str, str] | None:
    if cursor is None:
        return None
    moment, _, engagement_id = cursor.partition("~")
    try:
        datetime.fromisoformat(moment)
    except ValueError:
        raise Invalid("after is not a cursor from a Link header", field="after") from None
    return moment, engagement_id


@bp.post("/engagements")
@operation(Role.REVIEWER, json=OpenEngagementIn, resp=responses(HTTP_201=EngagementOut), tags=["engagements"])
def open_engagement():
    """Open a review of a connector on the current edition, tailored (dropped / custom items)."""
    data = body()
    engagement = container().engagements.open_engagement(
        g.actor,
        connector_org_id=data.connector_org_id,
        title=data.title,
        dropped_items=[item.model_dump() for item in data.dropped_items],
        custom_items=[item.model_dump() for item in data.custom_items],
        template_id=data.template_id,
    )
    return write_result(engagement, 201)


@bp.get("/engagements/<engagement_id>")
@operation(*ENGAGEMENT_READERS, query=AsOfQuery, resp=responses(HTTP_200=EngagementOut), tags=["engagements"])
def get_engagement(engagement_id: str):
    """The engagement now, or exactly as it was at ``as_of``."""
    return jsonify(engagement_json(container().store.engagement(g.actor, engagement_id, as_of=query().as_of)))


@bp.post("/engagements/<engagement_id>/review-cycles")
@operation(Role.REVIEWER, json=ReviewCycleIn, resp=responses(HTTP_201=EngagementOut), tags=["monitoring"])
def start_review_cycle(engagement_id: str):
    """Start a monitoring cycle: annual (all items), item_changed or advisory (the items named)."""
    data = body()
    engagement = container().engagements.start_review_cycle(
        g.actor, engagement_id, reason=data.reason, items=data.items, note=data.note, expected_version=data.expected_version
    )
    return write_result(engagement, 201)


@bp.get("/engagements/<engagement_id>/cycles/<int:cycle>/diff")
@operation(*ENGAGEMENT_READERS, resp=responses(HTTP_200=CycleDiff), tags=["monitoring"])
def cycle_diff(engagement_id: str, cycle: int):
    """Each item's answer and verdict in cycle N−1 against cycle N."""
    return jsonify(container().store.engagement(g.actor, engagement_id).cycle_diff(cycle))


@bp.post("/engagements/<engagement_id>/withdraw")
@operation(Role.REVIEWER, Role.CONNECTOR, json=ReasonIn, resp=responses(HTTP_200=EngagementOut), tags=["engagements"])
def withdraw(engagement_id: str):
    """End the engagement (either side, with a reason)."""
    data = body()
    engagement = container().engagements.withdraw(g.actor, engagement_id, data.reason, expected_version=data.expected_version)
    return write_result(engagement)


@bp.get("/engagements/<engagement_id>/timeline")
@operation(*ENGAGEMENT_READERS, query=PageQuery, resp=responses(HTTP_200=Timeline), tags=["audit"])
def get_timeline(engagement_id: str):
    """Every event of the engagement, oldest first, with the actor as they were."""
    params = query()
    after = None
    if params.after is not None:
        if not params.after.isdigit():
            raise Invalid("after must be a timeline position", field="after")
        after = int(params.after)
    rows = container().views.timeline(g.actor, engagement_id, after=after, limit=params.limit)
    return jsonify([timeline_json(row) for row in rows])


@bp.get("/inbox")
@operation(*EVERYONE, query=PageQuery, resp=Response(HTTP_200=Inbox, **errors(401, 422)), tags=["inbox"])
def get_inbox():
    """What waits for the caller's organisation, oldest first; with ``limit`` a page and a
    ``Link: rel="next"`` header (keyset on since, engagement and reference)."""
    c = container()
    params = query()
    entries = [{**entry, "since": entry["since"].isoformat()} for entry in c.views.inbox(g.actor, c.store.today())]
    keys = [f"{e['since']}~{e['engagement_id']}~{e['ref'] or e['kind']}" for e in entries]
    if params.after is not None:
        entries = [entry for entry, key in zip(entries, keys) if key > params.after]
        keys = [key for key in keys if key > params.after]
    response = jsonify(entries[: params.limit] if params.limit else entries)
    if params.limit and len(entries) > params.limit:
        response.headers["Link"] = f'</api/v1/inbox?limit={params.limit}&after={keys[params.limit - 1]}>; rel="next"'
    return response


@bp.post("/engagements/<engagement_id>/edition")
@operation(Role.REVIEWER, json=VersionIn, resp=responses(HTTP_200=EngagementOut), tags=["monitoring"])
def adopt_edition(engagement_id: str):
    """Move the engagement to the current edition, keeping the answers of unchanged items."""
    return write_result(container().engagements.adopt_edition(g.actor, engagement_id, **body().model_dump()))


@bp.put("/engagements/<engagement_id>/monitoring-plan")
@operation(Role.REVIEWER, Role.CONNECTOR, json=MonitoringPlanIn, resp=responses(HTTP_200=EngagementOut), tags=["monitoring"])
def propose_monitoring_plan(engagement_id: str):
    """Propose how often (months) and how deeply monitoring reviews again; the other side agrees."""
    return write_result(container().engagements.propose_monitoring_plan(g.actor, engagement_id, **body().model_dump()))


@bp.post("/engagements/<engagement_id>/monitoring-plan/agree")
@operation(Role.REVIEWER, Role.CONNECTOR, json=VersionIn, resp=responses(HTTP_200=EngagementOut), tags=["monitoring"])
def agree_monitoring_plan(engagement_id: str):
    """The side that did not propose agrees; the next monitoring date follows the plan."""
    return write_result(container().engagements.agree_monitoring_plan(g.actor, engagement_id, **body().model_dump()))
