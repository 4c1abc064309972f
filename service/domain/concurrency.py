"""Which writes conflict (contract: a stale ``expected_version`` is a conflict only when an
event after that version touched the same item or the engagement as a whole).

Each recorded event touches one thing: an item (its answers, evidence, questions, judgement),
an advisory's notice on the engagement, the monitoring plan, the engagement as a whole (state, cycle, decision,
tailoring, edition), or nothing a writer reads (reminders). Each command depends on one
scope: its item, its advisory, or the whole engagement. Two sides working on different items
of the same engagement therefore never refuse each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WHOLE = "whole"
ITEM_EVENTS = frozenset({"AnswerSaved", "EvidenceAttached", "QuestionAsked", "ReplyPosted", "QuestionClosed", "ItemJudged"})
ADVISORY_EVENTS = frozenset({"AdvisoryNoticed", "AdvisoryAcknowledged"})
PLAN_EVENTS = frozenset({"MonitoringPlanProposed", "MonitoringPlanAgreed"})  # read by whole-engagement commands only
UNREAD_EVENTS = frozenset({"ReminderSent"})  # the scheduler's bookkeeping: no writer decides on it


@dataclass(frozen=True)
class Scope:
    """What a command read before it wrote: one item (or the item of one question), one
    advisory, or everything."""

    item: int | None = None
    advisory: str | None = None
    question: str | None = None

    @property
    def whole(self) -> bool:
        return self.item is None and self.advisory is None

    def on(self, engagement: Any) -> "Scope":
        """The scope in terms of what events touch: a question's scope is its item's (an unknown
        question raises ``QuestionNotFound``, as the command itself would)."""
        return item_scope(engagement.question(self.question)["item"]) if self.question else self

    def conflicts_with(self, touched: tuple[str, Any] | None) -> bool:
        if touched is None:
            return False
        kind, key = touched
        if kind == WHOLE or self.whole:
            return True
        return (kind == "item" and key == self.item) or (kind == "advisory" and key == self.advisory)


ENGAGEMENT = Scope()


def item_scope(number: int) -> Scope:
    return Scope(item=number)


def advisory_scope(advisory_id: str) -> Scope:
    return Scope(advisory=advisory_id)


def question_scope(question_id: str) -> Scope:
    return Scope(question=question_id)


def touched_by(event: Any) -> tuple[str, Any] | None:
    """What a recorded event changed: ``("item", n)``, ``("advisory", id)``, ``("plan", None)``,
    ``(WHOLE, None)``, or ``None`` for an event no writer reads."""
    kind = type(event).__name__
    if kind in UNREAD_EVENTS:
        return None
    if kind in ITEM_EVENTS:
        return ("item", event.number)
    if kind in ADVISORY_EVENTS:
        return ("advisory", event.advisory_id)
    if kind in PLAN_EVENTS:
        return ("plan", None)
    return (WHOLE, None)


CHANGES = {  # event class name → what changed, as the refusal tells the writer
    "AnswerSaved": "通番{number}の回答が {who}により {at} に更新されました",
    "EvidenceAttached": "通番{number}に {who}が {at} に証跡を添付しました",
    "QuestionAsked": "通番{number}に {who}が {at} に質問しました",
    "ReplyPosted": "通番{number}の質問に {who}が {at} に返信しました",
    "QuestionClosed": "通番{number}の質問が {who}により {at} に完了されました",
    "ItemJudged": "通番{number}の判定が {who}により {at} に記録されました",
    "Submitted": "回答が {who}により {at} に提出されました",
    "Decided": "総合判断が {who}により {at} に記録されました",
    "ConditionFulfilled": "条件の充足が {who}により {at} に確認されました",
    "ReviewCycleStarted": "新しい審査サイクルが {who}により {at} に開始されました",
    "ItemDropped": "通番{number}が {who}により {at} に審査対象から外されました",
    "ItemRestored": "通番{number}が {who}により {at} に審査対象に戻されました",
    "CustomItemAdded": "独自項目が {who}により {at} に追加されました",
    "EditionAdopted": "チェックリストの版が {who}により {at} に移行されました",
    "AdvisoryNoticed": "注意喚起が {at} に届きました",
    "AdvisoryAcknowledged": "注意喚起への対応が {who}により {at} に登録されました",
    "MonitoringPlanProposed": "モニタリング計画が {who}により {at} に提案されました",
    "MonitoringPlanAgreed": "モニタリング計画が {who}により {at} に合意されました",
    "Withdrawn": "案件が {who}により {at} に取り下げられました",
}


def describe_change(event: Any, at: str) -> str:
    """The sentence a refused writer reads: what changed, by whom and when (``at``: the local
    time as the reader's clock shows it), e.g. 通番5の回答が 山田（かけいぼテック）により 10:42 に更新されました."""
    actor = event.actor
    who = "システム" if actor.get("role") in (None, "system") else f"{actor['name']}（{actor['org_name']}）"
    template = CHANGES.get(type(event).__name__, "案件が {who}により {at} に更新されました")
    return template.format(number=getattr(event, "number", ""), who=who, at=at)


def change_record(event: Any) -> dict[str, Any]:
    """The machine-readable side of the refusal (the API's ``changed``)."""
    actor = event.actor
    return {
        "type": type(event).__name__,
        "item": getattr(event, "number", None) if type(event).__name__ in ITEM_EVENTS else None,
        "by": {"id": actor["id"], "name": actor["name"], "org": actor["org_name"]},
        "at": event.timestamp.isoformat(),
    }
