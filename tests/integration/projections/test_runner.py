"""The projection runner on both stores: a rebuild equals the live rows and resumes after an
interruption, pages of any size give the same rows, an outdated read model is rebuilt at init,
concurrent runners apply each event exactly once."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from service.bootstrap import bootstrap
from service.demo import load_demo
from service.projections.audit_chain import verify_chain
from tests.integration.conftest import snapshot


class Interrupted(Exception):
    """A process stopping in the middle of a rebuild."""


def crash_after_first_page(_count: int) -> None:
    raise Interrupted


@pytest.mark.slow
def test_rebuild_yields_exactly_the_live_rows_and_resumes_after_interruption(container):
    load_demo(container)
    advisory = container.advisories.publish_advisory(
        container.accounts.authenticate("liaison@fisc.example", "demo-password-2026"),
        title="再構築の確認", body="本文", items=[1], respond_by=container.store.today() + timedelta(days=30),
    )
    from jobs.advisory_fanout import advisory_fanout

    advisory_fanout(container, container.store.today())
    live = snapshot(container)
    assert len(live["rm_board"]) == 8 and len(live["rm_advisories"]) == 1 and advisory  # the demo's eight engagements
    assert len(live["rm_change_reports"]) == 1 and len(live["rm_change_report_reach"]) == 1
    assert len(live["notifications"]) > 0 and len(live["outbox"]) > 0
    for name in container.projections.projections:
        container.projections.rebuild(name)
    assert snapshot(container) == live

    container.projections.page_size = 50
    with pytest.raises(Interrupted):
        container.projections.rebuild("timeline", progress=crash_after_first_page)
    assert container.projections.is_rebuilding("timeline")
    with container.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM rm_timeline")) == 50
    container.projections.rebuild("timeline")
    assert not container.projections.is_rebuilding("timeline")
    assert snapshot(container) == live


@pytest.mark.slow
def test_read_models_are_the_same_whatever_the_page_size(container):
    """Batched pages (PageRows) give the rows that event-by-event application gives:
    every story of the benchmark dataset, replayed three events per page and 500 per page."""
    from bench.dataset import load

    load(container, 12, random.Random(9))
    runner = container.projections
    runner.catch_up()
    by_page_of_500 = snapshot(container)
    assert len(by_page_of_500["rm_board"]) == 12 and by_page_of_500["rm_inbox"] and by_page_of_500["outbox"]
    runner.page_size = 3
    for name in ("board", "item_matrix", "inbox", "notifications"):
        runner.rebuild(name)
    assert snapshot(container) == by_page_of_500


def test_a_read_model_written_by_an_older_projection_version_is_rebuilt_at_init(container, people):
    c, runner = container, container.projections
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="版の更新")
    for number in (1, 2, 3):
        c.review.save_answer(people.connector, engagement.id, number, status="implemented", current_state="済")
    assert runner.upgrade() == []  # every read model is current
    current = snapshot(container)
    assert current["rm_item_summary"] == [(str(engagement.id), "44", "44", "3", "0", "0", "0")]
    with container.engine.begin() as connection:  # as a store from before rm_item_summary existed
        connection.execute(text("DELETE FROM rm_item_summary"))
        connection.execute(text("DELETE FROM projection_versions WHERE name = 'item_matrix'"))
    assert container.views.board(people.reviewer)[0]["answered"] == 0

    container.init()
    assert snapshot(container) == current
    assert container.views.board(people.reviewer)[0]["answered"] == 3
    assert runner.upgrade() == []

    with pytest.raises(Interrupted):
        runner.rebuild("board", progress=crash_after_first_page)
    assert runner.is_rebuilding("board")
    assert runner.upgrade() == ["board"] and not runner.is_rebuilding("board")
    assert snapshot(container) == current


def test_concurrent_runners_apply_each_event_exactly_once(container, people, store):
    settings = store.settings
    quiet = type(settings)(**{**settings.__dict__, "project_synchronously": False})
    writer = bootstrap(quiet)
    try:
        engagement = writer.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="並行")
        for number in range(1, 31):
            writer.review.save_answer(people.connector, engagement.id, number, status="implemented", current_state="済")
        runners = [bootstrap(quiet) for _ in range(3)]
        for runner in runners:
            runner.projections.page_size = 7
        threads = [threading.Thread(target=r.projections.catch_up) for r in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for runner in runners:
            runner.close()
    finally:
        writer.close()
    rows = container.views.timeline(people.reviewer, str(engagement.id))
    assert [row["version"] for row in rows] == list(range(1, 32))
    assert container.views.board(people.reviewer)[0]["answered"] == 30
    assert verify_chain(container.engine, container.store.recorder).broken_at is None


def test_a_catch_up_keeps_its_positions_in_two_statements_and_recreates_a_missing_row(container, people):
    """Locking the tracking rows and moving them past a page are one statement each,
    whatever the number of read models (they were one per read model, twice)."""
    from sqlalchemy import event

    c, runner = container, container.projections
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="追跡")
    tracking_statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if "projection_tracking" in statement and not statement.lstrip().upper().startswith("SELECT"):
            tracking_statements.append(statement)

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        c.review.save_answer(people.connector, engagement.id, 1, status="implemented", current_state="済")  # caught up after saving
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
    assert len(runner.projections) == 9 and len(tracking_statements) == 2  # every read model, in two statements
    head = c.store.recorder.max_notification_id()
    assert set(runner.positions().values()) == {head}

    with container.engine.begin() as connection:  # a row gone (an emptied table): recreated at 0, replayed
        connection.execute(text("DELETE FROM projection_tracking WHERE name = 'timeline'"))
        connection.execute(text("DELETE FROM rm_timeline"))
    assert runner.catch_up() == head
    assert runner.positions()["timeline"] == head
    assert [row["version"] for row in container.views.timeline(people.reviewer, str(engagement.id))] == [1, 2]
