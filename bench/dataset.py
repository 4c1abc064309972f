"""A realistic dataset: the events the real use cases record, written in bulk.

Banks, connectors and their staff through ``container.accounts``. Engagements are
played through the domain verbs of ``Engagement`` (open, answer, submit, question
threads, judge, decide, annual review cycle, withdraw) — the calls each use case
of ``container.store`` makes between loading and saving, with the same rules —
and saved with ``container.store.save`` a batch of engagements at a time, so
loading 2,000 engagements takes seconds rather than minutes of one transaction
per command. (Commands through the use cases are what ``measure_commands``
times.) The stories are spread over the states an operator sees:

====================  =====  =====================================================
story                 share  what happened
====================  =====  =====================================================
draft                 15 %   opened, connector answering (part of the items)
submitted             12 %   every item answered (some revised), submitted
under_review          23 %   plus question threads (one left open), part judged
rejected               5 %   fully judged (some unsatisfied), rejected
monitoring            22 %   approved or conditionally approved (conditions,
                             some fulfilled)
annual_in_progress     8 %   monitoring, then the annual cycle started and the
                             connector is re-answering
second_cycle_done     12 %   the annual cycle went through again to monitoring
withdrawn              3 %   withdrawn by the connector while in draft
====================  =====  =====================================================

That averages about 100 events per engagement (the run prints the exact figure).
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

from service.bootstrap import Container
from service.domain.actors import Actor
from service.domain.engagement import Engagement

PASSWORD = "bench-password-2026"
SAVE_BATCH = 20  # engagements per save (one transaction)

STORIES: tuple[tuple[str, int], ...] = (
    ("draft", 15),
    ("submitted", 12),
    ("under_review", 23),
    ("rejected", 5),
    ("monitoring", 22),
    ("annual_in_progress", 8),
    ("second_cycle_done", 12),
    ("withdrawn", 3),
)

CURRENT_STATES = [
    "「{o}」について、社内規程を定めて年1回見直し、責任者が運用状況を四半期ごとに確認している。",
    "「{o}」について、手順書を整備し、担当者への教育を年2回実施している。実施記録は3年間保管している。",
    "「{o}」について、外部の第三者評価（ISMS認証）の範囲に含め、指摘事項は是正計画に沿って対応済みである。",
    "「{o}」について、委託先を含めて管理しており、契約書に報告義務と監査権を定めている。",
]
ISSUES = "一部の拠点で運用手順に差異があり、記録の様式が統一されていない。"
PLAN = "次四半期までに全拠点の手順を統一し、内部監査で運用状況を確認する。"
QUESTIONS = [
    "運用状況の確認方法（頻度・記録の保管先）を具体的にご教示ください。",
    "委託先における同等の管理の有無と、その確認方法をご教示ください。",
    "直近1年間の見直し実績（日付・主な変更点）をご提示ください。",
    "多要素認証の方式（トークン種別）と適用範囲をご教示ください。",
]
REPLIES = [
    "四半期ごとに責任者が点検し、記録は文書管理システムに3年間保管しています。",
    "委託先とは契約で同等の管理を求め、年1回の書面監査で確認しています。",
    "昨年10月に規程を改定し、権限見直しの頻度を半期から四半期に変更しました。",
    "ハードウェアトークンによるワンタイムパスワードを全ての特権IDに適用しています。",
]
FOLLOW_UPS = ["承知しました。補足資料があればご提示ください。", "ご回答ありがとうございます。記録の様式も併せてご提示ください。"]


@dataclass
class BankCast:
    org_id: str
    name: str
    reviewer: Actor
    reviewer_email: str
    auditor: Actor
    ref: dict[str, str]


@dataclass
class ConnectorCast:
    org_id: str
    name: str
    staff: Actor
    staff_email: str
    ref: dict[str, str]


@dataclass
class EngagementInfo:
    id: str
    story: str
    bank: int
    connector: int
    version: int = 0
    active_items: int = 0


@dataclass
class Dataset:
    banks: list[BankCast]
    connectors: list[ConnectorCast]
    engagements: list[EngagementInfo] = field(default_factory=list)
    commands: int = 0
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return sum(e.version for e in self.engagements)

    def of_story(self, *stories: str) -> list[EngagementInfo]:
        return [e for e in self.engagements if e.story in stories]

    def of_bank(self, bank: int) -> list[EngagementInfo]:
        return [e for e in self.engagements if e.bank == bank]

    def summary(self) -> str:
        counts = Counter(e.story for e in self.engagements)
        per_bank = Counter(e.bank for e in self.engagements)
        mix = ", ".join(f"{story} {counts.get(story, 0)}" for story, _ in STORIES)
        return (
            f"dataset: {len(self.engagements):,} engagements, {self.events:,} events "
            f"({self.events / max(1, len(self.engagements)):.1f} per engagement), {len(self.banks)} banks "
            f"(≈{max(per_bank.values(), default=0)} engagements each at most), {len(self.connectors)} connectors; "
            f"stories: {mix}; loaded with {self.commands:,} commands in {self.seconds:.0f} s "
            f"({self.commands / max(self.seconds, 1e-9):,.0f} domain commands/s; domain verbs, one save per {SAVE_BATCH} engagements)"
        )


def shape(engagements: int) -> tuple[int, int]:
    """How many banks and connectors for a dataset of this size."""
    banks = min(40, max(2, math.ceil(engagements / 100)))
    connectors = min(2000, max(4, math.ceil(engagements / 5)))
    return banks, connectors


def create_people(container: Container, engagements: int) -> Dataset:
    accounts = container.accounts
    banks_n, connectors_n = shape(engagements)

    def person(email: str, name: str, org_id: str, role: str) -> Actor:
        return accounts.actor(accounts.add_user(email=email, name=name, org_id=org_id, role=role, password=PASSWORD))

    banks = []
    for b in range(banks_n):
        name = f"ベンチ銀行{b + 1:03d}"
        org_id = accounts.add_org(name, "bank")
        reviewer_email = f"reviewer@bank{b + 1:03d}.bench.example"
        reviewer = person(reviewer_email, f"審査 {b + 1:03d}", org_id, "reviewer")
        auditor = person(f"auditor@bank{b + 1:03d}.bench.example", f"監査 {b + 1:03d}", org_id, "auditor")
        banks.append(BankCast(org_id, name, reviewer, reviewer_email, auditor, accounts.org(org_id).as_ref()))
    connectors = []
    for c in range(connectors_n):
        name = f"ベンチテック{c + 1:04d}株式会社"
        org_id = accounts.add_org(name, "connector")
        email = f"staff@connector{c + 1:04d}.bench.example"
        staff = person(email, f"担当 {c + 1:04d}", org_id, "connector")
        connectors.append(ConnectorCast(org_id, name, staff, email, accounts.org(org_id).as_ref()))
    fisc = accounts.add_org("FISC 連絡窓口（ベンチ）", "fisc")
    person("liaison@fisc.bench.example", "連絡 窓口", fisc, "liaison")
    return Dataset(banks, connectors)


class Loader:
    """Plays one story per engagement through the domain verbs; ``flush`` saves them."""

    def __init__(self, container: Container, dataset: Dataset, rng: random.Random) -> None:
        self.store = container.store
        self.dataset = dataset
        self.rng = rng
        self.edition = container.editions.current()
        self.today = container.store.today()
        self.items = {item.number: (item.party.value, item.objective.rstrip("。")) for item in self.edition.items}
        self.commands = 0
        self.unsaved: list[Engagement] = []

    # ------------------------------------------------------------------ plumbing

    def _do(self, engagement: Engagement, verb: str, actor: Actor, *args: Any, **kwargs: Any) -> Engagement:
        """One command: the domain verb the use case of the same name calls."""
        self.commands += 1
        getattr(engagement, verb)(actor, *args, **kwargs)
        return engagement

    def flush(self) -> None:
        if self.unsaved:
            self.store.save(*self.unsaved)
            self.unsaved = []

    def _answer(self, actor: Actor, engagement: Engagement, number: int, revision: int = 0, cycle: int = 1) -> Engagement:
        party, objective = self.items.get(number, ("connector", f"独自項目{number}"))
        rng = self.rng
        partial = rng.random() < 0.12
        text = rng.choice(CURRENT_STATES).format(o=objective)
        if revision:
            text += f"（{cycle}回目の審査に向けて第{revision + 1}版として更新）"
        answer = dict(status="partial" if partial else "implemented", current_state=text)
        if partial:
            answer.update(issues=ISSUES, plan=PLAN)
        if rng.random() < 0.15:
            answer["remarks"] = "証跡は別途提出の資料（規程集・点検記録）を参照。"
        return self._do(engagement, "save_answer", actor, number, **answer)

    def _side(self, info: EngagementInfo, number: int) -> Actor:
        party = self.items.get(number, ("connector", ""))[0]
        if party == "bank":
            return self.dataset.banks[info.bank].reviewer
        return self.dataset.connectors[info.connector].staff

    # ------------------------------------------------------------------ steps

    def answer_cycle(self, info: EngagementInfo, engagement: Any, fraction: float = 1.0, cycle: int = 1) -> Any:
        numbers = [n for n in engagement.cycle["items"]]
        if fraction < 1.0:
            numbers = self.rng.sample(numbers, max(1, int(len(numbers) * fraction)))
        for number in numbers:
            engagement = self._answer(self._side(info, number), engagement, number, cycle=cycle)
        revised = [n for n in numbers if self.rng.random() < 0.25]
        for number in revised:
            engagement = self._answer(self._side(info, number), engagement, number, revision=1, cycle=cycle)
        return engagement

    def submit(self, info: EngagementInfo, engagement: Any) -> Any:
        return self._do(engagement, "submit", self.dataset.connectors[info.connector].staff)

    def questions(self, info: EngagementInfo, engagement: Any, count: int, leave_open: int = 0) -> Any:
        reviewer = self.dataset.banks[info.bank].reviewer
        staff = self.dataset.connectors[info.connector].staff
        rng = self.rng
        numbers = rng.sample([n for n in engagement.cycle["items"] if n in engagement.active_numbers()], count)
        for index, number in enumerate(numbers):
            qid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            engagement = self._do(engagement, "ask_question", reviewer, number, rng.choice(QUESTIONS), qid)
            engagement = self._do(engagement, "post_reply", staff, qid, rng.choice(REPLIES))
            if self.items.get(number, ("connector",))[0] != "bank" and rng.random() < 0.4:
                engagement = self._answer(staff, engagement, number, revision=1, cycle=engagement.cycle["number"])
            if rng.random() < 0.5:
                engagement = self._do(engagement, "post_reply", reviewer, qid, rng.choice(FOLLOW_UPS))
                engagement = self._do(engagement, "post_reply", staff, qid, rng.choice(REPLIES))
            if index >= leave_open:
                engagement = self._do(engagement, "close_question", reviewer, qid)
        return engagement

    def judge(self, info: EngagementInfo, engagement: Any, fraction: float = 1.0, unsatisfied: int = 0) -> Any:
        reviewer = self.dataset.banks[info.bank].reviewer
        numbers = engagement.unjudged()
        if fraction < 1.0:
            numbers = numbers[: max(1, int(len(numbers) * fraction))]
        bad = set(self.rng.sample(numbers, min(unsatisfied, len(numbers))))
        for number in numbers:
            answer = engagement.item(number)["answer"] or {}
            if number in bad:
                verdict, comment = "unsatisfied", "対応状況を確認できる証跡が提出されていない。"
            elif answer.get("status") == "partial":
                verdict, comment = "compensated", "代替策（第三者認証 ISMS の取得）により可とする。"
            else:
                verdict, comment = "satisfied", ""
            engagement = self._do(engagement, "judge_item", reviewer, number, verdict, comment, None)
        return engagement

    def decide(self, info: EngagementInfo, engagement: Any, outcome: str) -> Any:
        reviewer = self.dataset.banks[info.bank].reviewer
        conditions = []
        if outcome == "conditional":
            numbers = self.rng.sample(engagement.active_numbers(), 2)
            conditions = [{"text": "全拠点の運用手順を統一し、実施結果を報告すること。", "items": numbers, "due_on": (self.today + timedelta(days=180)).isoformat()}]
        comment = {
            "approved": "全項目を確認し、接続を承認する。",
            "conditional": "一部対応の項目は代替策で補われており、条件付きで接続を承認する。",
            "rejected": "脆弱性対策の実施状況を確認できないため、接続を見送る。",
        }[outcome]
        engagement = self._do(
            engagement, "decide", reviewer, outcome=outcome, comment=comment, conditions=conditions, decided_on=self.today
        )
        if outcome == "conditional" and self.rng.random() < 0.5:
            condition_id = engagement.conditions[-1]["id"]
            engagement = self._do(engagement, "fulfil_condition", reviewer, condition_id, "報告書を受領し確認した。")
        return engagement

    def first_cycle_to_decision(self, info: EngagementInfo, engagement: Any, outcome: str) -> Any:
        engagement = self.submit(info, self.answer_cycle(info, engagement))
        engagement = self.questions(info, engagement, self.rng.randint(2, 5))
        engagement = self.judge(info, engagement, unsatisfied=2 if outcome == "rejected" else 0)
        return self.decide(info, engagement, outcome)

    def annual_cycle(self, info: EngagementInfo, engagement: Any) -> Any:
        reviewer = self.dataset.banks[info.bank].reviewer
        return self._do(engagement, "start_review_cycle", reviewer, "annual", (), "年次モニタリング")

    # ------------------------------------------------------------------ stories

    def play(self, info: EngagementInfo) -> None:
        rng = self.rng
        bank = self.dataset.banks[info.bank]
        connector = self.dataset.connectors[info.connector]
        tailoring: dict[str, Any] = {}
        roll = rng.random()
        if roll < 0.10:
            tailoring["dropped_items"] = [{"number": 33, "reason": "スマートフォンアプリを提供しないため対象外とする。"}]
        elif roll < 0.15:
            tailoring["custom_items"] = [{"objective": "当行指定のAPI利用規約に同意している。", "party": "connector"}]
        self.commands += 1
        engagement = Engagement.open(
            bank.reviewer,
            bank=bank.ref,
            connector=connector.ref,
            title=f"{connector.name} API連携（{'参照系' if rng.random() < 0.6 else '更新系'}）#{len(self.dataset.engagements) + 1}",
            edition=self.edition,
            **tailoring,
        )
        info.id = str(engagement.id)
        story = info.story
        if story == "draft":
            engagement = self.answer_cycle(info, engagement, fraction=rng.uniform(0.2, 0.9))
        elif story == "withdrawn":
            engagement = self.answer_cycle(info, engagement, fraction=rng.uniform(0.1, 0.5))
            engagement = self._do(engagement, "withdraw", connector.staff, "サービス統合に伴い申請を取り下げます。")
        elif story == "submitted":
            engagement = self.submit(info, self.answer_cycle(info, engagement))
        elif story == "under_review":
            engagement = self.submit(info, self.answer_cycle(info, engagement))
            engagement = self.questions(info, engagement, rng.randint(2, 5), leave_open=1)
            engagement = self.judge(info, engagement, fraction=rng.uniform(0.4, 0.9))
        elif story == "rejected":
            engagement = self.first_cycle_to_decision(info, engagement, "rejected")
        elif story == "monitoring":
            engagement = self.first_cycle_to_decision(info, engagement, "conditional" if rng.random() < 0.4 else "approved")
        elif story == "annual_in_progress":
            engagement = self.first_cycle_to_decision(info, engagement, "approved")
            engagement = self.annual_cycle(info, engagement)
            engagement = self.answer_cycle(info, engagement, fraction=rng.uniform(0.3, 0.9), cycle=2)
        elif story == "second_cycle_done":
            engagement = self.first_cycle_to_decision(info, engagement, "conditional" if rng.random() < 0.3 else "approved")
            engagement = self.annual_cycle(info, engagement)
            engagement = self.submit(info, self.answer_cycle(info, engagement, cycle=2))
            engagement = self.questions(info, engagement, rng.randint(0, 3))
            engagement = self.judge(info, engagement)
            engagement = self.decide(info, engagement, "approved")
        else:
            raise ValueError(story)
        info.version = engagement.version
        info.active_items = len(engagement.active_numbers())
        self.unsaved.append(engagement)
        if len(self.unsaved) >= SAVE_BATCH:
            self.flush()


def story_plan(count: int, rng: random.Random) -> list[str]:
    """The shares of ``STORIES`` (largest remainder rounding), in random order."""
    total = sum(share for _, share in STORIES)
    exact = [(story, count * share / total) for story, share in STORIES]
    counts = {story: int(value) for story, value in exact}
    by_remainder = sorted(exact, key=lambda pair: pair[1] - int(pair[1]), reverse=True)
    for story, _ in by_remainder[: count - sum(counts.values())]:
        counts[story] += 1
    plan = [story for story, _ in STORIES for _ in range(counts[story])]
    rng.shuffle(plan)
    return plan


def load(
    container: Container, engagements: int, rng: random.Random, progress: Callable[[int, int], None] | None = None
) -> Dataset:
    started = time.perf_counter()
    dataset = create_people(container, engagements)
    loader = Loader(container, dataset, rng)
    banks, connectors = len(dataset.banks), len(dataset.connectors)
    for index, story in enumerate(story_plan(engagements, rng)):
        info = EngagementInfo(id="", story=story, bank=index % banks, connector=rng.randrange(connectors))
        loader.play(info)
        dataset.engagements.append(info)
        if progress:
            progress(index + 1, engagements)
    loader.flush()
    dataset.commands = loader.commands
    dataset.seconds = time.perf_counter() - started
    return dataset
