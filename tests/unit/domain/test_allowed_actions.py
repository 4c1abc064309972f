"""``Engagement.allowed`` answers from the guards the commands run: in every stage of an
engagement and for every role, an action left out is refused by its command with the very
error ``require`` names (or as missing, when what the command names is not there: a question
is missing whatever the state), and an action offered is never refused by a guard (a command
may still refuse what was typed, or a fact no guard looks at, like missing answers)."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date
from typing import Any, Callable

import pytest

from service.domain.actors import SYSTEM_ACTOR, Actor
from service.domain.checklist import EditionDiff
from service.domain.engagement import Engagement
from service.domain.engagement_rules import ENGAGEMENT_ACTIONS, ITEM_ACTIONS
from service.domain.errors import (
    Conflict,
    Forbidden,
    ItemIsDropped,
    ItemNotInCycle,
    NotFound,
    NotPartyOfItem,
    PenNotHeld,
    RoleNotAllowed,
    WrongState,
)
from tests.unit.domain.builders import (
    ADMIN,
    ALL_ITEMS,
    AUDITOR,
    CONNECTOR,
    EDITION,
    LIAISON,
    REVIEWER,
    condition,
    judged_engagement,
    monitoring_engagement,
    open_engagement,
    submitted_engagement,
)

GUARD_ERRORS = (RoleNotAllowed, WrongState, PenNotHeld, ItemIsDropped, ItemNotInCycle, NotPartyOfItem)
REVISED = dataclasses.replace(EDITION, id="test-edition-2")
DECIDED_ON = date(2026, 4, 1)


def asked(eng: Engagement) -> Engagement:
    eng.ask_question(REVIEWER, 1, "多要素認証の方式は？", "q1")
    return eng


def conditional(eng: Engagement) -> Engagement:
    eng.decide(REVIEWER, outcome="conditional", comment="条件付きで承認", decided_on=DECIDED_ON, conditions=[condition()])
    return eng


def rejected(eng: Engagement) -> Engagement:
    eng.decide(REVIEWER, outcome="rejected", comment="見送り", decided_on=DECIDED_ON)
    return eng


def second_cycle(eng: Engagement) -> Engagement:
    eng.start_review_cycle(REVIEWER, "item_changed", items=[1, 5])
    return eng


def advised(eng: Engagement) -> Engagement:
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    return eng


def withdrawn(eng: Engagement) -> Engagement:
    eng.withdraw(CONNECTOR, "接続を取りやめます")
    return eng


STAGES: dict[str, Callable[[], Engagement]] = {
    "draft": open_engagement,
    "draft with an item dropped": lambda: open_engagement(dropped_items=[{"number": 2, "reason": "該当なし"}]),
    "submitted": submitted_engagement,
    "a question open": lambda: asked(submitted_engagement()),
    "every item judged": judged_engagement,
    "monitoring": lambda: advised(monitoring_engagement()),
    "approved with a condition": lambda: conditional(judged_engagement()),
    "rejected": lambda: rejected(judged_engagement()),
    "second cycle": lambda: second_cycle(monitoring_engagement()),
    "withdrawn": lambda: withdrawn(asked(submitted_engagement())),
}
ACTORS = [REVIEWER, CONNECTOR, AUDITOR, LIAISON, ADMIN, SYSTEM_ACTOR]

ENGAGEMENT_COMMANDS: dict[str, Callable[[Engagement, Actor], Any]] = {
    "reply": lambda eng, actor: eng.post_reply(actor, "q1", "返信です"),
    "close": lambda eng, actor: eng.close_question(actor, "q1"),
    "submit": lambda eng, actor: eng.submit(actor),
    "decide": lambda eng, actor: eng.decide(actor, outcome="approved", comment="承認", decided_on=DECIDED_ON),
    "fulfil": lambda eng, actor: eng.fulfil_condition(actor, "1-1", "導入を確認"),
    "start_cycle": lambda eng, actor: eng.start_review_cycle(actor, "annual"),
    "acknowledge": lambda eng, actor: eng.acknowledge_advisory(actor, "a1", "確認しました"),
    "adopt_edition": lambda eng, actor: eng.adopt_edition(actor, REVISED, EditionDiff((), (), ())),
    "withdraw": lambda eng, actor: eng.withdraw(actor, "取りやめ"),
    "tailor": lambda eng, actor: eng.add_custom_item(actor, objective="独自の確認", party="bank"),
    "plan": lambda eng, actor: eng.propose_monitoring_plan(actor, frequency_months=6, depth="full"),
    "report_change": lambda eng, actor: eng.report_change(actor, report_id="r-1", items=ALL_ITEMS, summary="変更"),
    "write_some": lambda eng, actor: [  # the bulk writes: an answer to every item the actor may write
        eng.save_answer(actor, n, status="implemented", current_state="対応済み") for n in ALL_ITEMS if eng.may(actor, "answer", n)
    ]
    or eng.require(actor, "write_some"),
}
ITEM_COMMANDS: dict[str, Callable[[Engagement, Actor, int], Any]] = {
    "answer": lambda eng, actor, n: eng.save_answer(actor, n, status="implemented", current_state="対応済み"),
    "judge": lambda eng, actor, n: eng.judge_item(actor, n, "satisfied"),
    "ask": lambda eng, actor, n: eng.ask_question(actor, n, "確認させてください", "q-new"),
}


def refusal(command: Callable[[], Any]) -> Exception | None:
    try:
        command()
    except (Forbidden, Conflict, NotFound) as error:
        return error
    return None


def guard_error(eng: Engagement, actor: Actor, action: str, number: int | None = None) -> Exception | None:
    return refusal(lambda: eng.require(actor, action, number))


def check(offered: frozenset[str], action: str, guarded: Exception | None, refused: Exception | None, where: Any) -> None:
    if action in offered:
        assert guarded is None, where
        assert not isinstance(refused, GUARD_ERRORS), (where, refused)
    else:
        assert guarded is not None and refused is not None, where
        if not isinstance(refused, NotFound):
            assert (type(refused), str(refused)) == (type(guarded), str(guarded)), where


def test_the_actions_cover_every_command():
    assert set(ENGAGEMENT_COMMANDS) == set(ENGAGEMENT_ACTIONS)
    assert set(ITEM_COMMANDS) == set(ITEM_ACTIONS)


@pytest.mark.parametrize("actor", ACTORS, ids=[actor.role.value for actor in ACTORS])
@pytest.mark.parametrize("stage", STAGES, ids=list(STAGES))
def test_allowed_is_what_the_commands_accept(stage, actor):
    eng = STAGES[stage]()
    offered = eng.allowed(actor)
    for action, command in ENGAGEMENT_COMMANDS.items():
        trial = copy.deepcopy(eng)
        check(offered, action, guard_error(eng, actor, action), refusal(lambda: command(trial, actor)), (stage, action))
    for number in ALL_ITEMS:
        on_item = eng.allowed(actor, number)
        for action, command in ITEM_COMMANDS.items():
            trial = copy.deepcopy(eng)
            refused = refusal(lambda: command(trial, actor, number))
            check(on_item, action, guard_error(eng, actor, action, number), refused, (stage, action, number))


def test_every_action_is_offered_to_someone_in_some_stage():
    offered: set[str] = set()
    for make in STAGES.values():
        eng = make()
        for actor in ACTORS:
            offered |= eng.allowed(actor) | {a for n in ALL_ITEMS for a in eng.allowed(actor, n)}
    assert offered == {*ENGAGEMENT_ACTIONS, *ITEM_ACTIONS}


def test_an_auditor_a_liaison_and_an_admin_are_offered_nothing():
    for make in STAGES.values():
        eng = make()
        for actor in (AUDITOR, LIAISON, ADMIN):
            assert eng.allowed(actor) == frozenset()
            assert all(eng.allowed(actor, n) == frozenset() for n in ALL_ITEMS)
