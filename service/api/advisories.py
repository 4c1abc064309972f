"""FISC advisories (注意喚起): the liaison desk publishes, connectors acknowledge, every role
sees who did."""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from spectree import Response

from ..domain.codes import Role
from .operations import EVERYONE, body, container, errors, operation, responses, write_result
from .schemas.advisories import AdvisoryIn, AdvisoryList, AdvisoryOut
from .schemas.common import TextIn
from .schemas.engagements import EngagementOut

bp = Blueprint("advisories", __name__)


@bp.post("/advisories")
@operation(Role.LIAISON, json=AdvisoryIn, resp=responses(HTTP_201=AdvisoryOut), tags=["advisories"])
def publish_advisory():
    """Publish a FISC advisory (注意喚起); advisory_fanout records it on the active engagements."""
    data = body()
    c = container()
    advisory = c.advisories.publish_advisory(
        g.actor, title=data.title, body=data.body, items=data.items, respond_by=data.respond_by, severity=data.severity
    )
    listing = c.advisory_views.listing(g.actor)
    return jsonify(next(entry for entry in listing if entry["id"] == str(advisory.id))), 201


@bp.get("/advisories")
@operation(*EVERYONE, resp=Response(HTTP_200=AdvisoryList, **errors(401)), tags=["advisories"])
def list_advisories():
    """Advisories with who acknowledged them: reviewers see their bank's engagements,
    connectors their own, the liaison desk counts only."""
    return jsonify(container().advisory_views.listing(g.actor))


@bp.post("/engagements/<engagement_id>/advisories/<advisory_id>/acknowledge")
@operation(Role.CONNECTOR, json=TextIn, resp=responses(HTTP_200=EngagementOut), tags=["advisories"])
def acknowledge_advisory(engagement_id: str, advisory_id: str):
    """The connector acknowledges an advisory noticed on its engagement."""
    data = body()
    engagement = container().advisories.acknowledge_advisory(
        g.actor, engagement_id, advisory_id, data.text, expected_version=data.expected_version
    )
    return write_result(engagement)
