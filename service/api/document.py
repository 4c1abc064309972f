"""How spectree names and lays out the OpenAPI document, so that generated clients get one
class per schema and one function per operation: every component is named after its
pydantic class (each nested model once, not once per parent under the same title), every
operation after its view, a request body whose fields are all optional is documented as
optional (the route also takes no body at all), and the tags come in the contract's order
whatever order the feature blueprints are registered in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spectree.plugins.flask_plugin import FlaskPlugin


class NamedOperations(FlaskPlugin):
    """spectree's Flask backend with each operation named after its view function
    (``close_question``): generated clients call it that instead of the spelled-out path."""

    def get_func_operation_id(self, func: Callable, path: str, method: str) -> str:
        return func.__name__


def component_name(model: type) -> str:
    """Top-level components: the class name, which the schema's ``title`` also holds."""
    return model.__name__


def nested_component_name(_parent: str, child: str) -> str:
    """Nested models (pydantic ``$defs``) share one component by their own class name."""
    return child


# the contract's order of the operations' groups (spectree lists tags as it first meets them)
TAGS = (
    "auth", "checklist", "engagements", "tailoring", "answers", "questions", "judgements", "monitoring", "audit", "inbox", "advisories",
    "library", "excel",
)
# what the API's before_request check answers on any route that takes a body
BODY_ERRORS = {"400": "Bad Request", "413": "Request Entity Too Large", "415": "Unsupported Media Type"}


def served_document(spec: dict[str, Any]) -> dict[str, Any]:
    """The document as ``GET /api/v1/openapi.json`` serves it: spectree's, with the request
    bodies no field of which is required marked ``required: false``, the errors of a body
    that cannot be read documented on every operation that takes one, the tags in ``TAGS``'
    order (a tag missing there fails loudly)."""
    spec["tags"].sort(key=lambda tag: TAGS.index(tag["name"]))
    schemas = spec["components"]["schemas"]
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for operations in spec["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody")
            if not body:
                continue
            if all(_no_required_field(content["schema"], schemas) for content in body["content"].values()):
                body["required"] = False
            for status, description in BODY_ERRORS.items():
                operation["responses"].setdefault(status, {"description": description, "content": error})
    return spec


def _no_required_field(schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    ref = schema.get("$ref", "")
    target = schemas.get(ref.rsplit("/", 1)[-1], schema) if ref else schema
    return target.get("type") == "object" and not target.get("required")
