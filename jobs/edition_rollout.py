"""edition_rollout: engagements in monitoring move to the newest checklist edition; the
items that changed or were added get an ``item_changed`` review cycle."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.bootstrap import Container
from service.domain.actors import SYSTEM_ACTOR
from service.domain.errors import EditionConflict, StaleVersion, WrongState
from service.views import BoardFilter


def edition_rollout(container: Container, today: date) -> dict[str, Any]:
    current = container.editions.current().id
    moved, cycles, conflicts, skipped = 0, 0, [], 0
    rows = container.views.board(SYSTEM_ACTOR, BoardFilter(state="monitoring"), paginate=False)
    for row in rows:
        if row["edition"] == current:
            continue
        engagement = container.store.engagement(SYSTEM_ACTOR, row["engagement_id"])
        if engagement.state != "monitoring" or engagement.edition == current:
            skipped += 1
            continue
        try:
            after = container.engagements.adopt_edition(SYSTEM_ACTOR, engagement.id, expected_version=engagement.version)
        except EditionConflict:
            conflicts.append(row["engagement_id"])  # the reviewer resolves it by hand
            continue
        except (StaleVersion, WrongState):
            skipped += 1
            continue
        moved += 1
        cycles += after.cycle["number"] > engagement.cycle["number"]
    return {"moved": moved, "cycles": cycles, "conflicts": conflicts, "skipped": skipped}
