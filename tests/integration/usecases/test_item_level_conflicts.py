"""Item-level concurrency against each store: a stale ``expected_version`` conflicts only when
an event since touched the same item or the engagement as a whole; the refusal names the
change; and over any interleaving of two sides' writes no write is lost and no conflicting
write passes (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain.actors import SYSTEM_ACTOR
from service.domain.errors import StaleVersion
from tests.integration.conftest import answer_side

CONNECTOR_ITEM, COMMON_ITEM, BANK_ITEM = 1, 9, 38


def opened(container, people, title="同時編集"):
    return container.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title=title)


def save(container, actor, engagement_id, number, text, expected):
    return container.review.save_answer(
        actor, engagement_id, number, status="implemented", current_state=text, expected_version=expected
    )


def test_writes_to_different_items_from_the_same_version_both_apply(container, people):
    engagement = opened(container, people)
    read = engagement.version  # both sides opened the page at this version
    save(container, people.connector, engagement.id, CONNECTOR_ITEM, "接続先の回答", read)
    after = save(container, people.reviewer, engagement.id, BANK_ITEM, "銀行の回答", read)
    assert after.item(CONNECTOR_ITEM)["answer"]["current_state"] == "接続先の回答"
    assert after.item(BANK_ITEM)["answer"]["current_state"] == "銀行の回答"
    both = save(container, people.reviewer, engagement.id, COMMON_ITEM, "銀行の記入", read)  # nobody touched item 9
    assert both.version == read + 3


def test_a_stale_write_to_the_same_item_is_refused_naming_the_change(container, people):
    engagement = opened(container, people)
    read = engagement.version
    save(container, people.connector, engagement.id, COMMON_ITEM, "先に保存した記入", read)
    with pytest.raises(StaleVersion) as refused:
        save(container, people.reviewer, engagement.id, COMMON_ITEM, "後から保存しようとした記入", read)
    change = refused.value.context["change"]
    assert change.startswith(f"通番{COMMON_ITEM}の回答が staff（フィンテック株式会社）により ") and change.endswith("に更新されました")
    assert refused.value.context["changed"]["item"] == COMMON_ITEM and refused.value.context["changed"]["type"] == "AnswerSaved"
    current = container.store.engagement(people.reviewer, engagement.id)
    assert current.item(COMMON_ITEM)["answers"]["bank"] is None  # nothing of the refused write


def test_an_engagement_wide_change_refuses_every_stale_write(container, people):
    engagement = opened(container, people)
    engagement = answer_side(container, people.connector, engagement, ("connector", "common"))
    read = engagement.version
    container.review.submit(people.connector, engagement.id, expected_version=read)
    with pytest.raises(StaleVersion) as refused:
        save(container, people.reviewer, engagement.id, BANK_ITEM, "提出前に開いた画面から", read)
    assert "提出されました" in refused.value.context["change"]


def test_a_reminder_refuses_nothing(container, people):
    engagement = opened(container, people)
    read = engagement.version
    container.engagements.send_reminder(SYSTEM_ACTOR, engagement.id, kind="answers", ref="r1", stage=1, to="connector", text="回答をお願いします")
    assert save(container, people.connector, engagement.id, CONNECTOR_ITEM, "督促の後でも", read).version == read + 2


def test_a_whole_engagement_command_is_refused_by_any_change_since(container, people):
    engagement = opened(container, people)
    engagement = answer_side(container, people.connector, engagement, ("connector", "common"))
    read = engagement.version
    save(container, people.reviewer, engagement.id, BANK_ITEM, "銀行の回答", read)
    with pytest.raises(StaleVersion):
        container.review.submit(people.connector, engagement.id, expected_version=read)  # it read the engagement before


# the writes of two sides on three items: (side, item) pairs each side may write in a draft
WRITES = [("connector", CONNECTOR_ITEM), ("connector", COMMON_ITEM), ("bank", COMMON_ITEM), ("bank", BANK_ITEM)]


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(WRITES), st.integers(min_value=0, max_value=6)),
        min_size=1,
        max_size=12,
    )
)
def test_interleaved_writes_lose_nothing_and_pass_no_conflict(container, people, steps):
    """Each step writes with a version read ``lag`` steps ago. Oracle: refused exactly when a
    write accepted after that version touched the same item; at the end each voice holds the
    last accepted write to it."""
    actors = {"connector": people.connector, "bank": people.reviewer}
    engagement = opened(container, people, title="交互の書き込み")
    versions = [engagement.version]  # the version after each accepted write
    last_write_at: dict[int, int] = {}  # item → version of its last accepted write
    expected_voice: dict[tuple[str, int], str] = {}
    for index, ((side, number), lag) in enumerate(steps):
        read = versions[max(0, len(versions) - 1 - lag)]
        text = f"{side}-{number}-{index}"
        must_conflict = last_write_at.get(number, 0) > read
        try:
            result = save(container, actors[side], engagement.id, number, text, read)
        except StaleVersion:
            assert must_conflict, f"step {index}: refused although nothing touched item {number} since version {read}"
            continue
        assert not must_conflict, f"step {index}: a write to item {number} since version {read} was overwritten"
        versions.append(result.version)
        last_write_at[number] = result.version
        expected_voice[(side, number)] = text
    final = container.store.engagement(people.reviewer, engagement.id)
    for (side, number), text in expected_voice.items():
        assert final.item(number)["answers"][side]["current_state"] == text
