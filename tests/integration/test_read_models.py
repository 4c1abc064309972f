"""Read side on both stores: read-your-writes, rebuild equals live, exactly-once,
as-of against an independent replay, the audit hash chain and the inbox."""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from service.bootstrap import bootstrap
from service.demo import load_demo
from service.domain.engagement import Engagement
from service.projections.audit_chain import verify_chain


def snapshot(container) -> dict[str, list[tuple]]:
    """Every row of every read model, in a stable order."""
    rows = {}
    with container.engine.connect() as connection:
        for projection in container.projections.projections.values():
            for table in projection.tables:
                rows[table.name] = sorted(tuple(map(str, row)) for row in connection.execute(select(table)))
    return rows


class Interrupted(Exception):
    """A process stopping in the middle of a rebuild."""


def crash_after_first_page(_count: int) -> None:
    raise Interrupted


def test_commands_show_on_the_board_timeline_and_inbox_at_once(container, people):
    c, views = container, container.views
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="参照系API")
    row = views.board_row(people.connector, engagement.id)
    assert (row["state"], row["cycle"], row["connector_name"]) == ("draft", 1, "フィンテック株式会社")
    assert [e["kind"] for e in views.inbox(people.connector, c.store.today())] == ["answers_due"]
    assert views.inbox(people.reviewer, c.store.today()) == []

    c.review.save_answer(people.connector, engagement.id, 1, status="implemented", current_state="規程を整備")
    board = views.board(people.reviewer)
    assert [(r["engagement_id"], r["answered"], r["items_total"]) for r in board] == [(str(engagement.id), 1, 44)]
    assert views.board(people.other_reviewer) == []
    with pytest.raises(Exception):
        views.timeline(people.other_connector, str(engagement.id))

    timeline = views.timeline(people.auditor, str(engagement.id))
    assert [(t["type"], t["actor_name"], t["actor_org"]) for t in timeline] == [
        ("Opened", "reviewer", "東西銀行"),
        ("AnswerSaved", "staff", "フィンテック株式会社"),
    ]
    assert timeline[1]["text"] == "対応済: 規程を整備" and timeline[1]["item"] == 1


def test_inbox_follows_the_conversation(container, people):
    c, views = container, container.views
    engagement = c.engagements.open_engagement(
        people.reviewer,
        connector_org_id=people.connector.org_id,
        title="更新系API",
        dropped_items=[{"number": n, "reason": "対象外"} for n in range(3, 45)],
    )
    for number in (1, 2):
        c.review.save_answer(people.connector, engagement.id, number, status="implemented", current_state="実施")
    c.review.submit(people.connector, engagement.id)
    assert [e["kind"] for e in views.inbox(people.reviewer, c.store.today())] == ["to_judge"]

    question_id, _ = c.review.ask_question(people.reviewer, engagement.id, 2, "詳細を教えてください")
    assert [e["kind"] for e in views.inbox(people.connector, c.store.today())] == ["question_to_answer"]
    c.review.post_reply(people.connector, engagement.id, question_id, "回答します")
    assert views.inbox(people.connector, c.store.today()) == []
    assert {e["kind"] for e in views.inbox(people.reviewer, c.store.today())} == {"to_judge", "reply_to_review"}
    c.review.close_question(people.reviewer, engagement.id, question_id)
    for number in (1, 2):
        c.review.judge_item(people.reviewer, engagement.id, number, verdict="satisfied")
    assert [e["kind"] for e in views.inbox(people.reviewer, c.store.today())] == ["decision_due"]

    c.review.decide(people.reviewer, engagement.id, outcome="approved", comment="承認")
    assert views.inbox(people.reviewer, c.store.today()) == []
    a_year_on = c.store.today() + timedelta(days=366)
    due = views.inbox(people.reviewer, a_year_on)
    assert [e["kind"] for e in due] == ["review_due"] and due[0]["age_days"] >= 0
    assert views.inbox(people.auditor, a_year_on) == []


def test_rebuild_yields_exactly_the_live_rows_and_resumes_after_interruption(container):
    load_demo(container)
    advisory = container.advisories.publish_advisory(
        container.accounts.authenticate("liaison@fisc.example", "demo-password-2026"),
        title="再構築の確認", body="本文", items=[1], respond_by=container.store.today() + timedelta(days=30),
    )
    from jobs.advisory_fanout import advisory_fanout

    advisory_fanout(container, container.store.today())
    live = snapshot(container)
    assert len(live["rm_board"]) == 7 and len(live["rm_advisories"]) == 1 and advisory
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
    assert len(runner.projections) == 8 and len(tracking_statements) == 2
    head = c.store.recorder.max_notification_id()
    assert set(runner.positions().values()) == {head}

    with container.engine.begin() as connection:  # a row gone (an emptied table): recreated at 0, replayed
        connection.execute(text("DELETE FROM projection_tracking WHERE name = 'timeline'"))
        connection.execute(text("DELETE FROM rm_timeline"))
    assert runner.catch_up() == head
    assert runner.positions()["timeline"] == head
    assert [row["version"] for row in container.views.timeline(people.reviewer, str(engagement.id))] == [1, 2]


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


def test_audit_verify_finds_the_first_tampered_event(container, people):
    c = container
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="改ざん検知")
    for number in (1, 2, 3):
        c.review.save_answer(people.connector, engagement.id, number, status="implemented", current_state="元の回答")
    result = verify_chain(container.engine, c.store.recorder)
    assert result.broken_at is None and result.checked == 4

    table = c.store.recorder.events_table_name
    with container.engine.begin() as connection:
        rows = connection.execute(text(f"SELECT originator_id, originator_version, state FROM {table}")).all()
        target = next(row for row in rows if row.originator_version == 3)
        forged = bytes(target.state).replace("元の回答".encode(), "改ざん後".encode())
        if forged == bytes(target.state):  # the text may be stored \\u-escaped
            forged = bytes(target.state).replace(b"implemented", b"partial")
        connection.execute(
            text(f"UPDATE {table} SET state = :state WHERE originator_id = :id AND originator_version = 3"),
            {"state": forged, "id": target.originator_id},
        )
    result = verify_chain(container.engine, c.store.recorder)
    assert result.broken_at == 3 and result.checked == 2


def test_cycle_diff_compares_answers_and_verdicts(container, people):
    c = container
    engagement = c.engagements.open_engagement(
        people.reviewer,
        connector_org_id=people.connector.org_id,
        title="差分",
        dropped_items=[{"number": n, "reason": "対象外"} for n in range(3, 45)],
    )
    for number in (1, 2):
        c.review.save_answer(people.connector, engagement.id, number, status="implemented", current_state="初回")
    c.review.submit(people.connector, engagement.id)
    for number in (1, 2):
        c.review.judge_item(people.reviewer, engagement.id, number, verdict="satisfied")
    c.review.decide(people.reviewer, engagement.id, outcome="approved", comment="承認")
    c.engagements.start_review_cycle(people.reviewer, engagement.id, reason="item_changed", items=[2])
    engagement = c.review.save_answer(people.connector, engagement.id, 2, status="partial", current_state="変更後")
    diff = {row["number"]: row for row in engagement.cycle_diff(2)}
    assert not diff[1]["answer_changed"] and not diff[1]["verdict_changed"]
    assert diff[2]["answer_changed"] and diff[2]["before"]["answer"]["current_state"] == "初回"
    assert diff[2]["after"]["answer"]["status"] == "partial" and diff[2]["after"]["verdict"] is None
    assert date.fromisoformat(engagement.next_review_on) > c.store.today()


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
