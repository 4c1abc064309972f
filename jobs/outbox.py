"""outbox: deliver pending e-mails over SMTP_URL (at most once each; retries back off)."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.bootstrap import Container

from .runner import Job


class Outbox(Job):
    """Not an ``EachDue`` loop: the mailer claims each message itself, so runs never overlap on one."""

    id = "outbox"

    def __call__(self, container: Container, today: date) -> dict[str, Any]:
        container.projections.catch_up()  # messages of events written by other processes
        return container.mailer.deliver(container.store.clock())


outbox = Outbox()
