"""A full initial review and an annual monitoring cycle, through the use cases, against each
store, then read back by a fresh process; a later cycle compared with the one before."""

from __future__ import annotations

from datetime import date

import pytest

from service.bootstrap import bootstrap
from service.domain.errors import (
    AnswersMissing,
    ItemsNotJudged,
    NotPartyOfItem,
    PenNotHeld,
    QuestionsOpen,
)
from tests.integration.conftest import answer_side


def test_initial_review_then_annual_cycle(container, people, store):
    c = container
    engagement = c.engagements.open_engagement(
        people.reviewer,
        connector_org_id=people.connector.org_id,
        title="家計簿サービス 参照系API",
        dropped_items=[{"number": 33, "reason": "アプリを提供しない"}],
        custom_items=[{"objective": "当行独自の利用規約に同意する。", "party": "connector"}],
    )
    assert engagement.state == "draft"
    assert [i["number"] for i in engagement.items][-1] == 45
    assert engagement.cycle["reason"] == "initial"

    # the connector fills its items; the bank fills its own; common items by either side
    engagement = answer_side(c, people.connector, engagement, ("connector", "common"))
    with pytest.raises(NotPartyOfItem):
        c.review.save_answer(people.connector, engagement.id, 38, status="implemented", current_state="x")
    engagement = answer_side(c, people.reviewer, engagement, ("bank",))

    engagement = c.review.submit(people.connector, engagement.id, expected_version=engagement.version)
    assert engagement.state == "submitted"
    with pytest.raises(PenNotHeld):
        c.review.save_answer(people.connector, engagement.id, 1, status="partial", current_state="後から変更")

    # a conversation on item 22, during which the connector may revise that item
    question_id, engagement = c.review.ask_question(people.reviewer, engagement.id, 22, "多要素認証の方式は？")
    assert engagement.state == "under_review"
    engagement = c.review.save_answer(
        people.connector, engagement.id, 22, status="implemented", current_state="ワンタイムトークンを利用。"
    )
    engagement = c.review.post_reply(people.connector, engagement.id, question_id, "ハードウェアトークンです。")
    for number in engagement.active_numbers():
        engagement = c.review.judge_item(
            people.reviewer,
            engagement.id,
            number,
            verdict="unsatisfied" if number == 27 else "satisfied",
            comment="脆弱性診断が年1回未満" if number == 27 else "",
        )
    with pytest.raises(QuestionsOpen):
        c.review.decide(people.reviewer, engagement.id, outcome="approved", comment="総合的に承認")
    engagement = c.review.close_question(people.reviewer, engagement.id, question_id)

    # one unsatisfied item does not force a rejection
    engagement = c.review.decide(
        people.reviewer,
        engagement.id,
        outcome="conditional",
        comment="診断計画を条件に承認",
        conditions=[{"text": "脆弱性診断を実施し報告する", "items": [27], "due_on": "2027-03-31"}],
    )
    assert engagement.state == "monitoring"
    assert engagement.next_review_on == (date.fromisoformat(engagement.decision["decided_on"]).replace(year=c.store.today().year + 1)).isoformat()
    engagement = c.review.fulfil_condition(people.reviewer, engagement.id, "1-1", comment="報告書を受領")
    assert engagement.conditions[0]["fulfilled"]["by"]["name"] == people.reviewer.name

    # the annual cycle reopens every item; the first cycle stays readable
    engagement = c.engagements.start_review_cycle(people.reviewer, engagement.id, reason="annual")
    assert engagement.state == "draft"
    assert engagement.cycle["number"] == 2
    assert engagement.cycle["items"] == engagement.active_numbers()
    first = engagement.cycles[0]["results"]
    assert first["decision"]["outcome"] == "conditional"
    assert {r["number"]: r["judgement"]["verdict"] for r in first["items"] if r["judgement"]}[27] == "unsatisfied"
    assert engagement.conditions[0]["fulfilled"] is not None  # conditions outlive their cycle
    diff = {row["number"]: row for row in engagement.cycle_diff(2)}
    assert diff[27]["before"]["verdict"] == "unsatisfied" and diff[27]["after"]["verdict"] is None
    with pytest.raises(AnswersMissing) as missing:
        c.review.submit(people.connector, engagement.id)
    assert 1 in missing.value.context["items"]
    engagement = answer_side(c, people.connector, engagement, ("connector", "common"), current_state="年次確認済み")
    engagement = c.review.submit(people.connector, engagement.id)
    with pytest.raises(ItemsNotJudged):
        c.review.decide(people.reviewer, engagement.id, outcome="approved", comment="承認")
    for number in engagement.active_numbers():
        engagement = c.review.judge_item(people.reviewer, engagement.id, number, verdict="satisfied")
    engagement = c.review.decide(people.reviewer, engagement.id, outcome="approved", comment="年次確認の結果、継続を承認")
    assert engagement.state == "monitoring"
    version = engagement.version

    # a fresh process sees exactly the same engagement from the store
    fresh = bootstrap(store.settings)
    try:
        again = fresh.store.engagement(people.auditor, engagement.id)
        assert again.version == version
        assert again.__dict__ == {**engagement.__dict__, "_pending_events": again._pending_events}
    finally:
        fresh.close()


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
