"""Tailoring during the review, until the decision (custom items with the catalogue's fields,
items dropped and restored), and the bank's templates reused when opening."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from ..domain.codes import Role
from .operations import body, container, operation, responses, write_result
from .schemas.common import VersionIn
from .schemas.engagements import EngagementOut, ReasonIn
from .schemas.tailoring import CustomItemAddIn, TemplateCreated, TemplateIn, TemplateList

bp = Blueprint("tailoring", __name__)


@bp.post("/engagements/<engagement_id>/custom-items")
@operation(Role.REVIEWER, json=CustomItemAddIn, resp=responses(HTTP_201=EngagementOut), tags=["tailoring"])
def add_custom_item(engagement_id: str):
    """Add the bank's own item (numbered after the last); it joins the open cycle."""
    _, engagement = container().tailoring.add_custom_item(g.actor, engagement_id, **body().model_dump())
    return write_result(engagement, 201)


@bp.post("/engagements/<engagement_id>/items/<int:number>/drop")
@operation(Role.REVIEWER, json=ReasonIn, resp=responses(HTTP_200=EngagementOut), tags=["tailoring"])
def drop_item(engagement_id: str, number: int):
    """Leave an item out of the review, with the reason (until the decision)."""
    return write_result(container().tailoring.drop_item(g.actor, engagement_id, number, **body().model_dump()))


@bp.post("/engagements/<engagement_id>/items/<int:number>/restore")
@operation(Role.REVIEWER, json=VersionIn, resp=responses(HTTP_200=EngagementOut), tags=["tailoring"])
def restore_item(engagement_id: str, number: int):
    """Bring a dropped item back into the review and the open cycle."""
    return write_result(container().tailoring.restore_item(g.actor, engagement_id, number, **body().model_dump()))


@bp.post("/tailoring-templates")
@operation(Role.REVIEWER, json=TemplateIn, resp=responses(HTTP_201=TemplateCreated), tags=["tailoring"])
def create_template():
    """Save the bank's tailoring (dropped items with reasons, its own items) for reuse."""
    return jsonify({"id": container().tailoring.create_template(g.actor, **body().model_dump())}), 201


@bp.get("/tailoring-templates")
@operation(Role.REVIEWER, resp=responses(HTTP_200=TemplateList), tags=["tailoring"])
def list_templates():
    """The templates of the caller's own bank, newest first."""
    return jsonify(container().tailoring.templates_of_bank(g.actor))
