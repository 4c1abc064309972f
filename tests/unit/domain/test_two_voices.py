"""Two voices on an item (解説書 §3: 「共通」の場合は、API 接続先と金融機関が協働して実施する):
each side keeps its own statement; one side's write never replaces the other's."""

from __future__ import annotations

import dataclasses

import pytest

from service.domain.engagement import Engagement
from tests.unit.domain.builders import (
    COMMON_ITEMS,
    CONNECTOR,
    REVIEWER,
    answer,
    events_of,
    judged_engagement,
    open_engagement,
    replay,
    submitted_engagement,
)

COMMON = COMMON_ITEMS[0]


def test_a_common_item_keeps_both_statements_whoever_writes_last():
    eng = open_engagement()
    answer(eng, COMMON, CONNECTOR, current_state="接続先の説明")
    answer(eng, COMMON, REVIEWER, current_state="金融機関の説明", status="partial", issues="二重化の確認")
    answers = eng.item(COMMON)["answers"]
    assert answers["connector"]["current_state"] == "接続先の説明" and answers["connector"]["by"]["id"] == "u-con"
    assert answers["bank"]["current_state"] == "金融機関の説明" and answers["bank"]["status"] == "partial"
    answer(eng, COMMON, CONNECTOR, current_state="接続先の説明（改）")
    assert eng.item(COMMON)["answers"]["bank"]["current_state"] == "金融機関の説明"


def test_the_answer_of_a_common_item_is_the_connectors_statement():
    eng = open_engagement()
    answer(eng, COMMON, REVIEWER, current_state="金融機関の説明")
    assert eng.item(COMMON)["answer"] is None  # the bank's part alone does not answer for the connector
    answer(eng, COMMON, CONNECTOR, current_state="接続先の説明")
    assert eng.item(COMMON)["answer"]["current_state"] == "接続先の説明"


def test_the_banks_part_of_a_common_item_does_not_count_for_submission():
    eng = open_engagement()
    answer(eng, COMMON, REVIEWER)
    assert COMMON in eng.missing_answers()


def test_either_voice_changing_clears_the_verdict_given_in_this_cycle():
    eng = judged_engagement()
    answer(eng, COMMON, REVIEWER, current_state="金融機関の説明を追記")
    assert eng.item(COMMON)["judgement"] is None


def test_the_side_is_recorded_on_the_event():
    eng = open_engagement()
    answer(eng, COMMON, REVIEWER)
    saved = [e for e in events_of(eng) if type(e).__name__ == "AnswerSaved"]
    assert saved[-1].side == "bank"


def test_an_event_stored_before_two_voices_replays_into_its_writers_voice():
    """AnswerSaved events without ``side`` (older stores): the writer's role says whose it was."""
    eng = open_engagement()
    answer(eng, COMMON, REVIEWER, current_state="以前の金融機関の記入")
    answer(eng, COMMON, CONNECTOR, current_state="以前の接続先の記入")
    old = [dataclasses.replace(e, side=None) if type(e).__name__ == "AnswerSaved" else e for e in events_of(eng)]
    answers = replay(old).item(COMMON)["answers"]
    assert answers["bank"]["current_state"] == "以前の金融機関の記入"
    assert answers["connector"]["current_state"] == "以前の接続先の記入"


def test_a_snapshot_from_before_two_voices_is_upcast():
    eng = submitted_engagement()
    answer_by_bank = open_engagement()
    answer(answer_by_bank, COMMON, REVIEWER, current_state="金融機関の記入")
    for aggregate, side in ((eng, "connector"), (answer_by_bank, "bank")):
        snapshot = Engagement.Snapshot.take(aggregate)
        state = {**snapshot.state}
        state.pop("class_version")
        state["items"] = [  # as version 1 kept it: one answer, the last writer's
            {**{k: v for k, v in item.items() if k != "answers"}, "answer": item["answers"][side] or item["answer"]}
            for item in state["items"]
        ]
        old = dataclasses.replace(snapshot, state=state)
        restored = old.mutate(None)
        assert restored.item(COMMON)["answers"][side] == aggregate.item(COMMON)["answers"][side]
        assert restored.item(COMMON)["answers"][side] is not None
        assert restored.item(COMMON)["answers"]["bank" if side == "connector" else "connector"] is None


@pytest.mark.parametrize("side", ["connector", "bank"])
def test_the_cycle_diff_shows_each_voice_and_counts_a_change_in_either(side):
    from tests.unit.domain.builders import monitoring_engagement

    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "item_changed", [COMMON])
    answer(eng, COMMON, CONNECTOR if side == "connector" else REVIEWER, current_state=f"{side}の変更")
    row = next(r for r in eng.cycle_diff(eng.cycle["number"]) if r["number"] == COMMON)
    assert row["answer_changed"] is True
    assert row["after"]["answers"][side]["current_state"] == f"{side}の変更"
    assert set(row["before"]["answers"]) == {"connector", "bank"}
