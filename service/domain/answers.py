"""An answer to a check item: the five columns of the FISC フォーマット, checked the same way
wherever they are written (an engagement, the answer library, an imported workbook)."""

from __future__ import annotations

from typing import Any

from .actors import Side
from .checklist import Party
from .codes import AnswerStatus, Role
from .errors import Invalid
from .text import clean_text, parse_code

ANSWER_FIELDS = ("current_state", "issues", "plan", "remarks")
VOICE_LABELS = {"connector": "API接続先", "bank": "金融機関"}  # as the フォーマット labels each side's part: 【API接続先】
PLAN_REQUIRED = (AnswerStatus.PLANNED, AnswerStatus.NOT_IMPLEMENTED)
GAPS_EXPECTED = (AnswerStatus.PARTIAL, *PLAN_REQUIRED)


def checked_answer(status: Any, current_state: Any, issues: Any, plan: Any, remarks: Any) -> dict[str, str]:
    """An answer's five fields, validated: 対応状況区分 and 現在の対応状況 always, and for an item
    not yet met the plan the フォーマット exists to capture."""
    code = parse_code(AnswerStatus, status, "status")
    answer = {
        "status": code.value,
        "current_state": clean_text(current_state, "current_state", required=True),
        "issues": clean_text(issues, "issues"),
        "plan": clean_text(plan, "plan"),
        "remarks": clean_text(remarks, "remarks"),
    }
    if code in PLAN_REQUIRED and not answer["plan"].strip():
        raise Invalid(f"「{code.label}」の回答には課題への対応計画を入力してください。", field="plan")
    return answer


def answer_gaps(answer: dict[str, Any] | None) -> list[str]:
    """The フォーマット columns an answer leaves empty although its status calls for them
    (課題認識, 課題への対応計画 of an item only partly met or not met): shown as a warning."""
    if answer is None or AnswerStatus(answer["status"]) not in GAPS_EXPECTED:
        return []
    return [key for key in ("issues", "plan") if not answer[key].strip()]


def answer_fields(answer: dict[str, Any]) -> dict[str, str]:
    """The five answer fields of a stored answer (without who/when)."""
    return {key: answer[key] for key in ("status", *ANSWER_FIELDS)}


def no_answers() -> dict[str, None]:
    """Each side's statement on an item, before either has written (``Side`` values as keys)."""
    return {Side.CONNECTOR.value: None, Side.BANK.value: None}


def leading_side(party: str) -> Side:
    """Whose statement is an item's ``answer``: its 対象者's, and the connector's on a 共通 item
    (the connector describes its system; the bank adds its own part beside it)."""
    return Side.BANK if party == Party.BANK.value else Side.CONNECTOR


def answering_side(actor: dict[str, str], side: str | None) -> Side:
    """The side an ``AnswerSaved`` wrote for: recorded since answers had two voices, and
    before that the writer's role (a reviewer wrote for the bank)."""
    if side is not None:
        return Side(side)
    return Side.of(actor.get("role", Role.CONNECTOR.value)) or Side.CONNECTOR
