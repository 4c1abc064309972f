"""certificate_expiry: tell the connector 60, 30 and 0 days before a certification
expires (each notice once, including those missed during an outage)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterable, NamedTuple

from service.bootstrap import Container
from service.domain.actors import SYSTEM_ACTOR
from service.domain.answer_library import EXPIRY_NOTICE_DAYS, AnswerLibrary

from .runner import EachDue, Tally


class Expiring(NamedTuple):
    certification: dict[str, Any]
    library: AnswerLibrary  # its connector's, where the notices already sent are recorded


class CertificateExpiry(EachDue):
    id = "certificate_expiry"

    def select(self, container: Container, today: date) -> Iterable[dict[str, Any]]:
        return container.library_views.expiring((today + timedelta(days=max(EXPIRY_NOTICE_DAYS))).isoformat())

    def load(self, container: Container, certification: dict[str, Any]) -> Expiring:
        return Expiring(certification, container.library.library(SYSTEM_ACTOR, certification["connector_id"]))

    def due(self, container: Container, expiring: Expiring, today: date) -> list[int]:
        """The notices (days before expiry) whose day has come and that were not sent yet."""
        certification = expiring.certification
        valid_until = date.fromisoformat(certification["valid_until"])
        return [
            days_before
            for days_before in sorted(EXPIRY_NOTICE_DAYS, reverse=True)
            if today >= valid_until - timedelta(days=days_before)
            and f"{certification['certification_id']}:{days_before}" not in expiring.library.expiry_notices
        ]

    def command(self, container: Container, expiring: Expiring, days_before: int) -> None:
        certification = expiring.certification
        container.library.notice_certification_expiry(
            SYSTEM_ACTOR, certification["connector_id"], certification["certification_id"], days_before
        )

    def report(self, tally: Tally) -> dict[str, Any]:
        return {"noticed": len(tally.done)}


certificate_expiry = CertificateExpiry()
