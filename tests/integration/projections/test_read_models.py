"""The read models on both stores: a command shows on the board, the timeline and the inbox at
once, and the inbox follows the conversation."""

from __future__ import annotations

from datetime import timedelta

import pytest


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
    assert timeline[1]["text"] == "【API接続先】対応済: 規程を整備" and timeline[1]["item"] == 1


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
