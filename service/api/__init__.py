"""JSON API ``/api/v1`` (shared/contract.md): one blueprint per feature, nested in ``api``, thin
handlers over the use cases. ``init_api`` builds the app's SpecTree, which validates bodies and
queries from the pydantic schemas and generates the OpenAPI document at ``/api/v1/openapi.json``."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request

from ..http.bodies import check_json_body
from . import accounts, advisories, catalogue, change_reports, engagements, files, library, review, tailoring
from .document import served_document
from .spec import app_spec, build_spec, declared_body

api = Blueprint("api", __name__, url_prefix="/api/v1")
FEATURES = (accounts.bp, catalogue.bp, engagements.bp, review.bp, tailoring.bp, change_reports.bp, advisories.bp, library.bp, files.bp)
for feature in FEATURES:
    api.register_blueprint(feature)


@api.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3 document, generated from the features' schemas (public)."""
    return jsonify(served_document(app_spec().spec))


def check_api_body() -> None:
    """``before_request``: what the schemas cannot check, before any of them reads the body."""
    if request.path.startswith("/api/"):
        check_json_body(declared_body)


def init_api(app: Flask) -> None:
    """The API on ``app``: its body checks, its blueprints, each view bound to this app's SpecTree."""
    spec = build_spec()
    app.extensions["api_spec"] = spec
    app.before_request(check_api_body)
    app.register_blueprint(api)
    for endpoint, view in list(app.view_functions.items()):
        declared = getattr(view, "operation", None)
        if declared is not None:
            app.view_functions[endpoint] = declared.bind(spec, view.__wrapped__)
