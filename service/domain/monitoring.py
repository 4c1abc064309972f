"""Monitoring after connection: when work falls due (one rule read by the job that starts the
annual cycle and by the inbox that shows it as waiting, so the two never disagree), and the
plan both sides agree on (解説書 §3: the timing, method and depth of monitoring are agreed)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum
from typing import Any

from .codes import State
from .errors import Invalid
from .text import clean_text

DEFAULT_MONTHS = 12  # without an agreed plan: the decision date one year later


class Depth(str, Enum):
    """How much a planned monitoring cycle reviews again."""

    FULL = "full"  # every item
    CHANGED_ITEMS = "changed_items"  # the items that changed since the last cycle
    SELECTED_ITEMS = "selected_items"  # the items the plan names

    @property
    def label(self) -> str:
        return {"full": "全項目", "changed_items": "前回から変化のあった項目", "selected_items": "選んだ項目"}[self.value]


def months_later(day: date, months: int) -> date:
    """The same calendar day ``months`` later (the month's last day where it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (first_of_next - timedelta(days=1)).day))


def checked_plan(frequency_months: Any, depth: Any, items: Any, note: Any, active: list[int]) -> dict[str, Any]:
    """A proposed plan: every 1–36 months, a depth, the items for ``selected_items``."""
    if not isinstance(frequency_months, int) or isinstance(frequency_months, bool) or not 1 <= frequency_months <= 36:
        raise Invalid("モニタリングの間隔は1〜36か月で指定してください。", field="frequency_months")
    try:
        code = Depth(depth)
    except ValueError:
        raise Invalid("確認の範囲は full、changed_items、selected_items のいずれかです。", field="depth") from None
    numbers = sorted(set(items or ())) if isinstance(items, (list, tuple)) else None
    if numbers is None or any(not isinstance(n, int) or isinstance(n, bool) or n not in active for n in numbers):
        raise Invalid("対象の確認項目は、審査対象の通番の一覧で指定してください。", field="items")
    if code is Depth.SELECTED_ITEMS and not numbers:
        raise Invalid("「選んだ項目」の計画には対象の確認項目を指定してください。", field="items")
    return {
        "frequency_months": frequency_months,
        "depth": code.value,
        "items": numbers if code is Depth.SELECTED_ITEMS else [],
        "note": clean_text(note or "", "note", limit=2_000),
    }


def annual_cycle_due(state: str, next_review_on: str | None, today: date) -> bool:
    """An engagement in monitoring whose agreed review date has come (or passed, after an outage)."""
    return state == State.MONITORING and next_review_on is not None and date.fromisoformat(next_review_on) <= today
