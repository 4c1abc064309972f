"""The review of an engagement, as commands: the connector's answers, evidence and submission,
the questions both sides post, the reviewer's verdicts, the decision and its conditions.
Each checks its rules and then records one event of ``Engagement`` (engagement.py)."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from .actors import Actor
from .answers import checked_answer
from .codes import Outcome, Role, State, Verdict
from .engagement_rules import EngagementRules, state_after_decision
from .monitoring import DEFAULT_MONTHS, months_later
from .errors import AnswersMissing, ConditionAlreadyFulfilled, Invalid, ItemsNotJudged, QuestionsOpen
from .text import clean_text, label_for, parse_code, parse_date


def checked_conditions(
    outcome: Outcome, conditions: Iterable[dict[str, Any]], today: date, active: list[int], cycle: int
) -> list[dict[str, Any]]:
    """Conditions of a conditional approval, each on ``active`` items and due after ``today``."""
    conditions = list(conditions or ())
    if outcome is not Outcome.CONDITIONAL:
        if conditions:
            raise Invalid("条件は「条件付き承認」の場合にのみ指定できます。", field="conditions")
        return []
    if not conditions:
        raise Invalid("条件付き承認には条件を1つ以上指定してください。", field="conditions")
    checked = []
    for i, condition in enumerate(conditions):
        field = f"conditions[{i}]"
        if not isinstance(condition, dict):
            raise Invalid(f"{label_for(field)}の形式が正しくありません。", field=field)
        items = condition.get("items") or []
        if not isinstance(items, list) or not items:
            raise Invalid(f"{label_for(field)}の対象の確認項目を指定してください。", field=f"{field}.items")
        for number in items:
            if not isinstance(number, int) or isinstance(number, bool) or number not in active:
                raise Invalid(f"{label_for(field)}の対象に存在しない通番（{number!r}）があります。", field=f"{field}.items")
        due = parse_date(condition.get("due_on"), f"{field}.due_on", after=today)
        checked.append(
            {
                "id": f"{cycle}-{i + 1}",
                "cycle": cycle,
                "text": clean_text(condition.get("text"), f"{field}.text", required=True, limit=2_000),
                "items": sorted(set(items)),
                "due_on": due.isoformat(),
                "fulfilled": None,
            }
        )
    return checked


class ReviewCommands(EngagementRules):
    """The commands of the review conversation, from the first answer to the decision."""

    def save_answer(
        self,
        actor: Actor,
        number: int,
        *,
        status: Any,
        current_state: Any = "",
        issues: Any = "",
        plan: Any = "",
        remarks: Any = "",
    ) -> None:
        """Record the writer's side's statement (対応状況区分, 現在の対応状況, 課題認識, 課題への対応計画,
        備考); on a 共通 item the other side's statement stays as it is. A changed statement clears
        a verdict given on it in this cycle."""
        self.require(actor, "answer", number)
        item = self._item(number)
        answer = checked_answer(status, current_state, issues, plan, remarks)
        side = actor.side.value  # the guard admits only the item's sides: on a 共通 item each writes its own statement
        previous, judgement = item["answers"][side], item["judgement"]
        changed = previous is None or any(previous[key] != value for key, value in answer.items())
        clears = changed and judgement is not None and judgement["cycle"] == self.cycle["number"]
        self._answer_saved(actor=actor.as_record(), number=number, judgement_cleared=clears, side=side, **answer)

    def attach_evidence(self, actor: Actor, number: int, file: dict[str, Any]) -> None:
        """Attach an evidence file (stored by content under BLOB_DIR) to the item's answer."""
        self.require(actor, "answer", number)
        self._evidence_attached(actor=actor.as_record(), number=number, file=dict(file))

    def submit(self, actor: Actor) -> None:
        """The connector hands the pen to the bank: every connector/common item of the cycle answered."""
        self.require(actor, "submit")
        missing = self.missing_answers()
        if missing:
            raise AnswersMissing(f"未回答の確認項目があります: {'、'.join(map(str, missing))}", items=missing)
        self._submitted(actor=actor.as_record(), state=State.SUBMITTED.value)

    def ask_question(self, actor: Actor, number: int, text: str, question_id: str) -> None:
        self.require(actor, "ask", number)
        self._question_asked(
            actor=actor.as_record(),
            question_id=question_id,
            number=number,
            text=clean_text(text, "text", required=True),
            state=State.UNDER_REVIEW.value,
        )

    def post_reply(self, actor: Actor, question_id: str, text: str) -> None:
        self._require_role(actor, Role.REVIEWER, Role.CONNECTOR)
        self.question(question_id)  # an unknown question is missing (404) whatever the state
        self.require(actor, "reply")
        question = self._require_open_question(question_id)
        self._reply_posted(
            actor=actor.as_record(),
            question_id=question_id,
            number=question["item"],
            text=clean_text(text, "text", required=True),
        )

    def close_question(self, actor: Actor, question_id: str) -> None:
        self._require_role(actor, Role.REVIEWER)
        self.question(question_id)  # an unknown question is missing (404) whatever the state
        self.require(actor, "close")
        question = self._require_open_question(question_id)
        self._question_closed(actor=actor.as_record(), question_id=question_id, number=question["item"])

    def judge_item(
        self, actor: Actor, number: int, verdict: Any, comment: Any = "", certification: dict[str, Any] | None = None
    ) -> None:
        """Judge one item; ``certification`` (already checked to be the connector's, valid and
        covering the item) records a third-party certification accepted in lieu of evidence."""
        self.require(actor, "judge", number)
        code = parse_code(Verdict, verdict, "verdict")
        needs_reason = code in (Verdict.UNSATISFIED, Verdict.COMPENSATED)
        comment = clean_text(comment, "comment", required=needs_reason)
        self._item_judged(
            actor=actor.as_record(),
            number=number,
            verdict=code.value,
            comment=comment,
            certification=certification,
            state=State.UNDER_REVIEW.value,
        )

    def decide(
        self,
        actor: Actor,
        *,
        outcome: Any,
        comment: Any,
        decided_on: date,
        conditions: Iterable[dict[str, Any]] = (),
        next_review_on: Any = None,
    ) -> None:
        """The holistic decision: an unsatisfied item does not force a rejection."""
        self.require(actor, "decide")
        unjudged = self.unjudged()
        if unjudged:
            raise ItemsNotJudged(f"未判定の確認項目があります: {'、'.join(map(str, unjudged))}", items=unjudged)
        if self.open_questions():
            raise QuestionsOpen(f"未完了の質問が{self.open_questions()}件あります。", count=self.open_questions())
        code = parse_code(Outcome, outcome, "outcome")
        comment = clean_text(comment, "comment", required=True)
        conditions = checked_conditions(code, conditions, decided_on, self.active_numbers(), self.cycle["number"])
        if code is Outcome.REJECTED:
            review_on = None
        elif next_review_on:
            review_on = parse_date(next_review_on, "next_review_on", after=decided_on)
        else:  # the agreed plan's interval, else a year
            plan = self.monitoring_plan
            review_on = months_later(decided_on, plan["frequency_months"] if plan and plan["status"] == "agreed" else DEFAULT_MONTHS)
        self._decided(
            actor=actor.as_record(),
            outcome=code.value,
            comment=comment,
            conditions=conditions,
            decided_on=decided_on.isoformat(),
            next_review_on=review_on.isoformat() if review_on else None,
            state=state_after_decision(code.value),
        )

    def fulfil_condition(self, actor: Actor, condition_id: str, comment: Any = "") -> None:
        self.require(actor, "fulfil")
        condition = self._condition(condition_id)
        if condition["fulfilled"] is not None:
            raise ConditionAlreadyFulfilled("この条件は充足確認済みです。", condition_id=condition_id)
        self._condition_fulfilled(actor=actor.as_record(), condition_id=condition_id, comment=clean_text(comment, "comment", required=True))
