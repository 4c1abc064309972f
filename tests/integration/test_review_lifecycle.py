"""A full initial review and an annual monitoring cycle, through the application
services, against each store; then read back by a fresh process."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from service.bootstrap import bootstrap
from service.domain.errors import (
    AnswersMissing,
    EngagementNotFound,
    ItemsNotJudged,
    NotPartyOfItem,
    PenNotHeld,
    QuestionsOpen,
    RoleNotAllowed,
    StaleVersion,
)


def answer_side(c, actor, engagement, parties, **extra):
    for item in engagement.items:
        if item["party"] in parties and item["dropped"] is None and item["number"] in engagement.cycle["items"]:
            engagement = c.review.save_answer(
                actor,
                engagement.id,
                item["number"],
                status=extra.get("status", "implemented"),
                current_state=extra.get("current_state", f"通番{item['number']}の対策を実施している。"),
            )
    return engagement


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
