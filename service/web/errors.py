"""Errors map to HTTP here, once, for the API (the contract's JSON shape) and the pages."""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import ConnectionUnavailableError
from flask import Flask, Response, current_app, flash, g, jsonify, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..api.errors import MalformedRequest, RequestValidationFailed, check_values, fields_of
from ..catalogue import CatalogueError
from ..domain.errors import DomainError
from ..domain.text import label_for
from ..http.errors import status_for
from ..messages import CSRF_EXPIRED, HTTP_ERRORS, MESSAGES, error_message
from ..xlsx_errors import XlsxImportError, XlsxTooLarge

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}
# the engagement page's forms whose typed text survives an expired CSRF token: the page is
# drawn again with the text in its form (the key the template reads its values under)
KEPT_FORMS = {
    "engagements.save_answer": "answer-{number}",
    "engagements.ask": "ask-{number}",
    "engagements.reply": "reply-{question_id}",
    "engagements.judge": "judge-{number}",
    "engagements.decide": "decision",
}
SECRET_FIELDS = ("csrf_token", "password", "totp", "code", "token", "secret")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **details: Any
) -> tuple[Response | str, int, dict[str, str]]:
    if wants_json():
        error = {"code": code, "message": message}
        error.update({key: value for key, value in details.items() if value is not None})
        return jsonify({"error": error}), status, headers or {}
    title = HTTP_ERRORS.get(status, HTTP_ERRORS[400 if status < 500 else 500])[0]
    return render_template("error.html", status=status, code=code, title=title, message=message), status, headers or {}


def log_refusal(code: str) -> None:
    """Authorisation failures of logged-in callers go to the security log."""
    actor = getattr(g, "actor", None)
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user.actor
    if actor is not None:
        current_app.extensions["container"].security_log.record(
            "authorisation_failure", code, actor=actor, client=request.remote_addr or "", path=request.path, method=request.method
        )


def http_message(status: int, code: str) -> str:
    """Werkzeug's descriptions are English: the API and the pages say it in Japanese."""
    if wants_json() and code in MESSAGES:
        return MESSAGES[code]
    return HTTP_ERRORS.get(status, HTTP_ERRORS[400 if status < 500 else 500])[1]


def kept_form_page() -> Any:
    """An engagement form sent with an expired token: the page again, the typed text in its
    form and a fresh token, so sending once more is all it takes."""
    template = KEPT_FORMS.get(request.endpoint or "")
    if template is None or not current_user.is_authenticated:
        return None
    from .engagements import _render

    form_key = template.format(**(request.view_args or {}))
    flash(CSRF_EXPIRED[1], "error")
    try:
        return _render(request.view_args["engagement_id"], values={form_key: request.form}, errors={form_key: {}}, status=400)
    except DomainError:  # not this person's engagement (any more): the plain error page
        session.pop("_flashes", None)
        return None


def typed_fields() -> list[tuple[str, str]]:
    """What a refused form held (no secrets), shown on the error page to be copied back."""
    return [
        (label_for(name), value)
        for name, value in request.form.items(multi=True)
        if value.strip() and not any(secret in name for secret in SECRET_FIELDS) and name != "expected_version"
    ]


def check_page_input() -> None:
    """Pages: no NUL or lone surrogate in the path, query or form, refused before any view
    looks it up (PostgreSQL answers a NUL, even in a search, with an error, not no rows);
    the API checks its requests itself (``api.errors.check_json_body``)."""
    if not wants_json():
        check_values({**(request.view_args or {}), **fields_of(request.args), **fields_of(request.form)})


def register_error_handlers(app: Flask) -> None:
    app.before_request(check_page_input)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        status = status_for(error)
        if error.kind in ("forbidden", "not_found") and error.probe:
            log_refusal(error.code)
        context = error.context
        return error_response(
            status,
            error.code,
            error_message(error),
            field=context.get("field"),
            items=context.get("items"),
            current_version=context.get("current_version"),
        )

    @app.errorhandler(RequestValidationFailed)
    def invalid_request(error: RequestValidationFailed):
        fields = ", ".join(".".join(e["loc"]) for e in error.errors) or "body"
        first = ".".join(error.errors[0]["loc"]) if error.errors else None
        return error_response(422, "validation_error", f"入力内容に誤りがあります: {fields}", field=first or None, errors=error.errors)

    @app.errorhandler(XlsxTooLarge)
    def workbook_too_large(error: XlsxTooLarge):
        return error_response(413, "payload_too_large", error.errors[0]["message"])

    @app.errorhandler(XlsxImportError)
    def workbook_refused(error: XlsxImportError):
        first = error.errors[0]["message"] if error.errors else "ファイルを取り込めません。"
        message = first if len(error.errors) == 1 else f"{len(error.errors)}件の問題があります。"
        return error_response(422, "invalid_workbook", message, errors=error.errors)

    @app.errorhandler(MalformedRequest)
    def malformed(error: MalformedRequest):
        return error_response(error.status, error.code, str(error))

    @app.errorhandler(CSRFError)
    def csrf_expired(_error: CSRFError):
        kept = kept_form_page()
        if kept is not None:
            return kept
        title, message = CSRF_EXPIRED
        page = render_template("error.html", status=400, code="csrf_expired", title=title, message=message, typed=typed_fields())
        return page, 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if status == 403:
            log_refusal("forbidden")
        code = HTTP_CODES.get(status, "http_error")
        # Allow (405), WWW-Authenticate, Retry-After: what the status promises the client
        headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
        return error_response(status, code, http_message(status, code), headers)

    @app.errorhandler(CatalogueError)
    def catalogue_error(error: CatalogueError):
        log.error("catalogue error: %s", error)
        return error_response(500, "catalogue_error", "チェックリストの版が壊れています。管理者に連絡してください。")

    @app.errorhandler(ConnectionUnavailableError)
    def busy(error: ConnectionUnavailableError):
        log.warning("database busy on %s %s: %s", request.method, request.path, error)
        return error_response(503, "busy", HTTP_ERRORS[503][1], {"Retry-After": "2"})

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", HTTP_ERRORS[500][1])
