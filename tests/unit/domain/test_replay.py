"""An engagement rebuilt from its events equals the original at every step, shares no mutable
state with it, and keeps the recorded timestamps."""

from __future__ import annotations

import copy
from datetime import date

from service.domain.actors import SYSTEM_ACTOR
from service.domain.codes import State
from service.domain.engagement import Engagement
from tests.unit.domain.builders import (
    CONNECTOR,
    LIAISON,
    REVIEWER,
    answer,
    answer_connector_side,
    condition,
    judge_all,
    monitoring_engagement,
    open_engagement,
    replay,
    state_of,
)


def full_history() -> Engagement:
    eng = open_engagement(
        dropped_items=[{"number": 6, "reason": "該当なし"}],
        custom_items=[{"objective": "独自の確認", "party": "common"}],
    )
    eng.add_custom_item(REVIEWER, objective="追加の独自項目", party="bank")
    answer_connector_side(eng, [1, 2, 3, 4, 45])
    answer(eng, 5, REVIEWER)
    answer(eng, 46, REVIEWER)
    eng.submit(CONNECTOR)
    eng.ask_question(REVIEWER, 2, "根拠は？", "q1")
    eng.post_reply(CONNECTOR, "q1", "資料を添付")
    answer(eng, 2, current_state="更新しました")
    eng.close_question(REVIEWER, "q1")
    judge_all(eng)
    eng.judge_item(REVIEWER, 3, "unsatisfied", "未充足")
    eng.decide(
        REVIEWER,
        outcome="conditional",
        comment="条件付",
        decided_on=date(2028, 2, 29),
        conditions=[condition(items=[3], due_on="2028-09-30")],
    )
    eng.fulfil_condition(REVIEWER, "1-1", "確認済")
    eng.notice_advisory(LIAISON, advisory_id="a1", title="注意喚起", items=[3], respond_by="2028-06-01")
    eng.acknowledge_advisory(CONNECTOR, "a1", "確認しました")
    eng.start_review_cycle(REVIEWER, "advisory", items=[3], note="注意喚起対応")
    answer(eng, 3, current_state="改善しました")
    eng.submit(CONNECTOR)
    eng.judge_item(REVIEWER, 3, "satisfied")
    eng.decide(REVIEWER, outcome="approved", comment="改善を確認", decided_on=date(2028, 7, 1))
    eng.start_review_cycle(SYSTEM_ACTOR, "annual")
    eng.withdraw(CONNECTOR, "接続終了")
    return eng


def test_engagement_rebuilt_from_its_events_equals_the_original():
    eng = full_history()
    events = eng.collect_events()
    assert len(events) == eng.version
    rebuilt = replay(events)
    assert type(rebuilt) is Engagement
    assert state_of(rebuilt) == state_of(eng)
    assert rebuilt.id == eng.id
    assert rebuilt.version == eng.version
    assert rebuilt.state == State.WITHDRAWN.value


def test_every_intermediate_state_is_reproduced_by_replay():
    eng = open_engagement()
    snapshots = [copy.deepcopy(state_of(eng))]

    def step(command):
        command()
        snapshots.append(copy.deepcopy(state_of(eng)))

    step(lambda: answer_connector_side(eng))
    step(lambda: eng.submit(CONNECTOR))
    step(lambda: judge_all(eng))
    step(lambda: eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1)))
    step(lambda: eng.start_review_cycle(SYSTEM_ACTOR, "item_changed", items=[1]))

    events = eng.collect_events()
    aggregate = None
    by_version = {}
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
        by_version[aggregate.version] = copy.deepcopy(state_of(aggregate))
    assert len(by_version) == eng.version
    for snapshot in snapshots:
        assert by_version[snapshot["_version"]] == snapshot


def test_replay_does_not_share_mutable_state_with_the_original():
    eng = full_history()
    events = eng.collect_events()
    rebuilt = replay(events)
    rebuilt.item(1)["answer"]["current_state"] = "改ざん"
    rebuilt.cycles[0]["items"].append(999)
    assert eng.item(1)["answer"]["current_state"] != "改ざん"
    assert 999 not in eng.cycles[0]["items"]


def test_replay_reproduces_timestamps_recorded_on_the_events():
    eng = monitoring_engagement()
    events = eng.collect_events()
    rebuilt = replay(events)
    assert rebuilt.opened_at == events[0].timestamp.isoformat()
    assert rebuilt.decision["at"] == events[-1].timestamp.isoformat()
    assert rebuilt.modified_on == events[-1].timestamp
    assert rebuilt.created_on == events[0].timestamp
