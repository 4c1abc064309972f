"""When monitoring work falls due: one rule read by the job that starts the annual cycle
and by the inbox that shows it as waiting, so the two never disagree."""

from __future__ import annotations

from datetime import date

from .codes import State


def annual_cycle_due(state: str, next_review_on: str | None, today: date) -> bool:
    """An engagement in monitoring whose agreed review date has come (or passed, after an outage)."""
    return state == State.MONITORING and next_review_on is not None and date.fromisoformat(next_review_on) <= today
