"""Audit timeline: one row per event, with the actor's name and organisation at the time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, DateTime, Index, Integer, String, Table, Text, func, select

from ..domain.answers import VOICE_LABELS
from ..domain.codes import AnswerStatus, CycleReason, Outcome, Verdict
from ..domain.monitoring import Depth
from ..storage import Base
from .page_rows import chunked, insert_rows
from .runner import Projection

timeline = Table(
    "rm_timeline",
    Base.metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("engagement_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_id", String(36), nullable=False),
    Column("actor_name", String(200), nullable=False),
    Column("actor_org", String(200), nullable=False),
    Column("actor_org_id", String(36), nullable=False),
    Column("type", String(40), nullable=False),
    Column("item", Integer),
    Column("text", Text, nullable=False),
    Column("cycle", Integer, nullable=False),
    Index("ix_rm_timeline_engagement", "engagement_id", "position"),
    Index("ix_rm_timeline_engagement_at", "engagement_id", "at"),
)


def _then(text: str) -> str:
    """The free text an actor added, after a colon, when there is any."""
    return f": {text}" if text else ""


def _voice(event: Any) -> str:
    """Whose statement an answer is, for events that record it (two voices on 共通 items)."""
    side = getattr(event, "side", None)
    return f"【{VOICE_LABELS[side]}】" if side else ""


SUMMARIES: dict[str, Callable[[Any], str]] = {  # event class name → a one-paragraph Japanese summary
    "Opened": lambda event: f"審査を開始: {event.title}（{event.connector['name']}、版 {event.edition}）",
    "ItemDropped": lambda event: f"項目を削除: {event.reason}",
    "ItemRestored": lambda event: "項目を審査対象に戻す",
    "CustomItemAdded": lambda event: f"独自項目を追加: {event.objective}",
    "AnswerSaved": lambda event: f"{_voice(event)}{AnswerStatus(event.status).label}: {event.current_state}",
    "Submitted": lambda event: "回答を提出",
    "QuestionAsked": lambda event: event.text,
    "ReplyPosted": lambda event: event.text,
    "QuestionClosed": lambda event: "質問を完了",
    "ItemJudged": lambda event: Verdict(event.verdict).label + _then(event.comment),
    "Decided": lambda event: f"{Outcome(event.outcome).label}: {event.comment}",
    "ConditionFulfilled": lambda event: f"条件 {event.condition_id} の充足を確認{_then(event.comment)}",
    "ReviewCycleStarted": lambda event: f"第{event.cycle}回 {CycleReason(event.reason).label}を開始（{len(event.items)}項目）{_then(event.note)}",
    "MonitoringPlanProposed": lambda event: f"モニタリング計画を提案: {event.frequency_months}か月ごと・{Depth(event.depth).label}{_then(event.note)}",
    "MonitoringPlanAgreed": lambda event: "モニタリング計画に合意" + (f"（次回 {event.next_review_on}）" if event.next_review_on else ""),
    "AdvisoryNoticed": lambda event: f"注意喚起を受領: {event.title}",
    "AdvisoryAcknowledged": lambda event: f"注意喚起を確認: {event.text}",
    "EditionAdopted": lambda event: f"チェックリスト {event.edition}版に移行（変更{len(event.updated)}・追加{len(event.added)}・削除{len(event.removed)}項目）",
    "ReminderSent": lambda event: ("督促" if event.stage == 1 else "エスカレーション") + f": {event.text}",
    "Withdrawn": lambda event: f"取下げ: {event.reason}",
}


def describe(event: Any) -> str:
    """What the event says, in Japanese; an event with no summary of its own shows its name."""
    kind = type(event).__name__
    summary = SUMMARIES.get(kind)
    return summary(event) if summary else kind


class TimelineProjection(Projection):
    """Rows are written in one batch per page; the cycle of each engagement is read once
    per page and followed through the page's events."""

    name = "timeline"
    version = 3  # 2: a review cycle's note in its text; 3: whose statement an answer is
    tables = (timeline,)

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[dict[str, Any]] = []
        self._cycles: dict[str, int] = {}

    def start_page(self, connection: Connection, events: Sequence[Any]) -> None:
        """Read the current cycle of every engagement of the page in one query."""
        self._rows, self._cycles = [], {}
        engagements = sorted({str(event.originator_id) for event in events})
        for chunk in chunked(engagements):
            latest = (
                select(func.max(timeline.c.position)).where(timeline.c.engagement_id.in_(chunk)).group_by(timeline.c.engagement_id)
            )
            rows = connection.execute(select(timeline.c.engagement_id, timeline.c.cycle).where(timeline.c.position.in_(latest)))
            self._cycles.update(dict(rows.all()))

    def apply(self, connection: Connection, event: Any, position: int) -> None:
        engagement_id = str(event.originator_id)
        if type(event).__name__ == "ReviewCycleStarted":
            self._cycles[engagement_id] = event.cycle
        elif type(event).__name__ == "Opened":
            self._cycles[engagement_id] = 1
        actor = event.actor
        self._rows.append(
            {
                "position": position,
                "engagement_id": engagement_id,
                "version": event.originator_version,
                "at": event.timestamp,
                "actor_id": actor["id"],
                "actor_name": actor["name"],
                "actor_org": actor["org_name"],
                "actor_org_id": actor["org_id"],
                "type": type(event).__name__,
                "item": getattr(event, "number", None),
                "text": describe(event),
                "cycle": self._cycles.get(engagement_id, 1),
            }
        )

    def finish_page(self, connection: Connection) -> None:
        insert_rows(connection, timeline, self._rows)
        self._rows = []
