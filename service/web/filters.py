"""Template filters: times in the application's zone (JST), Japanese labels for codes,
and the inline message of a form field."""

from __future__ import annotations

import functools
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup, escape

from ..domain.checklist import Party
from ..domain.codes import AnswerStatus, CycleReason, Outcome, Role, State, Verdict
from ..domain.text import label_for

LABELLED = {
    "status": AnswerStatus,
    "verdict": Verdict,
    "outcome": Outcome,
    "state": State,
    "reason": CycleReason,
    "role": Role,
    "party": Party,
}


def register_filters(app: Flask, zone: ZoneInfo) -> None:
    for helper in (field_error, code_options, code_radios):
        app.add_template_global(helper)

    @app.template_filter("jst")
    def local_time(value: datetime | str | None, with_time: bool = True) -> str:
        if value in (None, ""):
            return "—"
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        local = value.astimezone(zone)
        return local.strftime("%Y-%m-%d %H:%M") if with_time else local.strftime("%Y-%m-%d")

    @app.template_global("who")
    def who(by: dict[str, str], at: datetime | str) -> Markup:
        """Who wrote it and when: 名前（組織）日時 (the review page shows ~70 of them)."""
        return Markup(f'<span class="muted">{escape(by["name"])}（{escape(by["org"])}）{local_time(at)}</span>')

    @app.template_filter("day")
    def day(value: date | str | None) -> str:
        if value in (None, ""):
            return "—"
        return value if isinstance(value, str) else value.isoformat()

    @app.template_filter("method_groups")
    def method_groups(methods) -> list[tuple[str, list[str]]]:
        """手法例 under their ＜…＞ headings in the checklist's order (Jinja's groupby sorts)."""
        groups: dict[str, list[str]] = {}
        for method in methods:
            groups.setdefault(method.group, []).append(method.text)
        return list(groups.items())

    app.add_template_filter(label_for, "field_label")

    @app.template_filter("label")
    def label(value: str | None, kind: str) -> str:
        if value is None:
            return "—"
        try:
            return LABELLED[kind](value).label
        except ValueError:
            return value


@functools.lru_cache(maxsize=256)
def code_options(kind: str, current: str | None = None) -> Markup:
    """The ``<option>`` list of a code (``LABELLED``) with ``current`` selected; built once per
    value, as the review page has a select per item."""
    return Markup("").join(
        Markup('<option value="{}"{}>{}</option>').format(code.value, _flag(" selected", code.value == current), code.label)
        for code in LABELLED[kind]
    )


@functools.lru_cache(maxsize=256)
def code_radios(name: str, kind: str, current: str | None = None) -> Markup:
    """Radio buttons ``name`` for each value of a code, ``current`` checked (built once per value)."""
    return Markup("").join(
        Markup('<label class="check"><input type="radio" name="{}" value="{}"{}> {}</label>').format(
            name, code.value, _flag(" checked", code.value == current), code.label
        )
        for code in LABELLED[kind]
    )


def _flag(attribute: str, on: bool) -> Markup:
    return Markup(attribute) if on else Markup("")


def field_error(text: str | None) -> Markup:
    """The message next to a form field, or nothing (a function, not a Jinja macro: the
    review page asks for hundreds of them, nearly all empty)."""
    if not text:
        return Markup("")
    return Markup('<span class="field-error" role="alert">{}</span>').format(escape(text))
