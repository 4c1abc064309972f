"""The FISC checklist: the current edition and every edition loaded, and publishing a revised one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from spectree import Response

from ..catalogue import edition_to_dict
from ..domain.codes import Role
from .operations import EVERYONE, container, errors, operation, responses
from .schemas.catalogue import ChecklistOut, EditionList, EditionPublished

bp = Blueprint("catalogue", __name__)


@bp.get("/checklist/current")
@operation(*EVERYONE, resp=Response(HTTP_200=ChecklistOut, **errors(401)), tags=["checklist"])
def checklist_current():
    """The current FISC checklist edition with all 44 items."""
    return jsonify(edition_to_dict(container().editions.current()))


@bp.get("/editions")
@operation(*EVERYONE, resp=Response(HTTP_200=EditionList, **errors(401)), tags=["checklist"])
def list_editions():
    """Every loaded checklist edition, oldest first."""
    editions = container().editions
    ids = editions.ids()
    return jsonify(
        [
            {**_edition_summary(editions.get(edition_id)), "current": edition_id == ids[-1]}
            for edition_id in ids
        ]
    )


def _edition_summary(edition: Any) -> dict[str, Any]:
    return {"edition": edition.id, "title": edition.title, "published": edition.published, "items": len(edition.items)}


@bp.post("/editions")
@operation(Role.LIAISON, json=ChecklistOut, resp=responses(HTTP_201=EditionPublished), tags=["checklist"])
def publish_edition():
    """Publish a revised checklist edition (the shape of GET /checklist/current); the
    edition_rollout job moves engagements in monitoring to it."""
    edition, diff = container().editions.publish(g.actor, request.get_json())
    return (
        jsonify(
            {
                **_edition_summary(edition),
                "diff": {"changed": list(diff.changed), "added": list(diff.added), "removed": list(diff.removed)},
            }
        ),
        201,
    )
