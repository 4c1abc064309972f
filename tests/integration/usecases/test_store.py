"""The engagement store under the use cases, on each store: other organisations see nothing,
a stale or concurrent write is refused and loses nothing, and as-of answers with the
engagement as it was, against an independent replay and while the timeline lags."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from service.bootstrap import bootstrap
from service.domain.engagement import Engagement
from service.domain.errors import (
    EngagementNotFound,
    RoleNotAllowed,
    StaleVersion,
)


def test_other_organisations_see_nothing(container, people):
    c = container
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="審査")
    for outsider in (people.other_reviewer, people.other_connector, people.liaison, people.admin):
        with pytest.raises(EngagementNotFound):
            c.store.engagement(outsider, engagement.id)
        with pytest.raises(EngagementNotFound):
            c.review.save_answer(outsider, engagement.id, 1, status="implemented", current_state="x")
    with pytest.raises(EngagementNotFound):
        c.store.engagement(people.reviewer, "not-a-uuid")
    assert c.store.engagement(people.auditor, engagement.id).id == engagement.id
    with pytest.raises(RoleNotAllowed):
        c.review.save_answer(people.auditor, engagement.id, 38, status="implemented", current_state="x")


def test_stale_expected_version_is_a_conflict_and_nothing_is_lost(container, people):
    c = container
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="審査")
    stale = engagement.version
    c.review.save_answer(people.connector, engagement.id, 1, status="implemented", current_state="A", expected_version=stale)
    with pytest.raises(StaleVersion) as conflict:
        c.review.save_answer(people.connector, engagement.id, 1, status="partial", current_state="B", expected_version=stale)
    assert conflict.value.context["current_version"] == stale + 1
    assert c.store.engagement(people.connector, engagement.id).item(1)["answer"]["current_state"] == "A"


def test_concurrent_writers_never_lose_an_update(container, people, store):
    """Two processes load the same version; the second save is refused, not merged away."""
    c = container
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="審査")
    other = bootstrap(store.settings)
    try:
        mine = c.store.repository.get(engagement.id)
        theirs = other.store.repository.get(engagement.id)
        mine.save_answer(people.connector, 1, status="implemented", current_state="mine")
        theirs.save_answer(people.connector, 2, status="implemented", current_state="theirs")
        c.store.keep(mine)
        with pytest.raises(StaleVersion):
            other.store.keep(theirs)
    finally:
        other.close()
    stored = c.store.engagement(people.reviewer, engagement.id)
    assert stored.item(1)["answer"]["current_state"] == "mine"
    assert stored.item(2)["answer"] is None


def test_as_of_shows_the_engagement_as_it_was(container, people):
    c = container
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="審査")
    c.review.save_answer(people.connector, engagement.id, 1, status="implemented", current_state="最初の回答")
    between = datetime.now(timezone.utc)
    c.review.save_answer(people.connector, engagement.id, 1, status="partial", current_state="修正後の回答")
    then = c.store.engagement(people.auditor, engagement.id, as_of=between)
    assert then.item(1)["answer"]["current_state"] == "最初の回答"
    assert c.store.engagement(people.auditor, engagement.id).item(1)["answer"]["current_state"] == "修正後の回答"
    with pytest.raises(EngagementNotFound):
        c.store.engagement(people.auditor, engagement.id, as_of=between - timedelta(days=1))


def test_as_of_equals_an_independent_replay_at_random_instants_and_around_snapshots(container, people):
    c = container
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="履歴")
    rng = random.Random(7)
    for step in range(229):
        number = rng.randint(1, 37)
        c.review.save_answer(people.connector, engagement.id, number, status="partial", current_state=f"版{step}")
    events = list(c.store.events.get(engagement.id))
    assert [snapshot.originator_version for snapshot in c.store.snapshots.get(engagement.id)] == [100, 200]
    around_snapshots = [0, 98, 99, 100, 150, 199, 200, 229]
    for index in around_snapshots + rng.sample(range(len(events)), 6):
        instant = events[index].timestamp
        replayed: Engagement | None = None
        for event in events:
            if event.timestamp <= instant:
                replayed = event.mutate(replayed)
        as_of = c.store.engagement(people.auditor, engagement.id, as_of=instant)
        assert as_of.version == replayed.version
        assert {k: v for k, v in as_of.__dict__.items() if k != "_pending_events"} == {
            k: v for k, v in replayed.__dict__.items() if k != "_pending_events"
        }


def test_as_of_scans_the_events_while_the_timeline_is_behind(store, people):
    """A process that does not project (the projector lags): the timeline index is not
    trusted for an engagement it has not caught up with, and as-of still answers right."""
    writer = bootstrap(replace(store.settings, project_synchronously=False))
    try:
        engagement = writer.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="遅れ")
        writer.projections.catch_up()
        writer.review.save_answer(people.connector, engagement.id, 1, status="implemented", current_state="最初")
        between = datetime.now(timezone.utc)
        writer.review.save_answer(people.connector, engagement.id, 1, status="partial", current_state="後")
        at, latest = writer.views.versions_at(str(engagement.id), between)
        assert (at, latest) == (1, 1)  # the index only knows the opening
        then = writer.store.engagement(people.auditor, engagement.id, as_of=between)
        assert then.version == 2 and then.item(1)["answer"]["current_state"] == "最初"
        writer.projections.catch_up()
        assert writer.views.versions_at(str(engagement.id), between) == (2, 3)
        assert writer.store.engagement(people.auditor, engagement.id, as_of=between).version == 2
    finally:
        writer.close()
