"""What an engagement says about itself without changing: its items, cycles, questions and
advisories, and how a cycle's results compare with the one before. A part of ``Engagement``
(engagement.py), which holds the state these read."""

from __future__ import annotations

from typing import Any

from .actors import Side
from .answers import answer_fields, leading_side, no_answers
from .errors import AdvisoryNotFound, ConditionNotFound, Invalid, ItemNotFound, QuestionNotFound


def _voices(row: dict[str, Any] | None) -> dict[str, dict[str, str] | None]:
    """Each side's statement in a cycle's results, without who/when, for comparing cycles."""
    answers = row["answers"] if row else no_answers()
    return {side: None if answer is None else answer_fields(answer) for side, answer in answers.items()}


class EngagementReading:
    """The read-only queries of ``Engagement`` (pages, the API, the export and the rules ask them)."""

    def org(self, side: Side) -> dict[str, str]:
        """The organisation on ``side`` of this engagement (id and name)."""
        return self.bank if side is Side.BANK else self.connector

    def _item(self, number: int) -> dict[str, Any]:
        for item in self.items:
            if item["number"] == number:
                return item
        raise ItemNotFound(f"通番{number}の確認項目はありません。", number=number)

    def item(self, number: int) -> dict[str, Any]:
        """The item with its answer and judgement; raises ``ItemNotFound``."""
        return self._item(number)

    def active_numbers(self) -> list[int]:
        """Numbers of the items not dropped."""
        return [item["number"] for item in self.items if item["dropped"] is None]

    @property
    def cycle(self) -> dict[str, Any]:
        return self.cycles[-1]

    def open_questions(self, number: int | None = None) -> int:
        return sum(1 for q in self.questions if q["open"] and (number is None or q["item"] == number))

    def question(self, question_id: str) -> dict[str, Any]:
        for question in self.questions:
            if question["id"] == question_id:
                return question
        raise QuestionNotFound("指定された質問はありません。", question_id=question_id)

    def advisory(self, advisory_id: str) -> dict[str, Any]:
        for advisory in self.advisories:
            if advisory["id"] == advisory_id:
                return advisory
        raise AdvisoryNotFound("この案件に届いた注意喚起ではありません。", advisory_id=advisory_id)

    def _condition(self, condition_id: str) -> dict[str, Any]:
        for condition in self.conditions:
            if condition["id"] == condition_id:
                return condition
        raise ConditionNotFound("指定された条件はありません。", condition_id=condition_id)

    def has_advisory(self, advisory_id: str) -> bool:
        return any(advisory["id"] == advisory_id for advisory in self.advisories)

    def has_evidence(self, sha256: str) -> dict[str, Any] | None:
        for item in self.items:
            for file in item.get("evidence", []):
                if file["sha256"] == sha256:
                    return file
        return None

    def missing_answers(self) -> list[int]:
        """Connector and common items of the current cycle not yet answered in it."""
        return [
            number
            for number in self.cycle["items"]
            if self._item(number)["party"] in Side.CONNECTOR.parties
            and self._item(number)["dropped"] is None
            and not self._answered_in_cycle(self._item(number))
        ]

    def unjudged(self) -> list[int]:
        return [number for number in self.active_numbers() if self._item(number)["judgement"] is None]

    def _answered_in_cycle(self, item: dict[str, Any]) -> bool:
        """The connector's statement is written in this cycle (on its own and on 共通 items)."""
        answer = item["answers"][Side.CONNECTOR.value]
        return answer is not None and answer["cycle"] == self.cycle["number"]

    def cycle_results(self, number: int) -> dict[int, dict[str, Any]]:
        """Each item's answer and judgement as they stood at the end of cycle ``number``
        (or now, for the current cycle)."""
        if not 1 <= number <= len(self.cycles):
            raise Invalid(f"第{number}回の審査サイクルはありません。", field="cycle")
        if number == self.cycle["number"]:
            rows = [
                {"number": i["number"], "answer": i["answer"], "answers": i["answers"], "judgement": i["judgement"]}
                for i in self.items
            ]
        else:
            rows = self.cycles[number - 1]["results"]["items"]
        return {row["number"]: row for row in rows}

    def cycle_diff(self, number: int) -> list[dict[str, Any]]:
        """What each item's answer and verdict were in cycle ``number - 1`` vs cycle ``number``."""
        if number < 2:
            raise Invalid("最初の審査サイクルには比較する前回がありません。", field="cycle")
        before, after = self.cycle_results(number - 1), self.cycle_results(number)
        diff = []
        for item in self.items:
            old, new = before.get(item["number"]), after.get(item["number"])
            old_answers, new_answers = _voices(old), _voices(new)
            old_verdict = old["judgement"]["verdict"] if old and old["judgement"] else None
            new_verdict = new["judgement"]["verdict"] if new and new["judgement"] else None
            leading = leading_side(item["party"]).value
            diff.append(
                {
                    "number": item["number"],
                    "objective": item["objective"],
                    "party": item["party"],
                    "before": {"answer": old_answers[leading], "answers": old_answers, "verdict": old_verdict},
                    "after": {"answer": new_answers[leading], "answers": new_answers, "verdict": new_verdict},
                    "answer_changed": old_answers != new_answers,
                    "verdict_changed": old_verdict != new_verdict,
                }
            )
        return diff

    def decision_conditions(self, decision: dict[str, Any] | None) -> list[dict[str, Any]]:
        """The conditions a decision set, with their fulfilment as tracked since."""
        if decision is None:
            return []
        return [c for c in self.conditions if c["cycle"] == decision["cycle"]]
