"""The connector's answer library (fill once, present to many), its sharing and its
third-party certifications; saving answers back from an engagement and prefilling one."""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from spectree import Response

from ..domain.codes import Role
from ..domain.errors import Invalid
from ..http.files import file_response
from .operations import ENGAGEMENT_READERS, body, container, errors, form_body, operation, query, responses, write_result
from .representation import library_json
from .schemas.common import VersionIn
from .schemas.engagements import EngagementOut
from .schemas.library import CertificationForm, LibraryAnswerIn, LibraryList, LibraryOut, LibraryQuery, ShareIn

bp = Blueprint("library", __name__)


@bp.get("/library")
@operation(*ENGAGEMENT_READERS, query=LibraryQuery, resp=responses(HTTP_200=LibraryOut), tags=["library"])
def get_library():
    """The connector's own answer library, or (for a bank, with ``connector_org_id``) one
    shared with the bank. A connector without a library gets an empty one."""
    c = container()
    library = c.library.library(g.actor, query().connector_org_id)
    if library is None:
        return jsonify({"connector": {"id": g.actor.org_id, "name": g.actor.org_name}, "version": 0, "entries": [], "shared_with": [], "certifications": []})
    return jsonify(library_json(library))


@bp.get("/libraries")
@operation(Role.REVIEWER, Role.AUDITOR, resp=responses(HTTP_200=LibraryList), tags=["library"])
def list_shared_libraries():
    """Answer libraries connectors have shared with the caller's bank."""
    return jsonify([library_json(library) for library in container().library.shared_libraries(g.actor)])


@bp.put("/library/items/<int:number>")
@operation(Role.CONNECTOR, json=LibraryAnswerIn, resp=responses(HTTP_200=LibraryOut), tags=["library"])
def save_library_entry(number: int):
    """Save the master answer for one item (a new version when it changes)."""
    library = container().library.save_library_entry(g.actor, number, **body().model_dump())
    return jsonify(library_json(library))


@bp.post("/library/shares")
@operation(Role.CONNECTOR, json=ShareIn, resp=responses(HTTP_200=LibraryOut), tags=["library"])
def share_library():
    """Share the library read-only with a bank (before any engagement exists)."""
    return jsonify(library_json(container().library.share_library(g.actor, body().bank_org_id)))


@bp.post("/library/shares/<bank_org_id>/revoke")
@operation(Role.CONNECTOR, json=VersionIn, resp=responses(HTTP_200=LibraryOut), tags=["library"])
def unshare_library(bank_org_id: str):
    """Stop sharing the library with a bank."""
    return jsonify(library_json(container().library.unshare_library(g.actor, bank_org_id)))


@bp.post("/library/certifications")
@operation(Role.CONNECTOR, form=CertificationForm, resp=responses(HTTP_201=LibraryOut), tags=["library"])
def register_certification():
    """Register a third-party certification (multipart: fields and an optional file)."""
    form = form_body()
    upload = form.file
    library = container().library.register_certification(
        g.actor,
        kind=form.kind,
        scope=form.scope,
        issuer=form.issuer,
        valid_from=form.valid_from,
        valid_until=form.valid_until,
        items=parse_numbers(form.items),
        data=upload.read() if upload else None,
        filename=upload.filename if upload else "",
    )
    return jsonify(library_json(library)), 201


def parse_numbers(text: str) -> list[int]:
    parts = [part.strip() for part in text.replace("、", ",").split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise Invalid("items must be item numbers separated by commas", field="items")
    return [int(part) for part in parts]


@bp.post("/library/certifications/<certification_id>/withdraw")
@operation(Role.CONNECTOR, json=VersionIn, resp=responses(HTTP_200=LibraryOut), tags=["library"])
def withdraw_certification(certification_id: str):
    """Withdraw a certification (expired, replaced or lost)."""
    return jsonify(library_json(container().library.withdraw_certification(g.actor, certification_id)))


@bp.get("/libraries/<connector_org_id>/certifications/<certification_id>/file")
@operation(*ENGAGEMENT_READERS, resp=Response(HTTP_200=None, **errors(401, 403, 404)), tags=["library"])
def certification_file(connector_org_id: str, certification_id: str):
    """Download a certification's file (the connector, and banks it shares with or reviews)."""
    return file_response(*container().library.certification_file(g.actor, connector_org_id, certification_id))


@bp.post("/engagements/<engagement_id>/library")
@operation(Role.CONNECTOR, json=VersionIn, resp=responses(HTTP_200=LibraryOut), tags=["library"])
def save_answers_to_library(engagement_id: str):
    """Save this engagement's connector and common answers back to the library."""
    return jsonify(library_json(container().library.save_answers_to_library(g.actor, engagement_id)))


@bp.post("/engagements/<engagement_id>/prefill")
@operation(Role.CONNECTOR, json=VersionIn, resp=responses(HTTP_200=EngagementOut), tags=["library"])
def prefill(engagement_id: str):
    """Fill the items not yet answered in this cycle from the library (all or nothing)."""
    return write_result(container().library.prefill_from_library(g.actor, engagement_id, expected_version=body().expected_version))
