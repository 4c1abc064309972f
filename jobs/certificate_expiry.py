"""certificate_expiry: tell the connector 60, 30 and 0 days before a certification
expires (each notice once, including those missed during an outage)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from service.bootstrap import Container
from service.domain.actors import SYSTEM_ACTOR
from service.domain.answer_library import EXPIRY_NOTICE_DAYS
from service.domain.errors import StaleVersion


def certificate_expiry(container: Container, today: date) -> dict[str, Any]:
    noticed = 0
    horizon = (today + timedelta(days=max(EXPIRY_NOTICE_DAYS))).isoformat()
    for certification in container.library_views.expiring(horizon):
        valid_until = date.fromisoformat(certification["valid_until"])
        for days_before in sorted(EXPIRY_NOTICE_DAYS, reverse=True):
            if today < valid_until - timedelta(days=days_before):
                continue
            library = container.library.library(SYSTEM_ACTOR, certification["connector_id"])
            if f"{certification['certification_id']}:{days_before}" in library.expiry_notices:
                continue
            try:
                container.library.notice_certification_expiry(
                    SYSTEM_ACTOR, certification["connector_id"], certification["certification_id"], days_before
                )
            except StaleVersion:
                continue  # a concurrent run recorded it
            noticed += 1
    return {"noticed": noticed}
