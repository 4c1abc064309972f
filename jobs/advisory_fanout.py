"""advisory_fanout: record each published advisory on every engagement that was active
when it was published (the same set whenever the job runs)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from service.bootstrap import Container
from service.domain.actors import SYSTEM_ACTOR
from service.domain.errors import AdvisoryAlreadyNoticed, StaleVersion, WrongState


def advisory_fanout(container: Container, today: date) -> dict[str, Any]:
    noticed, skipped = 0, 0
    for advisory, engagement_ids in container.advisory_views.to_fan_out():
        for engagement_id in engagement_ids:
            try:
                container.advisories.notice_advisory(
                    SYSTEM_ACTOR,
                    engagement_id,
                    advisory_id=advisory["advisory_id"],
                    title=advisory["title"],
                    items=json.loads(advisory["items"]),
                    respond_by=advisory["respond_by"],
                )
            except (AdvisoryAlreadyNoticed, WrongState, StaleVersion):
                skipped += 1
                continue
            noticed += 1
    return {"noticed": noticed, "skipped": skipped}
