"""Errors become HTTP answers here, once, for the pages and the API alike: each domain error
answers one status (``status_for``), in the contract's JSON shape under /api/ and as the
Japanese error page elsewhere (drawn by the pages: the ``ErrorPage`` the app is given)."""

from __future__ import annotations

import logging
from typing import Any, Callable

from eventsourcing.persistence import ConnectionUnavailableError
from flask import Flask, Response, current_app, g, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from ..catalogue import CatalogueError
from ..domain.errors import DomainError
from ..messages import HTTP_ERRORS, MESSAGES, error_message
from ..xlsx.errors import XlsxImportError, XlsxTooLarge
from .bodies import MalformedRequest, RequestValidationFailed

log = logging.getLogger(__name__)

ErrorPage = Callable[[int, str, str], str]  # (status, code, message) -> the error page's HTML
Answer = tuple[Response | str, int, dict[str, str]]

STATUS_OF_KIND = {"invalid": 422, "unauthenticated": 401, "forbidden": 403, "not_found": 404, "conflict": 409}
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


def status_for(error: DomainError) -> int:
    """The status every entry point answers ``error`` with (a refused form included)."""
    return STATUS_OF_KIND[error.kind]


def http_error_text(status: int) -> tuple[str, str]:
    """The Japanese title and sentence for ``status`` (its class's when it has none of its own)."""
    return HTTP_ERRORS.get(status, HTTP_ERRORS[400 if status < 500 else 500])


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None, **details: Any) -> Answer:
    if wants_json():
        error = {"code": code, "message": message}
        error.update({key: value for key, value in details.items() if value is not None})
        return jsonify({"error": error}), status, headers or {}
    return current_app.extensions["error_page"](status, code, message), status, headers or {}


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
    return http_error_text(status)[1]


def domain_error(error: DomainError) -> Answer:
    if error.kind in ("forbidden", "not_found") and error.probe:
        log_refusal(error.code)
    context = error.context
    return error_response(
        status_for(error),
        error.code,
        error_message(error),
        field=context.get("field"),
        items=context.get("items"),
        current_version=context.get("current_version"),
        changed=context.get("changed"),
    )


def invalid_request(error: RequestValidationFailed) -> Answer:
    fields = ", ".join(".".join(e["loc"]) for e in error.errors) or "body"
    first = ".".join(error.errors[0]["loc"]) if error.errors else None
    return error_response(422, "validation_error", f"入力内容に誤りがあります: {fields}", field=first or None, errors=error.errors)


def workbook_too_large(error: XlsxTooLarge) -> Answer:
    return error_response(413, "payload_too_large", error.errors[0]["message"])


def workbook_refused(error: XlsxImportError) -> Answer:
    first = error.errors[0]["message"] if error.errors else "ファイルを取り込めません。"
    message = first if len(error.errors) == 1 else f"{len(error.errors)}件の問題があります。"
    return error_response(422, "invalid_workbook", message, errors=error.errors)


def malformed(error: MalformedRequest) -> Answer:
    return error_response(error.status, error.code, str(error))


def http_error(error: HTTPException) -> Answer:
    status = error.code or 500
    if status == 403:
        log_refusal("forbidden")
    code = HTTP_CODES.get(status, "http_error")
    # Allow (405), WWW-Authenticate, Retry-After: what the status promises the client
    headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
    return error_response(status, code, http_message(status, code), headers)


def catalogue_error(error: CatalogueError) -> Answer:
    log.error("catalogue error: %s", error)
    return error_response(500, "catalogue_error", "チェックリストの版が壊れています。管理者に連絡してください。")


def busy(error: ConnectionUnavailableError) -> Answer:
    log.warning("database busy on %s %s: %s", request.method, request.path, error)
    return error_response(503, "busy", HTTP_ERRORS[503][1], {"Retry-After": "2"})


def unexpected(_error: Exception) -> Answer:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", HTTP_ERRORS[500][1])


HANDLERS: dict[type[Exception], Callable[[Any], Answer]] = {
    DomainError: domain_error,
    RequestValidationFailed: invalid_request,
    XlsxTooLarge: workbook_too_large,
    XlsxImportError: workbook_refused,
    MalformedRequest: malformed,
    HTTPException: http_error,
    CatalogueError: catalogue_error,
    ConnectionUnavailableError: busy,
    Exception: unexpected,
}


def register_error_handlers(app: Flask, page: ErrorPage) -> None:
    """Every error of the app, pages and API, answered by ``HANDLERS``; ``page`` draws the pages' version."""
    app.extensions["error_page"] = page
    for error_class, handler in HANDLERS.items():
        app.register_error_handler(error_class, handler)
