"""What the pages add to the one error mapping (``http.errors``): the error page itself, a
form sent with an expired CSRF token, and the pages' own input check."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..domain.errors import DomainError
from ..domain.text import label_for
from ..http.bodies import check_values, fields_of
from ..http.errors import http_error_text, wants_json
from ..messages import CSRF_EXPIRED

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


def error_page(status: int, code: str, message: str, title: str | None = None, typed: Any = ()) -> str:
    """The Japanese error page: the title of ``status`` unless given, and what a refused form held."""
    title = title or http_error_text(status)[0]
    return render_template("error.html", status=status, code=code, title=title, message=message, typed=typed)


def kept_form_page() -> Any:
    """An engagement form sent with an expired token: the page again, the typed text in its
    form and a fresh token, so sending once more is all it takes."""
    template = KEPT_FORMS.get(request.endpoint or "")
    if template is None or not current_user.is_authenticated:
        return None
    from .engagement_page import render_review

    form_key = template.format(**(request.view_args or {}))
    flash(CSRF_EXPIRED[1], "error")
    try:
        return render_review(request.view_args["engagement_id"], values={form_key: request.form}, errors={form_key: {}}, status=400)
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


def csrf_expired(_error: CSRFError) -> Any:
    kept = kept_form_page()
    if kept is not None:
        return kept
    title, message = CSRF_EXPIRED
    return error_page(400, "csrf_expired", message, title=title, typed=typed_fields()), 400


def check_page_input() -> None:
    """Pages: no NUL or lone surrogate in the path, query or form, refused before any view
    looks it up (PostgreSQL answers a NUL, even in a search, with an error, not no rows);
    the API checks its requests itself (``http.bodies.check_json_body``)."""
    if not wants_json():
        check_values({**(request.view_args or {}), **fields_of(request.args), **fields_of(request.form)})


def register_page_checks(app: Flask) -> None:
    app.before_request(check_page_input)
    app.register_error_handler(CSRFError, csrf_expired)
