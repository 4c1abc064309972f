"""The rules of an engagement: who may see it, and who may do what to it now. Each command
runs ``require`` for its action (or the item guard behind it) before it records anything;
``allowed`` runs the same checks without acting, so that pages and the API offer exactly
what the commands would accept. A part of ``Engagement`` (engagement.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .actors import Actor
from .codes import Outcome, Role, State
from .errors import (
    Conflict,
    Forbidden,
    Invalid,
    ItemIsDropped,
    ItemNotInCycle,
    NotFound,
    NotPartyOfItem,
    PenNotHeld,
    QuestionClosed,
    RoleNotAllowed,
    WrongState,
)
from .engagement_reading import EngagementReading
from .text import label_for

OPEN_STATES = (State.SUBMITTED, State.UNDER_REVIEW)
BEFORE_DECISION = (State.DRAFT, State.SUBMITTED, State.UNDER_REVIEW)


@dataclass(frozen=True)
class Rule:
    """Who may do an action to the engagement, and in which states (``None``: in any state
    until the engagement is withdrawn)."""

    roles: tuple[Role, ...]
    states: tuple[State, ...] | None = None


RULES = {  # what a person may be offered → who may do it, and when
    "reply": Rule((Role.REVIEWER, Role.CONNECTOR), OPEN_STATES),
    "close": Rule((Role.REVIEWER,), OPEN_STATES),
    "submit": Rule((Role.CONNECTOR,), (State.DRAFT,)),
    "decide": Rule((Role.REVIEWER,), OPEN_STATES),
    "fulfil": Rule((Role.REVIEWER,)),
    "start_cycle": Rule((Role.REVIEWER, Role.SYSTEM), (State.MONITORING,)),
    "acknowledge": Rule((Role.CONNECTOR,)),
    "adopt_edition": Rule((Role.REVIEWER, Role.SYSTEM)),
    "withdraw": Rule((Role.REVIEWER, Role.CONNECTOR)),
    "tailor": Rule((Role.REVIEWER,), BEFORE_DECISION),  # add, drop and restore items, in any cycle
    "report_change": Rule((Role.CONNECTOR,), (State.MONITORING,)),  # a change report reopens the items it names
    "plan": Rule((Role.REVIEWER, Role.CONNECTOR)),  # propose or agree the monitoring plan
}
ITEM_GUARDS = {  # the actions whose rule looks at the item → the guard that checks it
    "answer": "_require_pen",
    "judge": "_require_reviewing",
    "ask": "_require_reviewing",
}
ITEM_ACTIONS = tuple(ITEM_GUARDS)
ENGAGEMENT_ACTIONS = (*RULES, "write_some")  # write_some: an answer to any item


def state_after_decision(outcome: str) -> str:
    """A rejection ends the review; an approval, with conditions or without, starts monitoring."""
    return State.DECIDED.value if outcome == Outcome.REJECTED.value else State.MONITORING.value


def item_numbers(values: Any, field: str) -> list[int]:
    """A list of item numbers from untrusted input (JSON ``null`` is an empty list)."""
    if values is None:
        return []
    if isinstance(values, (str, bytes, dict)) or not isinstance(values, Iterable):
        raise Invalid(f"{label_for(field)}は通番の一覧で指定してください。", field=field)
    numbers = list(values)
    for number in numbers:
        if not isinstance(number, int) or isinstance(number, bool):
            raise Invalid(f"{label_for(field)}は通番の一覧で指定してください。", field=field)
    return numbers


class EngagementRules(EngagementReading):
    """Visibility and the guards of ``Engagement``'s commands, and what they allow."""

    def visible_to(self, actor: Actor) -> bool:
        """Each side sees its own organisation's engagements, the scheduler every one; the liaison
        desk and admins see none. ``service.views.visibility`` says the same in SQL for the
        read models (tests/integration/test_visibility_rules.py proves they agree)."""
        if actor.role is Role.SYSTEM:
            return True
        side = actor.side
        return side is not None and self.org(side)["id"] == actor.org_id

    def allowed(self, actor: Actor, number: int | None = None) -> frozenset[str]:
        """What ``actor`` may do now: to the engagement (``ENGAGEMENT_ACTIONS``), or to item
        ``number`` (``ITEM_ACTIONS``); each answered by the guard its command runs."""
        actions = ENGAGEMENT_ACTIONS if number is None else ITEM_ACTIONS
        return frozenset(action for action in actions if self.may(actor, action, number))

    def require(self, actor: Actor, action: str, number: int | None = None) -> None:
        """Raise the named error that stops ``actor`` doing ``action`` now (to item ``number``)."""
        if action in ITEM_GUARDS:
            getattr(self, ITEM_GUARDS[action])(actor, number)
        elif action == "write_some":
            self._require_some_pen(actor)
        else:
            rule = RULES[action]
            self._require_role(actor, *rule.roles)
            if rule.states is None:
                self._require_not_withdrawn()
            else:
                self._require_state(*rule.states)

    def may(self, actor: Actor, action: str, number: int | None = None) -> bool:
        """Whether ``actor`` may do ``action`` now: the command's own guard run without acting."""
        try:
            self.require(actor, action, number)
        except (Forbidden, Conflict, NotFound):
            return False
        return True

    def connector_holds_pen(self, number: int) -> bool:
        """Draft of a cycle that includes the item, or an open question on it."""
        if self.state == State.DRAFT.value and number in self.cycle["items"]:
            return True
        return self.state in (State.SUBMITTED.value, State.UNDER_REVIEW.value) and self.open_questions(number) > 0

    # ------------------------------------------------------------------ the guards of the commands

    def _require_pen(self, actor: Actor, number: int) -> None:
        """The actor may write this item now (its side, and the connector holds the pen)."""
        self._require_role(actor, Role.CONNECTOR, Role.REVIEWER)
        self._require_not_withdrawn()
        item = self._require_active_item(number)
        self._require_party(actor, item)
        if actor.role is Role.CONNECTOR:
            if not self.connector_holds_pen(number):
                raise PenNotHeld(f"通番{number}は現在回答を編集できません。", number=number)
        else:
            self._require_state(*BEFORE_DECISION)
            self._require_in_cycle(number)

    def _require_some_pen(self, actor: Actor) -> None:
        """Bulk writes (Excel import, library fill) need at least one item the actor may write."""
        if not any(self.may(actor, "answer", item["number"]) for item in self.items):
            raise PenNotHeld("現在回答を編集できる確認項目はありません。")

    def _require_reviewing(self, actor: Actor, number: int) -> None:
        """A reviewer judges or asks about an item of the open cycle."""
        self._require_role(actor, Role.REVIEWER)
        self._require_state(*OPEN_STATES)
        self._require_active_item(number)
        self._require_in_cycle(number)

    # ------------------------------------------------------------------ what the guards are made of

    def _require_role(self, actor: Actor, *roles: Role) -> None:
        if actor.role not in roles:
            raise RoleNotAllowed("この操作を行う権限がありません。", role=actor.role.value)

    def _require_state(self, *states: State) -> None:
        if self.state not in {s.value for s in states}:
            raise WrongState(
                "現在の審査状態ではこの操作はできません。",
                state=self.state,
                allowed=[s.value for s in states],
            )

    def _require_not_withdrawn(self) -> None:
        if self.state == State.WITHDRAWN.value:
            raise WrongState("この審査案件は取り下げられています。", state=self.state)

    def _require_active_item(self, number: int) -> dict[str, Any]:
        item = self._item(number)
        if item["dropped"] is not None:
            raise ItemIsDropped(f"通番{number}は削除された確認項目です。", number=number)
        return item

    def _require_in_cycle(self, number: int) -> None:
        if number not in self.cycle["items"]:
            raise ItemNotInCycle(f"通番{number}は第{self.cycle['number']}回の審査サイクルの対象外です。", number=number)

    def _require_party(self, actor: Actor, item: dict[str, Any]) -> None:
        side = actor.side
        if side is None or item["party"] not in side.parties:
            raise NotPartyOfItem(
                f"通番{item['number']}はこちらの対象者の項目ではありません。", number=item["number"], party=item["party"]
            )

    def _require_open_question(self, question_id: str) -> dict[str, Any]:
        question = self.question(question_id)
        if not question["open"]:
            raise QuestionClosed("この質問は完了しています。", question_id=question_id)
        return question
