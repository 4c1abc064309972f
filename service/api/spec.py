"""The app's SpecTree, built by ``init_api`` for each app (one document, one set of validators
per app), and how it hands what it refuses to the one error mapping (``service.http``)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from ..http.bodies import DeclaredBody, RequestValidationFailed
from .document import NamedOperations, component_name, nested_component_name
from .schemas.common import ErrorResponse

DESCRIPTION = (
    "Engagements between banks (金融機関) and API connectors (API接続先) on the FISC checklist. "
    "Errors: {\"error\": {\"code\", \"message\"}}; a resource of another organisation answers 404 like a missing one. "
    "A body that cannot be read: 400 malformed_json or json_too_deep (over 32 levels), 415 unsupported_media_type "
    "(JSON routes take application/json, upload routes multipart/form-data), 422 control_characters for NUL or a lone "
    "surrogate anywhere in the request; 422 validation_error lists each refused field in errors; expected_version "
    "takes a whole number (79.0 is 79; else 422 invalid_expected_version); 405 carries Allow; 503 busy carries Retry-After."
)


def reject_invalid_request(req: Any, _response: Any, error: Exception | None, _instance: Any, _adapter: Any) -> None:
    """spectree ``before`` hook: hand validation failures to the one error mapper."""
    if error is not None:
        raise RequestValidationFailed(
            [
                {"loc": [str(part) for part in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
                for e in error.errors()  # type: ignore[attr-defined]
            ]
        )


def build_spec() -> SpecTree:
    return SpecTree(
        "flask",
        backend=NamedOperations,
        mode="strict",
        page_templates={},
        annotations=False,
        title="FISC API接続チェックリスト 審査サービス API",
        version="1.0.0",
        description=DESCRIPTION,
        security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
        security={"bearer": []},
        before=reject_invalid_request,
        validation_error_model=ErrorResponse,
        naming_strategy=component_name,
        nested_naming_strategy=nested_component_name,
    )


def app_spec() -> SpecTree:
    return current_app.extensions["api_spec"]


def declared_body() -> DeclaredBody:
    """``"form"`` or ``"json"`` as the route's spectree declaration says (None: no body)."""
    view = current_app.view_functions.get(request.endpoint or "")
    metadata = app_spec().get_function_metadata(view) if view else None
    if metadata is None:
        return None
    if metadata.form is not None:
        return "form"
    return "json" if metadata.json is not None else None
