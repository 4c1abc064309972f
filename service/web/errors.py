"""Errors map to HTTP here, once, for the API (the contract's JSON shape) and the pages."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_login import current_user
from eventsourcing.persistence import ConnectionUnavailableError
from werkzeug.exceptions import HTTPException

from ..api.errors import MalformedRequest, RequestValidationFailed
from ..catalogue import CatalogueError
from ..domain.errors import DomainError
from ..messages import error_message
from ..xlsx_errors import XlsxImportError, XlsxTooLarge

log = logging.getLogger(__name__)

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


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, **details: Any) -> tuple[Response | str, int]:
    if wants_json():
        error = {"code": code, "message": message}
        error.update({key: value for key, value in details.items() if value is not None})
        return jsonify({"error": error}), status
    return render_template("error.html", status=status, code=code, message=message), status


def log_refusal(code: str) -> None:
    """Authorisation failures of logged-in callers go to the security log."""
    actor = getattr(g, "actor", None)
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user.actor
    if actor is not None:
        current_app.extensions["container"].security_log.record(
            "authorisation_failure", code, actor=actor, client=request.remote_addr or "", path=request.path, method=request.method
        )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        status = STATUS_OF_KIND[error.kind]
        if error.kind in ("forbidden", "not_found"):
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
        return error_response(422, "validation_error", f"入力内容に誤りがあります: {fields}", errors=error.errors)

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
        return error_response(400, error.code, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if status == 403:
            log_refusal("forbidden")
        return error_response(status, HTTP_CODES.get(status, "http_error"), error.description or error.name)

    @app.errorhandler(CatalogueError)
    def catalogue_error(error: CatalogueError):
        log.error("catalogue error: %s", error)
        return error_response(500, "catalogue_error", "チェックリストの版が壊れています。管理者に連絡してください。")

    @app.errorhandler(ConnectionUnavailableError)
    def busy(error: ConnectionUnavailableError):
        log.warning("database busy on %s %s: %s", request.method, request.path, error)
        response, status = error_response(503, "busy", "混み合っています。少し待ってから再度お試しください。")
        return response, status, {"Retry-After": "2"}

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "内部エラーが発生しました。時間をおいて再度お試しください。")
