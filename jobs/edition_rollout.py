"""edition_rollout: engagements in monitoring move to the newest checklist edition; the
items that changed or were added get an ``item_changed`` review cycle."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from service.bootstrap import Container
from service.domain.actors import SYSTEM_ACTOR
from service.domain.engagement import Engagement
from service.domain.errors import EditionConflict, StaleVersion, WrongState
from service.views import BoardFilter

from .runner import EachDue, Tally


class EditionRollout(EachDue):
    id = "edition_rollout"
    conflicts = (StaleVersion, WrongState)
    refusals = (EditionConflict,)  # the reviewer resolves it by hand

    def select(self, container: Container, today: date) -> Iterable[str]:
        current = container.editions.current().id
        rows = container.views.board(SYSTEM_ACTOR, BoardFilter(state="monitoring"), paginate=False)
        return [row["engagement_id"] for row in rows if row["edition"] != current]

    def load(self, container: Container, engagement_id: str) -> Engagement:
        return container.store.engagement(SYSTEM_ACTOR, engagement_id)

    def due(self, container: Container, engagement: Engagement, today: date) -> list[str]:
        current = container.editions.current().id
        return [current] if engagement.state == "monitoring" and engagement.edition != current else []

    def command(self, container: Container, engagement: Engagement, _edition: str) -> bool:
        """Whether moving opened a review cycle."""
        after = container.engagements.adopt_edition(SYSTEM_ACTOR, engagement.id, expected_version=engagement.version)
        return after.cycle["number"] > engagement.cycle["number"]

    def report(self, tally: Tally) -> dict[str, Any]:
        return {
            "moved": len(tally.done),
            "cycles": sum(opened for _, _, opened in tally.done),
            "conflicts": tally.refused,
            "skipped": tally.behind + tally.lost,
        }


edition_rollout = EditionRollout()
