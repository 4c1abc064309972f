"""Scheduled jobs. Each is a function of (container, today), idempotent: run twice on
one day, or once after a long outage, it does exactly what one timely run would."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable

from service.bootstrap import Container
from service.health import job_runs

from .advisory_fanout import advisory_fanout
from .annual_monitoring import annual_monitoring
from .certificate_expiry import certificate_expiry
from .edition_rollout import edition_rollout
from .outbox import outbox
from .reminders import reminders

Job = Callable[[Container, date], dict[str, Any]]


@dataclass(frozen=True)
class Schedule:
    """When the clock runs a job (cron fields in APP_TIMEZONE)."""

    job: Job
    cron: dict[str, str]


SCHEDULES: dict[str, Schedule] = {
    "annual_monitoring": Schedule(annual_monitoring, {"hour": "6", "minute": "0"}),
    "advisory_fanout": Schedule(advisory_fanout, {"minute": "*/5"}),
    "reminders": Schedule(reminders, {"hour": "8", "minute": "30"}),
    "edition_rollout": Schedule(edition_rollout, {"hour": "5", "minute": "30"}),
    "certificate_expiry": Schedule(certificate_expiry, {"hour": "7", "minute": "0"}),
    "outbox": Schedule(outbox, {"minute": "*"}),
}


def run_job(container: Container, job_id: str, today: date) -> dict[str, Any]:
    """Run one job for ``today``, recording the run (for /metrics and operators)."""
    started = datetime.now(timezone.utc)
    try:
        result = SCHEDULES[job_id].job(container, today)
    except Exception as error:
        _record(container, job_id, today, started, "failed", {"error": repr(error)})
        raise
    _record(container, job_id, today, started, "ok", result)
    return result


def _record(container: Container, job_id: str, today: date, started: Any, outcome: str, result: Any) -> None:
    with container.engine.begin() as connection:
        connection.execute(
            job_runs.insert().values(
                job=job_id,
                today=today.isoformat(),
                started_at=started,
                finished_at=datetime.now(timezone.utc),
                outcome=outcome,
                result=json.dumps(result, ensure_ascii=False, default=str),
            )
        )
