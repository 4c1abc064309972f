"""Request checks the schemas cannot express (JSON well-formedness, nesting depth, text
that cannot be stored or echoed, content type): the API's before any schema reads the body,
the pages' before any view looks a value up."""

from __future__ import annotations

import unicodedata
from typing import Any, Callable, Literal

from flask import request

from ..domain.errors import ControlCharacters
from ..domain.text import label_for
from ..messages import REQUEST_ERRORS

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
MAX_DEPTH = 32  # the deepest body a route takes is 4 levels; a deeper one is never valid

DeclaredBody = Literal["json", "form"] | None


class RequestValidationFailed(Exception):
    """The body or query does not match the route's schema (answered with 422)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("the request does not match the schema")
        self.errors = errors


class MalformedRequest(Exception):
    """The body cannot be read as the route's input at all (answered with ``status``)."""

    status = 400

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(REQUEST_ERRORS[code].format(**values))
        self.code = code


class UnsupportedMediaType(MalformedRequest):
    """The body is sent in another format than the one the route takes (415)."""

    status = 415

    def __init__(self, expected: str) -> None:
        super().__init__("unsupported_media_type", expected=expected)


def check_json_body(declared_body: Callable[[], DeclaredBody]) -> None:
    """A write takes the body its route declares (``declared_body()``) — JSON (an object,
    when there is a body at all) or a multipart form — and no text of the request (path,
    query, body) holds a character that can be neither stored nor echoed."""
    check_values({**(request.view_args or {}), **fields_of(request.args)})
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    declared = declared_body()
    if declared == "form":
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType("multipart/form-data")
        check_values(fields_of(request.form))
        return
    if request.mimetype in FORM_TYPES:
        raise UnsupportedMediaType("application/json")
    data = request.get_data(cache=True)
    if not data:
        return
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("application/json")
    try:
        parsed = request.get_json(silent=True)
    except RecursionError:
        raise MalformedRequest("json_too_deep", limit=MAX_DEPTH) from None
    if parsed is None:
        raise MalformedRequest("malformed_json")
    check_values(parsed)
    if declared == "json" and not isinstance(parsed, dict):
        # spectree would read [], 0 or false as {} (an empty body)
        raise RequestValidationFailed([{"loc": [], "msg": "Input should be a JSON object", "type": "model_type"}])


def fields_of(values: Any) -> dict[str, Any]:
    """A query's or form's fields by name: one value as itself, a repeated one as a list."""
    return {name: found[0] if len(found) == 1 else found for name, found in values.lists()}


def check_values(parsed: Any) -> None:
    """No deeper than ``MAX_DEPTH`` (each layer is validated and may be echoed in an error,
    one stack frame a level), and no unstorable character in any key or text."""
    pending: list[tuple[Any, str, int]] = [(parsed, "", 0)]
    while pending:
        value, where, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise MalformedRequest("json_too_deep", limit=MAX_DEPTH)
        if isinstance(value, dict):
            for key, inner in value.items():
                key = key if isinstance(key, str) else ""  # a form part may come without a name
                _refuse_unstorable(key, where, "本文の項目名")
                field = f"{where}.{key}" if where else key
                pending.append((inner, field, depth + 1))
        elif isinstance(value, list):
            pending.extend((inner, f"{where}[{index}]", depth + 1) for index, inner in enumerate(value))
        elif isinstance(value, str):
            _refuse_unstorable(value, where)


def _refuse_unstorable(text: str, field: str, label: str | None = None) -> None:
    """A lone surrogate (UTF-8 cannot encode one: neither stored nor sent back) or NUL
    (PostgreSQL refuses it in text, ids and lookups too). Other control characters are the
    domain's to refuse, field by field (``domain.text``). ``label``: what holds the text when
    it is not ``field``'s value (a key in it)."""
    bad = next((ch for ch in text if ch == "\x00" or unicodedata.category(ch) == "Cs"), None)
    if bad is not None:
        field = field.encode("utf-8", "replace").decode("utf-8")  # the path may hold one too
        character = f"U+{ord(bad):04X}"
        raise ControlCharacters(
            REQUEST_ERRORS["unstorable_character"].format(label=label or label_for(field) or "本文", character=character),
            field=field or None,
            character=character,
        )
