"""outbox: deliver pending e-mails over SMTP_URL (at most once each; retries back off)."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.bootstrap import Container
from service.mailer import deliver_outbox


def outbox(container: Container, today: date) -> dict[str, Any]:
    container.projections.catch_up()  # messages of events written by other processes
    return deliver_outbox(container.engine, container.postman, container.store.clock())
