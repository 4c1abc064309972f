"""Which writes conflict: what each event touches and what each command depends on."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from service.domain.concurrency import (
    ENGAGEMENT,
    advisory_scope,
    change_record,
    describe_change,
    item_scope,
    question_scope,
    touched_by,
)
from tests.unit.domain.builders import CONNECTOR, REVIEWER, answer, events_of, monitoring_engagement, open_engagement, submitted_engagement


def last_event(eng):
    return events_of(eng)[-1]


def test_item_events_touch_their_item_only():
    eng = open_engagement()
    answer(eng, 2)
    touched = touched_by(last_event(eng))
    assert touched == ("item", 2)
    assert item_scope(2).conflicts_with(touched) and ENGAGEMENT.conflicts_with(touched)
    assert not item_scope(1).conflicts_with(touched)
    assert not advisory_scope("a1").conflicts_with(touched)


def test_engagement_wide_events_touch_every_scope():
    eng = submitted_engagement()
    touched = touched_by(last_event(eng))  # Submitted
    assert touched == ("whole", None)
    for scope in (ENGAGEMENT, item_scope(1), advisory_scope("a1")):
        assert scope.conflicts_with(touched)


def test_reminders_touch_nothing_a_writer_reads():
    from service.domain.actors import SYSTEM_ACTOR

    eng = submitted_engagement()
    eng.send_reminder(SYSTEM_ACTOR, kind="review", ref="r", stage=1, to="bank", text="審査をお願いします")
    assert touched_by(last_event(eng)) is None
    assert not ENGAGEMENT.conflicts_with(None)


def test_a_questions_scope_is_its_items():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 3, "確認させてください", "q-1")
    assert question_scope("q-1").on(eng) == item_scope(3)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("answer", "通番2の回答が 接続 次郎（フィンテック株式会社）により 10:42 に更新されました"),
        ("submit", "回答が 接続 次郎（フィンテック株式会社）により 10:42 に提出されました"),
    ],
)
def test_the_refusal_says_what_changed_by_whom_and_when(kind, expected):
    eng = open_engagement()
    for number in [n for n in eng.cycle["items"] if eng.item(n)["party"] != "bank"]:
        answer(eng, number)
    if kind == "submit":
        eng.submit(CONNECTOR)
    event = last_event(eng) if kind == "submit" else next(e for e in events_of(eng) if getattr(e, "number", None) == 2)
    assert describe_change(event, "10:42") == expected
    record = change_record(event)
    assert record["by"] == {"id": "u-con", "name": "接続 次郎", "org": "フィンテック株式会社"}
    assert record["item"] == (2 if kind == "answer" else None)
    assert datetime.fromisoformat(record["at"]).tzinfo is not None and record["at"] <= datetime.now(timezone.utc).isoformat()


def test_a_change_by_the_scheduler_is_the_systems():
    from service.domain.actors import SYSTEM_ACTOR

    eng = monitoring_engagement()
    eng.start_review_cycle(SYSTEM_ACTOR, "annual")
    assert describe_change(last_event(eng), "09:00") == "新しい審査サイクルが システムにより 09:00 に開始されました"
