"""Template filters: times in the application's zone (JST), Japanese labels for codes,
and the inline message of a form field."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup, escape

from ..domain.checklist import Party
from ..domain.codes import AnswerStatus, CycleReason, Outcome, Role, State, Verdict

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
    app.add_template_global(field_error)

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

    @app.template_filter("label")
    def label(value: str | None, kind: str) -> str:
        if value is None:
            return "—"
        try:
            return LABELLED[kind](value).label
        except ValueError:
            return value


def field_error(text: str | None) -> Markup:
    """The message next to a form field, or nothing (a function, not a Jinja macro: the
    review page asks for hundreds of them, nearly all empty)."""
    if not text:
        return Markup("")
    return Markup('<span class="field-error" role="alert">{}</span>').format(escape(text))
