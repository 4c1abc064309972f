"""Withdrawal: either side withdraws with a reason from any live state; afterwards every command
is refused and the record stays readable."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.actors import SYSTEM_ACTOR
from service.domain.engagement import Engagement
from service.domain.errors import (
    Invalid,
    RoleNotAllowed,
    WrongState,
)
from tests.unit.domain.builders import (
    ADMIN,
    AUDITOR,
    CONNECTOR,
    LIAISON,
    REVIEWER,
    answer,
    judged_engagement,
    monitoring_engagement,
    open_engagement,
    submitted_engagement,
)


@pytest.mark.parametrize("actor", [REVIEWER, CONNECTOR])
def test_either_side_withdraws_with_a_reason(actor):
    eng = submitted_engagement()
    eng.withdraw(actor, "申請取下げ")
    assert eng.state == "withdrawn"
    assert eng.withdrawal["reason"] == "申請取下げ"
    assert eng.withdrawal["from_state"] == "submitted"
    assert eng.withdrawal["by"]["id"] == actor.id
    assert eng.withdrawal["at"] is not None


def test_withdrawal_needs_a_reason():
    eng = open_engagement()
    with pytest.raises(Invalid):
        eng.withdraw(REVIEWER, "  ")
    assert eng.state == "draft"


@pytest.mark.parametrize("actor", [AUDITOR, LIAISON, SYSTEM_ACTOR, ADMIN])
def test_only_reviewer_or_connector_withdraws(actor):
    with pytest.raises(RoleNotAllowed):
        open_engagement().withdraw(actor, "理由")


@pytest.mark.parametrize("setup", ["draft", "under_review", "monitoring", "decided"])
def test_withdrawal_is_possible_from_any_live_state(setup):
    if setup == "draft":
        eng = open_engagement()
    elif setup == "under_review":
        eng = judged_engagement()
    elif setup == "monitoring":
        eng = monitoring_engagement()
    else:
        eng = judged_engagement()
        eng.decide(REVIEWER, outcome="rejected", comment="否認", decided_on=date(2026, 4, 1))
    eng.withdraw(CONNECTOR, "接続終了")
    assert eng.state == "withdrawn"
    assert eng.withdrawal["from_state"] == setup


def withdrawn_engagement() -> Engagement:
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "質問", "q1")
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    eng.withdraw(REVIEWER, "申請取下げ")
    return eng


WITHDRAWN_COMMANDS = {
    "connector_answers": lambda eng: answer(eng, 1, CONNECTOR),
    "reviewer_answers": lambda eng: answer(eng, 5, REVIEWER),
    "submit": lambda eng: eng.submit(CONNECTOR),
    "ask_question": lambda eng: eng.ask_question(REVIEWER, 2, "質問", "q2"),
    "reply": lambda eng: eng.post_reply(CONNECTOR, "q1", "返信"),
    "close_question": lambda eng: eng.close_question(REVIEWER, "q1"),
    "judge": lambda eng: eng.judge_item(REVIEWER, 1, "satisfied"),
    "decide": lambda eng: eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1)),
    "fulfil_condition": lambda eng: eng.fulfil_condition(REVIEWER, "1-1"),
    "start_review_cycle": lambda eng: eng.start_review_cycle(SYSTEM_ACTOR, "annual"),
    "notice_advisory": lambda eng: eng.notice_advisory(
        SYSTEM_ACTOR, advisory_id="a2", title="注意喚起", items=[1], respond_by=None
    ),
    "acknowledge_advisory": lambda eng: eng.acknowledge_advisory(CONNECTOR, "a1", "確認"),
    "withdraw_again": lambda eng: eng.withdraw(CONNECTOR, "再度"),
    "drop_item": lambda eng: eng.drop_item(REVIEWER, 6, "不要"),
    "add_custom_item": lambda eng: eng.add_custom_item(REVIEWER, objective="独自", party="bank"),
}


@pytest.mark.parametrize("command", list(WITHDRAWN_COMMANDS), ids=list(WITHDRAWN_COMMANDS))
def test_every_command_is_refused_after_withdrawal(command):
    eng = withdrawn_engagement()
    version = eng.version
    with pytest.raises(WrongState):
        WITHDRAWN_COMMANDS[command](eng)
    assert eng.version == version
    assert eng.state == "withdrawn"


WRONG_ROLE_COMMANDS = {
    "auditor_answers": lambda eng: answer(eng, 5, AUDITOR),
    "reviewer_submits": lambda eng: eng.submit(REVIEWER),
    "connector_asks": lambda eng: eng.ask_question(CONNECTOR, 1, "質問", "q2"),
    "auditor_replies": lambda eng: eng.post_reply(AUDITOR, "q1", "返信"),
    "connector_closes": lambda eng: eng.close_question(CONNECTOR, "q1"),
    "connector_judges": lambda eng: eng.judge_item(CONNECTOR, 1, "satisfied"),
    "connector_decides": lambda eng: eng.decide(
        CONNECTOR, outcome="approved", comment="承認", decided_on=date(2026, 4, 1)
    ),
    "connector_fulfils": lambda eng: eng.fulfil_condition(CONNECTOR, "1-1"),
    "connector_starts_cycle": lambda eng: eng.start_review_cycle(CONNECTOR, "annual"),
    "reviewer_notices": lambda eng: eng.notice_advisory(
        REVIEWER, advisory_id="a2", title="t", items=[1], respond_by=None
    ),
    "reviewer_acknowledges": lambda eng: eng.acknowledge_advisory(REVIEWER, "a1", "確認"),
    "auditor_withdraws": lambda eng: eng.withdraw(AUDITOR, "理由"),
    "connector_drops": lambda eng: eng.drop_item(CONNECTOR, 6, "不要"),
}


@pytest.mark.parametrize("command", list(WRONG_ROLE_COMMANDS), ids=list(WRONG_ROLE_COMMANDS))
def test_role_error_comes_first_after_withdrawal(command):
    eng = withdrawn_engagement()
    with pytest.raises(RoleNotAllowed):
        WRONG_ROLE_COMMANDS[command](eng)


def test_withdrawn_engagement_keeps_its_record_readable():
    eng = withdrawn_engagement()
    assert eng.item(1)["answer"] is not None
    assert eng.question("q1")["open"] is True
    assert eng.advisory("a1")["title"] == "注意喚起"
    assert not eng.connector_holds_pen(1)
