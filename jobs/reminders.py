"""reminders: chase whoever holds the pen, counting Japanese business days.

- a question unanswered for N business days reminds the side that must answer, and
  after 2N escalates to both sides;
- a submitted engagement still without a decision after N / 2N business days;
- a condition of a conditional approval past its due date, and N days later;
- an advisory not acknowledged by its respond-by date, and N days later.

Each reminder is an event on the engagement (``ReminderSent``) with a key per
(kind, subject, stage), so reruns and catch-ups after an outage send each one once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Iterator

import holidays

from service.bootstrap import Container
from service.domain.actors import SYSTEM_ACTOR
from service.domain.engagement import Engagement, reminder_key
from service.domain.errors import AlreadyReminded, StaleVersion, WrongState
from service.views import BoardFilter

from .runner import EachDue, Tally

WATCHED_STATES = ("draft", "submitted", "under_review", "decided", "monitoring")


class BusinessCalendar:
    """Weekdays that are not Japanese public holidays (nor 31 Dec – 3 Jan, when banks close)."""

    def __init__(self) -> None:
        self.public = holidays.Japan()

    def is_business_day(self, day: date) -> bool:
        year_end = (day.month == 12 and day.day == 31) or (day.month == 1 and day.day <= 3)
        return day.weekday() < 5 and day not in self.public and not year_end

    def days_between(self, start: date, end: date) -> int:
        """Business days after ``start`` up to and including ``end``."""
        count, day = 0, start + timedelta(days=1)
        while day <= end:
            count += self.is_business_day(day)
            day += timedelta(days=1)
        return count


@dataclass(frozen=True)
class Pending:
    kind: str
    ref: str
    since: date
    first_after: int  # business days before the first reminder
    to: str  # side holding the pen
    text: str


def pending_work(engagement: Engagement, zone: Any, n: int) -> Iterator[Pending]:
    def local_day(instant: str) -> date:
        return datetime.fromisoformat(instant).astimezone(zone).date()

    for question in engagement.questions:
        if question["open"]:
            last = question["posts"][-1]
            waiting = "connector" if last["by"]["org_id"] == engagement.bank["id"] else "bank"
            yield Pending("question", question["id"], local_day(last["at"]), n, waiting, f"通番{question['item']}の質問への対応をお願いします")
    submitted_at = engagement.cycle.get("submitted_at")
    if engagement.state in ("submitted", "under_review") and submitted_at:
        ref = f"cycle-{engagement.cycle['number']}"
        yield Pending("decision", ref, local_day(submitted_at), n, "bank", "提出済みの回答の審査・総合判定をお願いします")
    for condition in engagement.conditions:
        if condition["fulfilled"] is None:
            due = date.fromisoformat(condition["due_on"])
            yield Pending("condition", condition["id"], due, 1, "both", f"承認条件「{condition['text']}」の期限（{condition['due_on']}）を過ぎています")
    for advisory in engagement.advisories:
        if advisory["acknowledgement"] is None and advisory["respond_by"]:
            due = date.fromisoformat(advisory["respond_by"])
            yield Pending("advisory", advisory["id"], due, 1, "connector", f"注意喚起「{advisory['title']}」の確認期限を過ぎています")


@dataclass(frozen=True)
class Reminder:
    work: Pending
    stage: int  # 1: the reminder, 2: the escalation to both sides


class Reminders(EachDue):
    id = "reminders"
    conflicts = (AlreadyReminded, StaleVersion, WrongState)

    def __init__(self) -> None:
        self.calendar = BusinessCalendar()

    def select(self, container: Container, today: date) -> Iterable[str]:
        rows = container.views.board(SYSTEM_ACTOR, BoardFilter(), paginate=False)
        return [row["engagement_id"] for row in rows if row["state"] in WATCHED_STATES]

    def load(self, container: Container, engagement_id: str) -> Engagement:
        return container.store.engagement(SYSTEM_ACTOR, engagement_id)

    def due(self, container: Container, engagement: Engagement, today: date) -> list[Reminder]:
        """Each stage whose business days have passed and that was not sent yet."""
        n = container.settings.reminder_business_days
        due = []
        for work in pending_work(engagement, container.settings.timezone, n):
            age = self.calendar.days_between(work.since, today)
            for stage, threshold in ((1, work.first_after), (2, work.first_after + n)):
                if age >= threshold and reminder_key(work.kind, work.ref, stage) not in engagement.reminders:
                    due.append(Reminder(work, stage))
        return due

    def command(self, container: Container, engagement: Engagement, reminder: Reminder) -> Engagement:
        work = reminder.work
        return container.engagements.send_reminder(
            SYSTEM_ACTOR,
            engagement.id,
            kind=work.kind,
            ref=work.ref,
            stage=reminder.stage,
            to=work.to if reminder.stage == 1 else "both",
            text=work.text,
        )

    def report(self, tally: Tally) -> dict[str, Any]:
        return {"sent": len(tally.done), "skipped": tally.lost}


reminders = Reminders()
