"""Each role's day in real Chromium: opening with tailoring, answering and submitting,
the question thread, judging with a validation error, the holistic decision, the
auditor's read-only view with its as-of link, lockout, and what others may not see."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from service.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in
from tests.integration.conftest import PASSWORD, add_person

REVIEWER = "reviewer@aoba-bank.example"
CONNECTOR = "staff@kakeibo-tech.example"
AUDITOR = "auditor@aoba-bank.example"


def log_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_text("ログアウトしました。")).to_be_visible()


def test_a_review_from_opening_to_decision(page: Page, live_server: str, container):
    base = live_server
    log_in(page, base, REVIEWER)
    page.get_by_role("link", name="新規審査").click()

    # a validation error keeps what was typed and speaks Japanese next to the field
    page.get_by_label("API接続先").select_option(label="かけいぼテック株式会社（デモ）")
    page.get_by_label("通番33を削除").check()
    page.get_by_label("通番33の削除理由").fill("スマートフォンアプリを提供しない")
    page.get_by_role("button", name="審査案件を作成").click()
    expect(page.get_by_text("入力してください。")).to_be_visible()
    expect(page.get_by_label("通番33の削除理由")).to_have_value("スマートフォンアプリを提供しない")
    expect(page.get_by_label("通番33を削除")).to_be_checked()

    page.get_by_label("案件名").fill("ブラウザ審査 参照系API")
    page.get_by_role("button", name="審査案件を作成").click()
    expect(page.get_by_role("heading", name="ブラウザ審査 参照系API")).to_be_visible()
    expect(page.locator("#item-33")).to_contain_text("削除: スマートフォンアプリを提供しない")
    engagement_id = re.search(r"/engagements/([0-9a-f-]{36})", page.url).group(1)

    # the bank answers its own items; the connector answers all but item 1 (fast path through the use cases)
    reviews = container.reviews
    reviewer = container.accounts.authenticate(REVIEWER, DEMO_PASSWORD)
    connector = container.accounts.authenticate(CONNECTOR, DEMO_PASSWORD)
    engagement = reviews.engagement(reviewer, engagement_id)
    for item in engagement.items:
        if item["dropped"] or item["number"] == 1:
            continue
        actor = reviewer if item["party"] == "bank" else connector
        reviews.save_answer(actor, engagement_id, item["number"], status="implemented", current_state="実施済み")
    log_out(page)

    # the connector answers item 1 in the form and submits
    log_in(page, base, CONNECTOR)
    page.goto(f"{base}/engagements/{engagement_id}")
    expect(page.locator("#submit")).to_contain_text("通番1")
    item = page.locator("#item-1")
    item.get_by_label("対応状況区分").select_option(label="一部対応")
    item.get_by_label("現在の対応状況（必須）").fill("CISOを任命済み。職務分掌規程を改訂中。")
    item.get_by_label("課題認識").fill("規程改訂が未完了")
    item.get_by_role("button", name="回答を保存").click()
    expect(page.get_by_text("通番1の回答を保存しました。")).to_be_visible()
    expect(page.locator("#item-1")).to_contain_text("一部対応")
    page.get_by_role("button", name="金融機関へ提出する").click()
    expect(page.get_by_text("回答を提出しました。")).to_be_visible()
    expect(page.locator(".engagement-head")).to_contain_text("提出済")
    log_out(page)

    # the reviewer asks about item 1
    log_in(page, base, REVIEWER)
    page.goto(f"{base}/engagements/{engagement_id}#item-1")
    item = page.locator("#item-1")
    item.get_by_text("この項目について質問する").click()
    item.get_by_label("質問").fill("規程改訂の完了予定時期を教えてください。")
    item.get_by_role("button", name="質問を送る").click()
    expect(page.locator("#item-1 .question")).to_contain_text("規程改訂の完了予定時期")
    log_out(page)

    # the connector sees it waiting and replies
    log_in(page, base, CONNECTOR)
    page.get_by_role("link", name="対応待ち").first.click()
    page.get_by_text("質問への回答").first.click()
    page.locator("#item-1").get_by_label("返信").fill("来月末に完了予定です。")
    page.locator("#item-1").get_by_role("button", name="返信する").click()
    expect(page.get_by_text("返信しました。")).to_be_visible()
    log_out(page)

    # the reviewer closes the thread, judges (an error first), decides conditionally
    log_in(page, base, REVIEWER)
    page.goto(f"{base}/engagements/{engagement_id}#item-1")
    page.locator("#item-1").get_by_role("button", name="質問を完了にする").click()
    expect(page.get_by_text("質問を完了しました。")).to_be_visible()
    item = page.locator("#item-1")
    item.get_by_label("未充足", exact=True).check()
    item.get_by_role("button", name="判定を記録").click()
    expect(page.locator("#item-1 .field-error")).to_be_visible()
    expect(page.locator("#item-1").get_by_label("未充足", exact=True)).to_be_checked()
    page.locator("#item-1").get_by_label("コメント（未充足・代替策の場合は必須）").fill("規程改訂が未完了")
    page.locator("#item-1").get_by_role("button", name="判定を記録").click()
    expect(page.get_by_text("通番1を判定しました。")).to_be_visible()
    for number in reviews.engagement(reviewer, engagement_id).unjudged():
        reviews.judge_item(reviewer, engagement_id, number, verdict="satisfied")
    page.reload()
    decision = page.locator("#decision")
    decision.get_by_label("条件付承認").check()
    decision.get_by_label("判断理由（必須）").fill("規程改訂の完了を条件に、総合的に接続を承認する。")
    decision.locator("input[name=condition-text-0]").fill("職務分掌規程の改訂を完了し報告すること")
    decision.locator("input[name=condition-items-0]").fill("1")
    decision.locator("input[name=condition-due-0]").fill("2027-03-31")
    decision.get_by_role("button", name="総合判定を記録").click()
    expect(page.get_by_text("総合判定を記録しました。")).to_be_visible()
    expect(page.locator(".engagement-head")).to_contain_text("モニタリング中")
    expect(page.locator("#decision")).to_contain_text("職務分掌規程の改訂を完了し報告すること")
    expect(page.locator(".verdict-grid .verdict-unsatisfied")).to_have_count(1)
    log_out(page)

    # the auditor reads everything and changes nothing; the timeline leads to the past
    log_in(page, base, AUDITOR)
    page.goto(f"{base}/engagements/{engagement_id}")
    expect(page.locator("form[action*='/answer']")).to_have_count(0)
    expect(page.locator("form[action*='/judgement']")).to_have_count(0)
    page.get_by_role("link", name="操作履歴と過去時点の表示").click()
    expect(page.locator("table.grid tbody tr")).to_have_count(reviews.engagement(reviewer, engagement_id).version)
    page.locator("table.grid tbody tr").nth(1).get_by_role("link", name="この時点").click()
    expect(page.get_by_text("時点の内容を表示しています（読み取り専用）")).to_be_visible()
    expect(page.locator(".engagement-head")).to_contain_text("回答作成中")


def test_other_organisations_and_roles_are_kept_out(page: Page, live_server: str, container):
    base = live_server
    other_bank = container.accounts.add_org("他行（テスト）", "bank")
    add_person(container, other_bank, "reviewer", "outsider@other.example")
    reviewer = container.accounts.authenticate(REVIEWER, DEMO_PASSWORD)
    engagement_id = container.views.board(reviewer)[0]["engagement_id"]

    log_in(page, base, "outsider@other.example", PASSWORD)
    expect(page.locator("table.board tbody")).to_contain_text("該当する案件はありません。")
    response = page.goto(f"{base}/engagements/{engagement_id}")
    assert response.status == 404
    expect(page.get_by_text("ページが見つかりません")).to_be_visible()
    log_out(page)

    log_in(page, base, "liaison@fisc.example")
    expect(page.get_by_role("heading", name="チェックリストの版")).to_be_visible()
    assert page.goto(f"{base}/engagements/{engagement_id}").status == 403


def test_lockout_after_five_failures_is_explained(page: Page, live_server: str):
    page.goto(f"{live_server}/login")
    for _ in range(5):
        page.get_by_label("メールアドレス").fill(CONNECTOR)
        page.get_by_label("パスワード").fill("wrong password!")
        page.get_by_role("button", name="ログイン").click()
        expect(page.get_by_text("メールアドレス、パスワードまたはワンタイムコードが正しくありません。")).to_be_visible()
    page.get_by_label("メールアドレス").fill(CONNECTOR)
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_text("ログインに続けて失敗したため、15分間ロックされています。")).to_be_visible()
    expect(page.get_by_label("メールアドレス")).to_have_value(CONNECTOR)


def test_admin_registers_an_organisation_and_a_user(page: Page, live_server: str):
    log_in(page, live_server, "admin@aoba-bank.example")
    expect(page.get_by_role("heading", name="組織")).to_be_visible()
    page.get_by_label("組織名").fill("新規フィンテック株式会社")
    page.get_by_label("種別").select_option("connector")
    page.get_by_role("button", name="組織を登録").click()
    expect(page.get_by_text("組織「新規フィンテック株式会社」を登録しました。")).to_be_visible()
    page.get_by_role("link", name="利用者").click()
    page.get_by_label("メールアドレス").fill("new@fintech.example")
    page.get_by_label("氏名").fill("新規 花子")
    page.get_by_label("組織").select_option(label="新規フィンテック株式会社（API接続先）")
    page.get_by_label("役割").select_option("reviewer")
    page.get_by_label("初期パスワード（12文字以上）").fill("a long enough password")
    page.get_by_role("button", name="利用者を登録").click()
    expect(page.get_by_text("connector organisation").or_(page.locator(".field-error"))).to_be_visible()
    expect(page.get_by_label("氏名")).to_have_value("新規 花子")
    page.get_by_label("役割").select_option("connector")
    page.get_by_label("初期パスワード（12文字以上）").fill("a long enough password")
    page.get_by_role("button", name="利用者を登録").click()
    expect(page.get_by_text("利用者「新規 花子」を登録しました。")).to_be_visible()
    log_out(page)
    log_in(page, live_server, "new@fintech.example", "a long enough password")
    expect(page.get_by_role("heading", name="案件一覧")).to_be_visible()
