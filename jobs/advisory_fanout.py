"""advisory_fanout: record each published advisory on every engagement that was active
when it was published (the same set whenever the job runs)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Iterable

from service.bootstrap import Container
from service.domain.actors import SYSTEM_ACTOR
from service.domain.errors import AdvisoryAlreadyNoticed, StaleVersion, WrongState

from .runner import EachDue, Tally

Delivery = tuple[dict[str, Any], str]  # (the advisory, an engagement that lacks it)


class AdvisoryFanout(EachDue):
    id = "advisory_fanout"
    conflicts = (AdvisoryAlreadyNoticed, WrongState, StaleVersion)

    def select(self, container: Container, today: date) -> Iterable[Delivery]:
        return [
            (advisory, engagement_id)
            for advisory, engagement_ids in container.advisory_views.to_fan_out()
            for engagement_id in engagement_ids
        ]

    def command(self, container: Container, delivery: Delivery, _work: Delivery) -> Any:
        advisory, engagement_id = delivery
        return container.advisories.notice_advisory(
            SYSTEM_ACTOR,
            engagement_id,
            advisory_id=advisory["advisory_id"],
            title=advisory["title"],
            items=json.loads(advisory["items"]),
            respond_by=advisory["respond_by"],
        )

    def report(self, tally: Tally) -> dict[str, Any]:
        return {"noticed": len(tally.done), "skipped": tally.lost}


advisory_fanout = AdvisoryFanout()
