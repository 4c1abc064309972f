"""Scheduled jobs (jobs/runner.py gives them their one shape). Each is called with the
container and the business day and is idempotent: run twice on one day, or once after a
long outage, it does exactly what one timely run would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from service.bootstrap import Container

from .advisory_fanout import advisory_fanout
from .annual_monitoring import annual_monitoring
from .certificate_expiry import certificate_expiry
from .edition_rollout import edition_rollout
from .outbox import outbox
from .reminders import reminders
from .runner import Job


@dataclass(frozen=True)
class Schedule:
    """When the clock runs a job (cron fields in APP_TIMEZONE)."""

    job: Job
    cron: dict[str, str]


SCHEDULES: dict[str, Schedule] = {
    schedule.job.id: schedule
    for schedule in (
        Schedule(annual_monitoring, {"hour": "6", "minute": "0"}),
        Schedule(advisory_fanout, {"minute": "*/5"}),
        Schedule(reminders, {"hour": "8", "minute": "30"}),
        Schedule(edition_rollout, {"hour": "5", "minute": "30"}),
        Schedule(certificate_expiry, {"hour": "7", "minute": "0"}),
        Schedule(outbox, {"minute": "*"}),
    )
}


def run_job(container: Container, job_id: str, today: date) -> dict[str, Any]:
    """Run one job for ``today``, recording the run (for /metrics and operators)."""
    started = datetime.now(timezone.utc)
    try:
        result = SCHEDULES[job_id].job(container, today)
    except Exception as error:
        container.health.record_run(job_id, today, started, "failed", {"error": repr(error)})
        raise
    container.health.record_run(job_id, today, started, "ok", result)
    return result
