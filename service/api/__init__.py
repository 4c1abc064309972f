"""JSON API ``/api/v1`` (shared/contract.md): thin handlers over the application
services. Bodies and queries are validated by spectree from the pydantic schemas,
which also generate the OpenAPI document at ``/api/v1/openapi.json``."""

from __future__ import annotations

from datetime import datetime
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, Flask, current_app, g, jsonify, request
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from ..auth import MfaEnrolmentRequired
from ..bootstrap import Container
from ..messages import error_message
from ..catalogue import edition_to_dict
from ..domain.codes import Role
from ..domain.errors import Invalid, InvalidToken, RoleNotAllowed
from . import schemas as s
from .document import NamedOperations, component_name, nested_component_name, served_document
from .errors import reject_invalid_request
from ..downloads import XLSX_TYPE, file_response, xlsx_filename
from .representation import engagement_json, library_json, summary_json, timeline_json

api = Blueprint("api", __name__, url_prefix="/api/v1")

ENGAGEMENT_READERS = (Role.REVIEWER, Role.CONNECTOR, Role.AUDITOR)
EVERYONE = tuple(Role.assignable())


def errors(*codes: int) -> dict[str, type]:
    """The ``{"error": …}`` shape for ``codes``, and for 422 (schema validation, on every
    route spectree validates) and 503 (database unreachable, on every route)."""
    return {f"HTTP_{code}": s.ErrorResponse for code in sorted({*codes, 422, 503})}


def responses(**ok: Any) -> Response:
    """Success models plus the error shapes every authenticated route can answer."""
    return Response(**ok, **errors(400, 401, 403, 404, 409, 413, 415))


spec = SpecTree(
    "flask",
    backend=NamedOperations,
    mode="strict",
    page_templates={},
    annotations=False,
    title="FISC API接続チェックリスト 審査サービス API",
    version="1.0.0",
    description="Engagements between banks (金融機関) and API connectors (API接続先) on the FISC checklist. "
    "Errors: {\"error\": {\"code\", \"message\"}}; a resource of another organisation answers 404 like a missing one. "
    "A body that cannot be read: 400 malformed_json or json_too_deep (over 32 levels), 415 unsupported_media_type "
    "(JSON routes take application/json, upload routes multipart/form-data), 422 control_characters for NUL or a lone "
    "surrogate anywhere in the request; 422 validation_error lists each refused field in errors; expected_version "
    "takes a whole number (79.0 is 79; else 422 invalid_expected_version); 405 carries Allow; 503 busy carries Retry-After.",
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
    security={"bearer": []},
    before=reject_invalid_request,
    validation_error_model=s.ErrorResponse,
    naming_strategy=component_name,
    nested_naming_strategy=nested_component_name,
)


def container() -> Container:
    return current_app.extensions["container"]


def authenticated(*roles: Role) -> Callable:
    """Require a valid bearer token of one of ``roles``; the actor lands in ``g.actor``."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise InvalidToken("send Authorization: Bearer TOKEN (from POST /api/v1/auth/token)")
            g.actor = container().authenticator.actor_for_token(token.strip())
            g.token = token.strip()
            if g.actor.role not in roles:
                raise RoleNotAllowed(f"role {g.actor.role.value} may not call this route")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def body() -> Any:
    return request.context.json  # type: ignore[attr-defined]


def query() -> Any:
    return request.context.query  # type: ignore[attr-defined]


def write_result(engagement: Any, status: int = 200):
    return jsonify(engagement_json(engagement)), status


# ---------------------------------------------------------------- auth


@api.post("/auth/token")
@spec.validate(
    json=s.TokenRequest,
    resp=Response(HTTP_200=s.TokenResponse, HTTP_403=s.EnrolmentRequiredResponse, **errors(400, 401, 413, 422, 429)),
    tags=["auth"],
    security={},
)
def issue_token():
    """Exchange e-mail and password (+ totp when enrolled) for a bearer token valid ≤ 1 hour."""
    data = body()
    auth = container().authenticator
    client = request.remote_addr or ""
    try:
        actor = auth.login(data.email, data.password, data.totp, client=client, channel="api")
    except MfaEnrolmentRequired as refused:
        return enrolment_required(refused, auth.issue_enrolment_token(refused.context["actor"], client=client))
    issued = auth.issue_token(actor, client=client)
    return jsonify({"token": issued.token, "expires_at": issued.expires_at.isoformat()})


def enrolment_required(refused: MfaEnrolmentRequired, enrolment: Any):
    """403 ``mfa_enrolment_required`` carrying the enrolment token (in the error and at the top)."""
    token, expires_at = enrolment.token, enrolment.expires_at.isoformat()
    error = {"code": refused.code, "message": error_message(refused), "enrolment_token": token, "expires_at": expires_at}
    return jsonify({"error": error, "enrolment_token": token, "expires_at": expires_at}), 403


def enrolment_token() -> str:
    """The bearer token of a TOTP enrolment call (an enrolment token, nothing else)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("send Authorization: Bearer ENROLMENT_TOKEN (from POST /api/v1/auth/token)")
    return token.strip()


@api.post("/auth/totp/enrol")
@spec.validate(resp=Response(HTTP_200=s.TotpEnrolOut, **errors(401)), tags=["auth"])
def enrol_totp():
    """Start enrolling a second factor (Bearer: the enrolment token answered by /auth/token with
    403 mfa_enrolment_required): a new secret and its otpauth URI for the authenticator app."""
    secret, uri = container().authenticator.enrol_totp(enrolment_token())
    return jsonify({"secret": secret, "otpauth_uri": uri})


@api.post("/auth/totp/confirm")
@spec.validate(json=s.TotpConfirmIn, resp=Response(HTTP_200=s.TotpConfirmOut, **errors(400, 401, 413)), tags=["auth"])
def confirm_totp():
    """Confirm the secret with the app's current code (Bearer: the enrolment token); the token
    is then spent and POST /auth/token takes email, password and totp."""
    container().authenticator.confirm_enrolled_totp(enrolment_token(), body().code)
    return jsonify({"enrolled": True})


@api.post("/auth/logout")
@authenticated(*EVERYONE)
@spec.validate(resp=Response("HTTP_204", **errors(401)), tags=["auth"])
def logout():
    """Revoke the token used for this call."""
    container().authenticator.revoke_token(g.token)
    return "", 204


# ---------------------------------------------------------------- checklist


@api.get("/checklist/current")
@authenticated(*EVERYONE)
@spec.validate(resp=Response(HTTP_200=s.ChecklistOut, **errors(401)), tags=["checklist"])
def checklist_current():
    """The current FISC checklist edition with all 44 items."""
    return jsonify(edition_to_dict(container().editions.current()))


# ---------------------------------------------------------------- engagements


@api.get("/engagements")
@authenticated(*ENGAGEMENT_READERS)
@spec.validate(query=s.PageQuery, resp=responses(HTTP_200=s.EngagementList), tags=["engagements"])
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


@api.post("/engagements")
@authenticated(Role.REVIEWER)
@spec.validate(json=s.OpenEngagementIn, resp=responses(HTTP_201=s.EngagementOut), tags=["engagements"])
def open_engagement():
    """Open a review of a connector on the current edition, tailored (dropped / custom items)."""
    data = body()
    engagement = container().engagements.open_engagement(
        g.actor,
        connector_org_id=data.connector_org_id,
        title=data.title,
        dropped_items=[item.model_dump() for item in data.dropped_items],
        custom_items=[item.model_dump() for item in data.custom_items],
    )
    return write_result(engagement, 201)


@api.get("/engagements/<engagement_id>")
@authenticated(*ENGAGEMENT_READERS)
@spec.validate(query=s.AsOfQuery, resp=responses(HTTP_200=s.EngagementOut), tags=["engagements"])
def get_engagement(engagement_id: str):
    """The engagement now, or exactly as it was at ``as_of``."""
    return jsonify(engagement_json(container().store.engagement(g.actor, engagement_id, as_of=query().as_of)))


@api.put("/engagements/<engagement_id>/items/<int:number>/answer")
@authenticated(Role.CONNECTOR, Role.REVIEWER)
@spec.validate(json=s.AnswerIn, resp=responses(HTTP_200=s.EngagementOut), tags=["answers"])
def save_answer(engagement_id: str, number: int):
    """Save the answer to one item (対応状況区分, 現在の対応状況, 課題認識, 課題への対応計画, 備考)."""
    data = body().model_dump()
    expected = data.pop("expected_version")
    engagement = container().review.save_answer(g.actor, engagement_id, number, expected_version=expected, **data)
    return write_result(engagement)


@api.post("/engagements/<engagement_id>/submit")
@authenticated(Role.CONNECTOR)
@spec.validate(json=s.VersionIn, resp=responses(HTTP_200=s.EngagementOut), tags=["answers"])
def submit(engagement_id: str):
    """Hand the answers to the bank (409 lists the items still unanswered)."""
    engagement = container().review.submit(g.actor, engagement_id, expected_version=body().expected_version)
    return write_result(engagement)


@api.post("/engagements/<engagement_id>/items/<int:number>/questions")
@authenticated(Role.REVIEWER)
@spec.validate(json=s.TextIn, resp=responses(HTTP_201=s.QuestionCreated), tags=["questions"])
def ask_question(engagement_id: str, number: int):
    """Open a question thread on an item."""
    data = body()
    question_id, engagement = container().review.ask_question(
        g.actor, engagement_id, number, data.text, expected_version=data.expected_version
    )
    return jsonify({"question_id": question_id, "version": engagement.version}), 201


@api.post("/engagements/<engagement_id>/questions/<question_id>/replies")
@authenticated(Role.REVIEWER, Role.CONNECTOR)
@spec.validate(json=s.TextIn, resp=responses(HTTP_201=s.EngagementOut), tags=["questions"])
def post_reply(engagement_id: str, question_id: str):
    """Reply in a question thread (either side)."""
    data = body()
    engagement = container().review.post_reply(
        g.actor, engagement_id, question_id, data.text, expected_version=data.expected_version
    )
    return write_result(engagement, 201)


@api.post("/engagements/<engagement_id>/questions/<question_id>/close")
@authenticated(Role.REVIEWER)
@spec.validate(json=s.VersionIn, resp=responses(HTTP_200=s.EngagementOut), tags=["questions"])
def close_question(engagement_id: str, question_id: str):
    """Close a question thread."""
    engagement = container().review.close_question(
        g.actor, engagement_id, question_id, expected_version=body().expected_version
    )
    return write_result(engagement)


@api.put("/engagements/<engagement_id>/items/<int:number>/judgement")
@authenticated(Role.REVIEWER)
@spec.validate(json=s.JudgementIn, resp=responses(HTTP_200=s.EngagementOut), tags=["judgements"])
def judge_item(engagement_id: str, number: int):
    """Judge one item (a comment is required for unsatisfied and compensated)."""
    data = body()
    engagement = container().review.judge_item(
        g.actor,
        engagement_id,
        number,
        verdict=data.verdict,
        comment=data.comment,
        certification_id=data.certification_id,
        expected_version=data.expected_version,
    )
    return write_result(engagement)


@api.post("/engagements/<engagement_id>/decision")
@authenticated(Role.REVIEWER)
@spec.validate(json=s.DecisionIn, resp=responses(HTTP_200=s.EngagementOut), tags=["judgements"])
def decide(engagement_id: str):
    """The overall decision; approved and conditional move the engagement to monitoring."""
    data = body()
    engagement = container().review.decide(
        g.actor,
        engagement_id,
        outcome=data.outcome,
        comment=data.comment,
        conditions=[c.model_dump() for c in data.conditions],
        next_review_on=data.next_review_on,
        expected_version=data.expected_version,
    )
    return write_result(engagement)


@api.post("/engagements/<engagement_id>/conditions/<condition_id>/fulfil")
@authenticated(Role.REVIEWER)
@spec.validate(json=s.CommentIn, resp=responses(HTTP_200=s.EngagementOut), tags=["judgements"])
def fulfil_condition(engagement_id: str, condition_id: str):
    """Mark a condition of a conditional approval as fulfilled."""
    data = body()
    engagement = container().review.fulfil_condition(
        g.actor, engagement_id, condition_id, comment=data.comment, expected_version=data.expected_version
    )
    return write_result(engagement)


@api.post("/engagements/<engagement_id>/review-cycles")
@authenticated(Role.REVIEWER)
@spec.validate(json=s.ReviewCycleIn, resp=responses(HTTP_201=s.EngagementOut), tags=["monitoring"])
def start_review_cycle(engagement_id: str):
    """Start a monitoring cycle: annual (all items), item_changed or advisory (the items named)."""
    data = body()
    engagement = container().engagements.start_review_cycle(
        g.actor, engagement_id, reason=data.reason, items=data.items, note=data.note, expected_version=data.expected_version
    )
    return write_result(engagement, 201)


@api.get("/engagements/<engagement_id>/cycles/<int:cycle>/diff")
@authenticated(*ENGAGEMENT_READERS)
@spec.validate(resp=responses(HTTP_200=s.CycleDiff), tags=["monitoring"])
def cycle_diff(engagement_id: str, cycle: int):
    """Each item's answer and verdict in cycle N−1 against cycle N."""
    return jsonify(container().store.engagement(g.actor, engagement_id).cycle_diff(cycle))


@api.post("/engagements/<engagement_id>/withdraw")
@authenticated(Role.REVIEWER, Role.CONNECTOR)
@spec.validate(json=s.ReasonIn, resp=responses(HTTP_200=s.EngagementOut), tags=["engagements"])
def withdraw(engagement_id: str):
    """End the engagement (either side, with a reason)."""
    data = body()
    engagement = container().engagements.withdraw(g.actor, engagement_id, data.reason, expected_version=data.expected_version)
    return write_result(engagement)


@api.get("/engagements/<engagement_id>/timeline")
@authenticated(*ENGAGEMENT_READERS)
@spec.validate(query=s.PageQuery, resp=responses(HTTP_200=s.Timeline), tags=["audit"])
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


@api.get("/inbox")
@authenticated(*EVERYONE)
@spec.validate(query=s.PageQuery, resp=Response(HTTP_200=s.Inbox, **errors(401, 422)), tags=["inbox"])
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


@api.post("/advisories")
@authenticated(Role.LIAISON)
@spec.validate(json=s.AdvisoryIn, resp=responses(HTTP_201=s.AdvisoryOut), tags=["advisories"])
def publish_advisory():
    """Publish a FISC advisory (注意喚起); advisory_fanout records it on the active engagements."""
    data = body()
    c = container()
    advisory = c.advisories.publish_advisory(
        g.actor, title=data.title, body=data.body, items=data.items, respond_by=data.respond_by, severity=data.severity
    )
    listing = c.advisory_views.listing(g.actor)
    return jsonify(next(entry for entry in listing if entry["id"] == str(advisory.id))), 201


@api.get("/advisories")
@authenticated(*EVERYONE)
@spec.validate(resp=Response(HTTP_200=s.AdvisoryList, **errors(401)), tags=["advisories"])
def list_advisories():
    """Advisories with who acknowledged them: reviewers see their bank's engagements,
    connectors their own, the liaison desk counts only."""
    return jsonify(container().advisory_views.listing(g.actor))


@api.post("/engagements/<engagement_id>/advisories/<advisory_id>/acknowledge")
@authenticated(Role.CONNECTOR)
@spec.validate(json=s.TextIn, resp=responses(HTTP_200=s.EngagementOut), tags=["advisories"])
def acknowledge_advisory(engagement_id: str, advisory_id: str):
    """The connector acknowledges an advisory noticed on its engagement."""
    data = body()
    engagement = container().advisories.acknowledge_advisory(
        g.actor, engagement_id, advisory_id, data.text, expected_version=data.expected_version
    )
    return write_result(engagement)


@api.get("/editions")
@authenticated(*EVERYONE)
@spec.validate(resp=Response(HTTP_200=s.EditionList, **errors(401)), tags=["checklist"])
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


@api.post("/editions")
@authenticated(Role.LIAISON)
@spec.validate(json=s.ChecklistOut, resp=responses(HTTP_201=s.EditionPublished), tags=["checklist"])
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


@api.post("/engagements/<engagement_id>/edition")
@authenticated(Role.REVIEWER)
@spec.validate(json=s.VersionIn, resp=responses(HTTP_200=s.EngagementOut), tags=["monitoring"])
def adopt_edition(engagement_id: str):
    """Move the engagement to the current edition, keeping the answers of unchanged items."""
    engagement = container().engagements.adopt_edition(g.actor, engagement_id, expected_version=body().expected_version)
    return write_result(engagement)


# ---------------------------------------------------------------- answer library and evidence


@api.get("/library")
@authenticated(*ENGAGEMENT_READERS)
@spec.validate(query=s.LibraryQuery, resp=responses(HTTP_200=s.LibraryOut), tags=["library"])
def get_library():
    """The connector's own answer library, or (for a bank, with ``connector_org_id``) one
    shared with the bank. A connector without a library gets an empty one."""
    c = container()
    library = c.library.library(g.actor, query().connector_org_id)
    if library is None:
        return jsonify({"connector": {"id": g.actor.org_id, "name": g.actor.org_name}, "version": 0, "entries": [], "shared_with": [], "certifications": []})
    return jsonify(library_json(library))


@api.get("/libraries")
@authenticated(Role.REVIEWER, Role.AUDITOR)
@spec.validate(resp=responses(HTTP_200=s.LibraryList), tags=["library"])
def list_shared_libraries():
    """Answer libraries connectors have shared with the caller's bank."""
    return jsonify([library_json(library) for library in container().library.shared_libraries(g.actor)])


@api.put("/library/items/<int:number>")
@authenticated(Role.CONNECTOR)
@spec.validate(json=s.LibraryAnswerIn, resp=responses(HTTP_200=s.LibraryOut), tags=["library"])
def save_library_entry(number: int):
    """Save the master answer for one item (a new version when it changes)."""
    library = container().library.save_library_entry(g.actor, number, **body().model_dump())
    return jsonify(library_json(library))


@api.post("/library/shares")
@authenticated(Role.CONNECTOR)
@spec.validate(json=s.ShareIn, resp=responses(HTTP_200=s.LibraryOut), tags=["library"])
def share_library():
    """Share the library read-only with a bank (before any engagement exists)."""
    return jsonify(library_json(container().library.share_library(g.actor, body().bank_org_id)))


@api.post("/library/shares/<bank_org_id>/revoke")
@authenticated(Role.CONNECTOR)
@spec.validate(json=s.VersionIn, resp=responses(HTTP_200=s.LibraryOut), tags=["library"])
def unshare_library(bank_org_id: str):
    """Stop sharing the library with a bank."""
    return jsonify(library_json(container().library.unshare_library(g.actor, bank_org_id)))


@api.post("/library/certifications")
@authenticated(Role.CONNECTOR)
@spec.validate(form=s.CertificationForm, resp=responses(HTTP_201=s.LibraryOut), tags=["library"])
def register_certification():
    """Register a third-party certification (multipart: fields and an optional file)."""
    form = request.context.form  # type: ignore[attr-defined]
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


@api.post("/library/certifications/<certification_id>/withdraw")
@authenticated(Role.CONNECTOR)
@spec.validate(json=s.VersionIn, resp=responses(HTTP_200=s.LibraryOut), tags=["library"])
def withdraw_certification(certification_id: str):
    """Withdraw a certification (expired, replaced or lost)."""
    return jsonify(library_json(container().library.withdraw_certification(g.actor, certification_id)))


@api.get("/libraries/<connector_org_id>/certifications/<certification_id>/file")
@authenticated(*ENGAGEMENT_READERS)
@spec.validate(resp=Response(HTTP_200=None, **errors(401, 403, 404)), tags=["library"])
def certification_file(connector_org_id: str, certification_id: str):
    """Download a certification's file (the connector, and banks it shares with or reviews)."""
    data, record = container().library.certification_file(g.actor, connector_org_id, certification_id)
    return file_response(data, record)


@api.post("/engagements/<engagement_id>/library")
@authenticated(Role.CONNECTOR)
@spec.validate(json=s.VersionIn, resp=responses(HTTP_200=s.LibraryOut), tags=["library"])
def save_answers_to_library(engagement_id: str):
    """Save this engagement's connector and common answers back to the library."""
    return jsonify(library_json(container().library.save_answers_to_library(g.actor, engagement_id)))


@api.post("/engagements/<engagement_id>/prefill")
@authenticated(Role.CONNECTOR)
@spec.validate(json=s.VersionIn, resp=responses(HTTP_200=s.EngagementOut), tags=["library"])
def prefill(engagement_id: str):
    """Fill the items not yet answered in this cycle from the library (all or nothing)."""
    return write_result(container().library.prefill_from_library(g.actor, engagement_id, expected_version=body().expected_version))


@api.post("/engagements/<engagement_id>/items/<int:number>/evidence")
@authenticated(Role.CONNECTOR, Role.REVIEWER)
@spec.validate(form=s.EvidenceForm, resp=responses(HTTP_201=s.EngagementOut), tags=["answers"])
def attach_evidence(engagement_id: str, number: int):
    """Attach an evidence file to an item (PDF, PNG, JPEG, text, CSV, xlsx, docx; ≤ 5 MB)."""
    form = request.context.form  # type: ignore[attr-defined]
    engagement = container().files.attach_evidence(
        g.actor, engagement_id, number, data=form.file.read(), filename=form.file.filename or "", expected_version=form.expected_version
    )
    return write_result(engagement, 201)


@api.get("/engagements/<engagement_id>/evidence/<sha256>")
@authenticated(*ENGAGEMENT_READERS)
@spec.validate(resp=Response(HTTP_200=None, **errors(401, 403, 404)), tags=["answers"])
def evidence_file(engagement_id: str, sha256: str):
    """Download an evidence file attached to the engagement."""
    data, record = container().files.evidence_file(g.actor, engagement_id, sha256)
    return file_response(data, record)


# ---------------------------------------------------------------- the FISC フォーマット as Excel


@api.get("/engagements/<engagement_id>/export.xlsx")
@authenticated(*ENGAGEMENT_READERS)
@spec.validate(resp=Response(HTTP_200=None, **errors(401, 403, 404)), tags=["excel"])
def export_xlsx(engagement_id: str):
    """The フォーマット sheet (plus the Q&A and verdict sheets for the bank side)."""
    data, engagement = container().files.export_xlsx(g.actor, engagement_id)
    return file_response(data, {"filename": xlsx_filename(engagement), "content_type": XLSX_TYPE})


@api.post("/engagements/<engagement_id>/import.xlsx")
@authenticated(Role.CONNECTOR, Role.REVIEWER)
@spec.validate(form=s.XlsxForm, resp=responses(HTTP_200=s.EngagementOut), tags=["excel"])
def import_xlsx(engagement_id: str):
    """Import a filled フォーマット (columns found by header name), all or nothing;
    422 lists every bad cell as {"sheet","cell","message"}."""
    form = request.context.form  # type: ignore[attr-defined]
    engagement = container().files.import_xlsx(
        g.actor, engagement_id, form.file.read(), expected_version=form.expected_version
    )
    return write_result(engagement)


@api.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3 document, generated from the schemas above (public)."""
    return jsonify(served_document(spec.spec))


def init_api(app: Flask) -> None:
    app.register_blueprint(api)
    spec.app = app


__all__ = ["api", "init_api", "spec"]
