"""annual_monitoring: every engagement in monitoring whose agreed review date has come
starts an ``annual`` review cycle (both sides are notified from the event)."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from service.bootstrap import Container
from service.domain.actors import SYSTEM_ACTOR
from service.domain.engagement import Engagement
from service.domain.errors import StaleVersion, WrongState
from service.domain.monitoring import annual_cycle_due
from service.views import BoardFilter

from .runner import EachDue, Tally


class AnnualMonitoring(EachDue):
    id = "annual_monitoring"
    conflicts = (WrongState, StaleVersion)

    def select(self, container: Container, today: date) -> Iterable[str]:
        rows = container.views.board(SYSTEM_ACTOR, BoardFilter(overdue_on=today), paginate=False)
        return [row["engagement_id"] for row in rows]

    def load(self, container: Container, engagement_id: str) -> Engagement:
        return container.store.engagement(SYSTEM_ACTOR, engagement_id)

    def due(self, container: Container, engagement: Engagement, today: date) -> list[str]:
        return [engagement.next_review_on] if annual_cycle_due(engagement.state, engagement.next_review_on, today) else []

    def command(self, container: Container, engagement: Engagement, review_on: str) -> Engagement:
        return container.engagements.start_review_cycle(
            SYSTEM_ACTOR,
            engagement.id,
            reason="annual",
            note=f"年次モニタリング（予定日 {review_on}）",
            expected_version=engagement.version,
        )

    def report(self, tally: Tally) -> dict[str, Any]:
        started = [engagement_id for engagement_id, _, _ in tally.done]
        return {"started": len(started), "skipped": tally.behind + tally.lost, "engagements": started}


annual_monitoring = AnnualMonitoring()
