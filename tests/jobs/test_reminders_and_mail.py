"""reminders and outbox through ``python -m jobs run``: business days with Japanese
holidays, one reminder per stage however often the job runs, e-mail delivered once
over a local SMTP server (aiosmtpd), retries after a failure."""

from __future__ import annotations

import email
import email.policy
import socket
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from jobs.reminders import BusinessCalendar
from tests.jobs.test_jobs import run_job, start_jobs


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.refusals = 0  # how many next messages to refuse with a temporary error
        self.refused: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        if self.refusals:
            self.refusals -= 1
            self.refused.append(envelope)
            return "451 4.3.0 try again later"
        self.messages.append(envelope)
        return "250 OK"


def parsed(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """A local SMTP server (aiosmtpd) that can go down and come back on the same port."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(store):
    server = SmtpServer()
    server.start()
    store.env["SMTP_URL"] = f"smtp://127.0.0.1:{server.port}"
    yield server
    server.stop()


def first_day_with(calendar: BusinessCalendar, start: date, business_days: int) -> date:
    day = start
    while calendar.days_between(start, day) < business_days:
        day += timedelta(days=1)
    return day


def test_business_days_skip_weekends_japanese_holidays_and_the_year_end():
    calendar = BusinessCalendar()
    assert not calendar.is_business_day(date(2026, 11, 23))  # 勤労感謝の日
    assert not calendar.is_business_day(date(2026, 11, 28))  # Saturday
    assert not calendar.is_business_day(date(2026, 12, 31)) and not calendar.is_business_day(date(2027, 1, 2))
    assert calendar.days_between(date(2026, 11, 20), date(2026, 11, 24)) == 1  # Fri → Tue over a holiday Monday


@pytest.mark.slow
def test_reminders_then_escalations_each_once(container, people, store):
    c = container
    engagement = c.engagements.open_engagement(
        people.reviewer,
        connector_org_id=people.connector.org_id,
        title="督促テスト",
        dropped_items=[{"number": n, "reason": "対象外"} for n in range(2, 45)],
    )
    c.review.save_answer(people.connector, engagement.id, 1, status="implemented", current_state="済")
    c.review.submit(people.connector, engagement.id)
    c.review.ask_question(people.reviewer, engagement.id, 1, "根拠資料はありますか？")
    calendar = BusinessCalendar()
    asked_on = datetime.now(container.settings.timezone).date()
    reminder_day = first_day_with(calendar, asked_on, 3)
    escalation_day = first_day_with(calendar, asked_on, 6)

    assert run_job(store, "reminders", reminder_day - timedelta(days=1))["sent"] == 0
    assert run_job(store, "reminders", reminder_day)["sent"] == 2  # the question and the pending decision
    assert run_job(store, "reminders", reminder_day)["sent"] == 0
    later = sum(r["sent"] for r in start_jobs(store, "reminders", escalation_day + timedelta(days=10), 2))
    assert later == 2  # escalations, once, even from overlapping catch-up runs
    reloaded = c.store.engagement(people.reviewer, engagement.id)
    assert sorted(reloaded.reminders) == sorted(
        [f"question:{reloaded.questions[0]['id']}:1", f"question:{reloaded.questions[0]['id']}:2", "decision:cycle-1:1", "decision:cycle-1:2"]
    )
    texts = [row["text"] for row in container.views.timeline(people.auditor, str(engagement.id)) if row["type"] == "ReminderSent"]
    assert len(texts) == 4 and texts[0].startswith("督促") and texts[-1].startswith("エスカレーション")


@pytest.mark.slow
def test_outbox_delivers_each_mail_once_and_retries_after_a_failure(container, people, store, smtp):
    inbox = smtp.inbox
    c = container
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="メール通知")
    results = start_jobs(store, "outbox", c.store.today(), 2)
    assert sum(r["sent"] for r in results) == 1
    assert run_job(store, "outbox", c.store.today())["sent"] == 0
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message.rcpt_tos == ["staff@fintech.example"]
    content = message.content.decode()
    assert "Subject: =?utf-8?" in content  # Japanese subject, encoded
    assert str(engagement.id) in content.replace("=\r\n", "")

    smtp.stop()  # the SMTP server goes away
    c.engagements.withdraw(people.connector, engagement.id, "申請を取り下げます")
    failed = run_job(store, "outbox", c.store.today())
    assert failed["retry"] == 1 and failed["sent"] == 0
    smtp.start()
    assert run_job(store, "outbox", c.store.today())["sent"] == 0  # backing off
    with container.engine.begin() as connection:
        connection.execute(text("UPDATE outbox_deliveries SET next_attempt_at = :past WHERE status = 'retry'"), {"past": datetime(2000, 1, 1)})
    assert run_job(store, "outbox", c.store.today())["sent"] == 1
    assert [m.rcpt_tos for m in inbox.messages] == [["staff@fintech.example"], ["reviewer@bank.example"]]

    container.projections.rebuild("notifications")  # recreating the outbox never re-sends
    assert run_job(store, "outbox", c.store.today())["sent"] == 0
    assert len(inbox.messages) == 2


@pytest.mark.slow
def test_each_attempt_is_composed_when_it_is_sent_under_one_message_id(container, people, store, smtp):
    """RFC 5322 ``Date:``; the link under the APP_BASE_URL of the sending run; one opaque
    Message-ID for a message on every attempt; ``pending`` counts a message waiting to retry."""
    c = container
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="メールの組み立て")
    smtp.inbox.refusals = 1
    first = run_job(store, "outbox", c.store.today())
    assert (first["sent"], first["retry"], first["pending"]) == (0, 1, 1)  # waiting for its retry is pending
    assert run_job(store, "outbox", c.store.today())["pending"] == 1  # backing off, still pending

    with container.engine.begin() as connection:
        connection.execute(text("UPDATE outbox_deliveries SET next_attempt_at = :past WHERE status = 'retry'"), {"past": datetime(2000, 1, 1)})
    store.env["APP_BASE_URL"] = "https://review.bank.example/fisc/"  # moved after the mail was queued
    before = datetime.now().astimezone()
    second = run_job(store, "outbox", c.store.today())
    assert (second["sent"], second["pending"]) == (1, 0)

    refused, delivered = parsed(smtp.inbox.refused[0]), parsed(smtp.inbox.messages[0])
    assert refused["Message-ID"] == delivered["Message-ID"]
    message_id = delivered["Message-ID"]
    assert message_id.startswith("<") and message_id.endswith(">")
    for private in (people.connector.id, str(engagement.id), "staff", "fintech"):
        assert str(private) not in message_id
    sent_at = parsedate_to_datetime(delivered["Date"])
    assert sent_at.utcoffset() == timedelta(hours=9)  # APP_TIMEZONE (Asia/Tokyo)
    assert before - timedelta(seconds=5) <= sent_at <= datetime.now().astimezone() + timedelta(seconds=5)
    body = delivered.get_content()
    assert f"https://review.bank.example/fisc/engagements/{engagement.id}" in body
    assert "127.0.0.1" not in body

    container.projections.rebuild("notifications")  # a rebuilt outbox keeps each message's id
    with container.engine.connect() as connection:
        assert connection.scalar(text("SELECT message_id FROM outbox")) == message_id
    assert run_job(store, "outbox", c.store.today())["pending"] == 0
