"""Demo data: a bank, two connectors, the FISC desk, a user per role and
engagements in every state, all created through the real use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from .accounts import Org
from .bootstrap import Container
from .domain.actors import Actor
from .domain.engagement import Engagement

DEMO_PASSWORD = "demo-password-2026"
BANK = "あおば銀行（デモ）"
CONNECTOR_A = "かけいぼテック株式会社（デモ）"
CONNECTOR_B = "ペイフロー株式会社（デモ）"
FISC = "FISC API接続チェックリスト連絡会（デモ）"
OPERATOR = "サービス運営事務局（デモ）"

USERS = (
    ("reviewer@aoba-bank.example", "青葉 審査", BANK, "reviewer"),
    ("auditor@aoba-bank.example", "青葉 監査", BANK, "auditor"),
    ("admin@aoba-bank.example", "青葉 管理", BANK, "admin"),
    ("staff@kakeibo-tech.example", "家計 太郎", CONNECTOR_A, "connector"),
    ("staff@payflow.example", "支払 花子", CONNECTOR_B, "connector"),
    ("liaison@fisc.example", "連絡 窓口", FISC, "liaison"),
    ("admin@operator.example", "運営 管理", OPERATOR, "admin"),
)


@dataclass
class Cast:
    reviewer: Actor
    connector_a: Actor
    connector_b: Actor


def load_demo(container: Container) -> list[str]:
    """Create the demo once (a second run only prints the logins again)."""
    if not _already_loaded(container):
        cast = _create_people(container)
        _create_engagements(container, cast)
    lines = [f"demo logins (password for all: {DEMO_PASSWORD})"]
    lines += [f"  {role:<9} {email}  {name} / {org}" for email, name, org, role in USERS]
    return lines


def _already_loaded(container: Container) -> bool:
    with container.sessions() as session:
        return session.scalar(select(Org.id).where(Org.name == BANK)) is not None


def _create_people(container: Container) -> Cast:
    accounts = container.accounts
    org_ids = {
        BANK: accounts.add_org(BANK, "bank"),
        CONNECTOR_A: accounts.add_org(CONNECTOR_A, "connector"),
        CONNECTOR_B: accounts.add_org(CONNECTOR_B, "connector"),
        FISC: accounts.add_org(FISC, "fisc"),
        OPERATOR: accounts.add_org(OPERATOR, "operator"),
    }
    actors = {}
    for email, name, org, role in USERS:
        user_id = accounts.add_user(email=email, name=name, org_id=org_ids[org], role=role, password=DEMO_PASSWORD)
        actors[email] = accounts.actor(user_id)
    return Cast(
        reviewer=actors["reviewer@aoba-bank.example"],
        connector_a=actors["staff@kakeibo-tech.example"],
        connector_b=actors["staff@payflow.example"],
    )


def _answer_all(container: Container, cast: Cast, engagement: Engagement, connector: Actor) -> Engagement:
    """Both sides answer their items; a few items honestly show gaps and plans."""
    c = container
    for item in list(engagement.items):
        if item["dropped"] is not None:
            continue
        actor = cast.reviewer if item["party"] == "bank" else connector
        number = item["number"]
        objective = item["objective"].rstrip("。")
        if number % 11 == 5:
            answer = dict(
                status="partial",
                current_state=f"「{objective}」について、主要な対策は実施済みだが一部の拠点で運用が未整備である。",
                issues="拠点ごとの運用手順に差異がある。",
                plan="次四半期までに全拠点の手順を統一し、内部監査で確認する。",
            )
        else:
            answer = dict(
                status="implemented",
                current_state=f"「{objective}」について、社内規程を定めて年1回見直し、責任者が運用状況を確認している。",
            )
        engagement = c.review.save_answer(actor, engagement.id, number, **answer)
    return engagement


def _judge_all(container: Container, cast: Cast, engagement: Engagement) -> Engagement:
    for number in engagement.unjudged():
        partial = number % 11 == 5
        engagement = container.review.judge_item(
            cast.reviewer,
            engagement.id,
            number,
            verdict="compensated" if partial else "satisfied",
            comment="代替策（第三者認証 ISMS の取得）により可とする。" if partial else "",
        )
    return engagement


def _two_voices_and_tailoring(container: Container, cast: Cast, review: Engagement) -> None:
    """The engagement under review shows both voices on 共通 items and tailoring during the review."""
    c = container
    # 共通 items in two voices: the bank's own statement beside the connector's
    for number, text in ((9, "当行側でも委託先管理規程に基づき、接続先の体制を年1回確認している。"), (12, "当行の監視基盤で接続先からのアクセスを常時監視している。")):
        c.review.save_answer(cast.reviewer, review.id, number, status="implemented", current_state=text)
    # tailoring during the review: the bank's own item with the catalogue's fields, an item left out
    c.tailoring.add_custom_item(
        cast.reviewer,
        review.id,
        objective="振込限度額の設定と変更の手続を利用者ごとに管理している。",
        party="connector",
        category="当行独自（更新系）",
        explanation="更新系APIでは不正送金の被害を限定するため、利用者ごとの限度額とその変更手続を確認する。",
        methods=[{"group": "＜限度額＞", "text": "利用者ごとに1日の振込限度額を設定する"}, {"group": "＜限度額＞", "text": "限度額の変更時に追加認証を求める"}],
        references=[{"source": "安全対策基準", "location": "実150"}],
    )
    c.tailoring.drop_item(cast.reviewer, review.id, 40, "当行の更新系APIでは提供しない機能のため対象外とする。")
    c.tailoring.template_from_engagement(cast.reviewer, review.id, name="更新系APIの標準（デモ）")


def _agreed_plan_and_change_report(container: Container, cast: Cast, approved: Engagement, open_: Any) -> None:
    """An agreed monitoring plan, and a change report reaching the connector's engagements in monitoring."""
    c = container
    # monitoring plan agreed by both sides: proposed by the connector, agreed by the bank
    c.engagements.propose_monitoring_plan(
        cast.connector_a, approved.id, frequency_months=6, depth="changed_items", note="半期ごとに、前回から変化のあった項目を書面で確認する。"
    )
    c.engagements.agree_monitoring_plan(cast.reviewer, approved.id)

    # a change report: the connector reports once, each of its engagements in monitoring reopens those items
    reported = _answer_all(container, cast, open_("決済サービス「ペイフロー」通知API", cast.connector_b), cast.connector_b)
    c.review.submit(cast.connector_b, reported.id)
    reported = _judge_all(container, cast, reported)
    c.review.decide(cast.reviewer, reported.id, outcome="approved", comment="全項目を確認し、接続を承認する。")
    c.change_reports.report_change(
        cast.connector_b, items=[10, 11], summary="利用するクラウド事業者を変更します（データセンターの移転）。", effective_on=(c.store.today() + timedelta(days=30)).isoformat()
    )


def _create_engagements(container: Container, cast: Cast) -> None:
    c = container

    def open_(title: str, connector: Actor, **tailoring) -> Engagement:
        return c.engagements.open_engagement(cast.reviewer, connector_org_id=connector.org_id, title=title, **tailoring)

    # draft: the connector is still answering
    draft = open_(
        "家計簿アプリ「かけいぼ」参照系API（口座残高・入出金明細）",
        cast.connector_a,
        dropped_items=[{"number": 33, "reason": "スマートフォンアプリを提供しないため対象外とする。"}],
        custom_items=[{"objective": "当行指定のAPI利用規約に同意している。", "party": "connector"}],
    )
    c.review.save_answer(cast.connector_a, draft.id, 1, status="implemented", current_state="CISOを任命し、職務分掌規程で範囲を定めている。")

    # submitted: answers complete, waiting for the bank
    submitted = _answer_all(container, cast, open_("決済サービス「ペイフロー」更新系API（振込）", cast.connector_b), cast.connector_b)
    c.review.submit(cast.connector_b, submitted.id)

    # under review: a question is open on item 22
    review = _answer_all(container, cast, open_("家計簿アプリ「かけいぼ」更新系API（振込）", cast.connector_a), cast.connector_a)
    c.review.submit(cast.connector_a, review.id)
    c.review.judge_item(cast.reviewer, review.id, 1, verdict="satisfied")
    question_id, review = c.review.ask_question(cast.reviewer, review.id, 22, "特権IDの多要素認証の方式（トークン種別）をご教示ください。")
    c.review.post_reply(cast.connector_a, review.id, question_id, "ハードウェアトークンによるワンタイムパスワードを利用しています。")
    _two_voices_and_tailoring(container, cast, review)

    # decided: rejected after review
    rejected = _answer_all(container, cast, open_("ポイント連携サービス（参照系）", cast.connector_b), cast.connector_b)
    c.review.submit(cast.connector_b, rejected.id)
    rejected = _judge_all(container, cast, rejected)
    c.review.judge_item(cast.reviewer, rejected.id, 27, verdict="unsatisfied", comment="脆弱性診断が未実施。")
    c.review.decide(cast.reviewer, rejected.id, outcome="rejected", comment="脆弱性対策の実施状況を確認できないため、接続を見送る。")

    # monitoring: conditional approval with a tracked condition
    approved = _answer_all(container, cast, open_("資産管理アプリ連携（参照系）", cast.connector_a), cast.connector_a)
    c.review.submit(cast.connector_a, approved.id)
    approved = _judge_all(container, cast, approved)
    c.review.decide(
        cast.reviewer,
        approved.id,
        outcome="conditional",
        comment="一部対応の項目は代替策で補われており、総合的に接続を承認する。",
        conditions=[{"text": "全拠点の運用手順を統一し報告すること。", "items": [5, 16], "due_on": (c.store.today() + timedelta(days=120)).isoformat()}],
    )
    _agreed_plan_and_change_report(container, cast, approved, open_)

    # annual monitoring: approved last cycle, the annual re-check has started
    annual = _answer_all(container, cast, open_("会計ソフト連携（参照系）", cast.connector_b), cast.connector_b)
    c.review.submit(cast.connector_b, annual.id)
    annual = _judge_all(container, cast, annual)
    c.review.decide(cast.reviewer, annual.id, outcome="approved", comment="全項目を確認し、接続を承認する。")
    c.engagements.start_review_cycle(cast.reviewer, annual.id, reason="annual", note="年次モニタリング")

    # withdrawn by the connector
    withdrawn = open_("家計簿アプリ「かけいぼ」旧版API", cast.connector_a)
    c.engagements.withdraw(cast.connector_a, withdrawn.id, "サービス統合に伴い申請を取り下げます。")
