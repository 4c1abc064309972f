"""annual_monitoring: every engagement in monitoring whose agreed review date has come
starts an ``annual`` review cycle (both sides are notified from the event)."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.bootstrap import Container
from service.domain.actors import SYSTEM_ACTOR
from service.domain.errors import StaleVersion, WrongState
from service.views import BoardFilter


def annual_monitoring(container: Container, today: date) -> dict[str, Any]:
    started, skipped = [], 0
    due = container.views.board(SYSTEM_ACTOR, BoardFilter(overdue_on=today), paginate=False)
    for row in due:
        engagement = container.store.engagement(SYSTEM_ACTOR, row["engagement_id"])
        if engagement.state != "monitoring" or not engagement.next_review_on or engagement.next_review_on > today.isoformat():
            skipped += 1  # the read model was behind: already started, or moved
            continue
        try:
            container.engagements.start_review_cycle(
                SYSTEM_ACTOR,
                engagement.id,
                reason="annual",
                note=f"年次モニタリング（予定日 {engagement.next_review_on}）",
                expected_version=engagement.version,
            )
        except (WrongState, StaleVersion):
            skipped += 1  # another run got there first
            continue
        started.append(row["engagement_id"])
    return {"started": len(started), "skipped": skipped, "engagements": started}
