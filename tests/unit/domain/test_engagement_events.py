"""Events that move an engagement to another state carry that state, and the board copies it.
Events stored before they carried it still replay to the same aggregate and project to the
same board rows (the event methods' defaults, the board's fallback)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date

from eventsourcing.utils import get_topic
from sqlalchemy import create_engine, select

from service.domain.engagement import Engagement
from service.projections.board import BoardProjection, board
from tests.unit.domain.builders import (
    CONNECTOR,
    REVIEWER,
    answer,
    condition,
    events_of,
    judge_all,
    replay,
    state_of,
    submitted_engagement,
)


def lifecycles() -> list[list]:
    """The events of engagements that pass through every state: approved with a condition,
    reviewed again, rejected; and one withdrawn while under review."""
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "多要素認証の方式は？", "q1")
    eng.ask_question(REVIEWER, 2, "ログの保管期間は？", "q2")
    eng.post_reply(CONNECTOR, "q1", "TOTPです")
    eng.close_question(REVIEWER, "q1")
    eng.close_question(REVIEWER, "q2")
    judge_all(eng)
    eng.decide(REVIEWER, outcome="conditional", comment="条件付き", decided_on=date(2026, 4, 1), conditions=[condition()])
    eng.fulfil_condition(REVIEWER, "1-1", "導入を確認")
    eng.start_review_cycle(REVIEWER, "item_changed", items=[1])
    answer(eng, 1)
    eng.submit(CONNECTOR)
    eng.judge_item(REVIEWER, 1, "unsatisfied", "未導入")
    eng.decide(REVIEWER, outcome="rejected", comment="見送り", decided_on=date(2026, 9, 1))
    withdrawn = submitted_engagement()
    withdrawn.judge_item(REVIEWER, 1, "satisfied")
    withdrawn.withdraw(CONNECTOR, "接続を取りやめます")
    return [events_of(eng), events_of(withdrawn)]


def as_stored_before(event):
    """The event as a store written before events carried their state decodes it: without the field."""
    old = copy.copy(event)
    old.__dict__.pop("state", None)
    return old


def test_every_change_of_state_is_carried_by_its_event():
    for events in lifecycles():
        for i, event in enumerate(events[1:], start=1):
            before, after = replay(events[:i]).state, replay(events[: i + 1]).state
            if after != before:
                assert event.state == after, type(event).__name__
            if "state" in event.__dict__:
                assert event.state == after, type(event).__name__


def test_events_stored_without_their_state_replay_to_the_same_engagement():
    for events in lifecycles():
        old = [as_stored_before(event) for event in events]
        assert any("state" in event.__dict__ for event in events)
        assert not any("state" in event.__dict__ for event in old)
        assert state_of(replay(old)) == state_of(replay(events))


@dataclass
class Notification:
    id: int
    topic: str


def board_rows(events: list) -> list[dict]:
    engine = create_engine("sqlite://")
    projection = BoardProjection()
    with engine.begin() as connection:
        board.create(connection)
        for position, event in enumerate(events, start=1):
            projection.apply_page(connection, [(Notification(position, get_topic(type(event))), event)])
        return [dict(row) for row in connection.execute(select(board).order_by(board.c.engagement_id)).mappings()]


def test_the_board_copies_the_state_and_reads_old_events_as_before():
    for events in lifecycles():
        rows = board_rows(events)
        (row,) = rows
        assert row["state"] == replay(events).state
        assert board_rows([as_stored_before(event) for event in events]) == rows


def test_a_state_kept_keeps_the_time_it_began():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "多要素認証の方式は？", "q1")
    eng.judge_item(REVIEWER, 2, "satisfied")
    events = events_of(eng)
    asked = next(event for event in events if type(event) is Engagement.QuestionAsked)
    (row,) = board_rows(events)
    assert row["state"] == "under_review" and row["state_since"].replace(tzinfo=None) == asked.timestamp.replace(tzinfo=None)
