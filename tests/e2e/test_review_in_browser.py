"""Each role's day in real Chromium: opening with tailoring, answering and submitting,
the question thread, judging with a validation error, the holistic decision, the
auditor's read-only view with its as-of link, lockout, and what others may not see."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from service.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in
from tests.integration.conftest import PASSWORD, add_person
from tests.jobs.test_jobs import run_job

pytestmark = pytest.mark.slow  # each test drives Chromium over a live server

REVIEWER = "reviewer@aoba-bank.example"
CONNECTOR = "staff@kakeibo-tech.example"
AUDITOR = "auditor@aoba-bank.example"


def log_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_text("ログアウトしました。")).to_be_visible()


def test_three_people_review_then_monitor_in_three_browsers(browser, live_server: str, container, store):
    """Connector, reviewer and auditor, each in their own browser context, play the
    initial review and the annual cycle; the liaison desk's advisory reaches them."""
    base = live_server
    people = {}
    for who, email in (("reviewer", REVIEWER), ("connector", CONNECTOR), ("auditor", AUDITOR), ("liaison", "liaison@fisc.example")):
        context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
        people[who] = context.new_page()
        log_in(people[who], base, email)
    reviewer, connector, auditor, liaison = people["reviewer"], people["connector"], people["auditor"], people["liaison"]
    c = container
    reviewer_actor = container.accounts.authenticate(REVIEWER, DEMO_PASSWORD)
    connector_actor = container.accounts.authenticate(CONNECTOR, DEMO_PASSWORD)

    # the reviewer opens a tailored engagement; a validation error keeps what was typed
    reviewer.get_by_role("link", name="新規審査").click()
    reviewer.get_by_label("API接続先").select_option(label="かけいぼテック株式会社（デモ）")
    reviewer.get_by_label("通番33を削除").check()
    reviewer.get_by_label("通番33の削除理由").fill("スマートフォンアプリを提供しない")
    reviewer.get_by_role("button", name="審査案件を作成").click()
    expect(reviewer.get_by_text("入力してください。")).to_be_visible()
    expect(reviewer.get_by_label("通番33の削除理由")).to_have_value("スマートフォンアプリを提供しない")
    expect(reviewer.get_by_label("通番33を削除")).to_be_checked()
    reviewer.get_by_label("案件名").fill("ブラウザ審査 参照系API")
    reviewer.get_by_role("button", name="審査案件を作成").click()
    expect(reviewer.get_by_role("heading", name="ブラウザ審査 参照系API")).to_be_visible()
    expect(reviewer.locator("#item-33")).to_contain_text("削除: スマートフォンアプリを提供しない")
    engagement_id = re.search(r"/engagements/([0-9a-f-]{36})", reviewer.url).group(1)

    def answer_all_but_one(cycle_text: str) -> None:
        """Both sides answer through the use cases, all but item 1 (typed in the browser)."""
        engagement = c.store.engagement(reviewer_actor, engagement_id)
        for item in engagement.items:
            if item["dropped"] or item["number"] == 1 or item["number"] not in engagement.cycle["items"]:
                continue
            actor = reviewer_actor if item["party"] == "bank" else connector_actor
            c.review.save_answer(actor, engagement_id, item["number"], status="implemented", current_state=cycle_text)

    answer_all_but_one("実施済み")

    # the connector finds it waiting, answers item 1 in the form and submits
    connector.goto(base)
    connector.get_by_role("link", name="対応待ち").first.click()
    connector.locator(".inbox-list a", has_text="ブラウザ審査 参照系API").first.click()
    expect(connector.locator("#submit")).to_contain_text("通番1")
    item = connector.locator("#item-1")
    item.get_by_label("対応状況区分").select_option(label="一部対応")
    item.get_by_label("現在の対応状況（必須）").fill("CISOを任命済み。職務分掌規程を改訂中。")
    item.get_by_label("課題認識").fill("規程改訂が未完了")
    item.get_by_role("button", name="回答を保存").click()
    expect(connector.get_by_text("通番1の回答を保存しました。")).to_be_visible()
    connector.get_by_role("button", name="金融機関へ提出する").click()
    expect(connector.locator(".engagement-head")).to_contain_text("提出済")

    # question and answer on item 1
    reviewer.goto(f"{base}/engagements/{engagement_id}")
    item = reviewer.locator("#item-1")
    item.get_by_text("この項目について質問する").click()
    item.get_by_label("質問").fill("規程改訂の完了予定時期を教えてください。")
    item.get_by_role("button", name="質問を送る").click()
    expect(reviewer.locator("#item-1 .question")).to_contain_text("規程改訂の完了予定時期")
    connector.goto(f"{base}/inbox")
    connector.get_by_text("質問への回答").first.click()
    connector.locator("#item-1").get_by_label("返信").fill("来月末に完了予定です。")
    connector.locator("#item-1").get_by_role("button", name="返信する").click()
    expect(connector.get_by_text("返信しました。")).to_be_visible()

    # the reviewer closes the thread, judges (an error first), decides conditionally
    reviewer.goto(f"{base}/engagements/{engagement_id}")
    reviewer.locator("#item-1").get_by_role("button", name="質問を完了にする").click()
    expect(reviewer.get_by_text("質問を完了しました。")).to_be_visible()
    item = reviewer.locator("#item-1")
    item.get_by_label("未充足", exact=True).check()
    item.get_by_role("button", name="判定を記録").click()
    expect(reviewer.locator("#item-1 .field-error")).to_be_visible()
    expect(reviewer.locator("#item-1").get_by_label("未充足", exact=True)).to_be_checked()
    reviewer.locator("#item-1").get_by_label("コメント（未充足・代替策の場合は必須）").fill("規程改訂が未完了")
    reviewer.locator("#item-1").get_by_role("button", name="判定を記録").click()
    expect(reviewer.get_by_text("通番1を判定しました。")).to_be_visible()
    for number in c.store.engagement(reviewer_actor, engagement_id).unjudged():
        c.review.judge_item(reviewer_actor, engagement_id, number, verdict="satisfied")
    reviewer.reload()
    decision = reviewer.locator("#decision")
    decision.get_by_label("条件付承認").check()
    decision.get_by_label("判断理由（必須）").fill("規程改訂の完了を条件に、総合的に接続を承認する。")
    decision.locator("input[name=condition-text-0]").fill("職務分掌規程の改訂を完了し報告すること")
    decision.locator("input[name=condition-items-0]").fill("1")
    decision.locator("input[name=condition-due-0]").fill("2027-03-31")
    decision.get_by_role("button", name="総合判定を記録").click()
    expect(reviewer.locator(".engagement-head")).to_contain_text("モニタリング中")
    expect(reviewer.locator(".verdict-grid .verdict-unsatisfied")).to_have_count(1)

    # the auditor reads everything and changes nothing; the timeline leads to the past
    auditor.goto(f"{base}/engagements/{engagement_id}")
    expect(auditor.locator("form[action*='/answer']")).to_have_count(0)
    expect(auditor.locator("form[action*='/judgement']")).to_have_count(0)
    auditor.get_by_role("link", name="操作履歴と過去時点の表示").click()
    expect(auditor.locator("table.grid tbody tr")).to_have_count(c.store.engagement(reviewer_actor, engagement_id).version)
    auditor.locator("table.grid tbody tr").nth(1).get_by_role("link", name="この時点").click()
    expect(auditor.get_by_text("時点の内容を表示しています（読み取り専用）")).to_be_visible()
    expect(auditor.locator(".engagement-head")).to_contain_text("回答作成中")

    # FISC publishes an advisory; the fan-out job delivers it; the connector acknowledges
    liaison.goto(f"{base}/advisories/")
    liaison.get_by_label("件名").fill("トークン管理に関する注意喚起")
    liaison.get_by_label("本文").fill("アクセストークンの暗号化保存を確認してください。")
    liaison.get_by_label("回答期限").fill("2027-01-31")
    liaison.locator("input[name=items][value='36']").check()
    liaison.get_by_role("button", name="公表する").click()
    expect(liaison.get_by_text("注意喚起を公表しました。")).to_be_visible()
    assert run_job(store, "advisory_fanout", c.store.today())["noticed"] >= 1
    connector.goto(f"{base}/engagements/{engagement_id}")
    connector.locator("#advisories").get_by_label("確認内容・対応状況").fill("暗号化保存を確認しました。")
    connector.locator("#advisories").get_by_role("button", name="確認を登録").click()
    expect(connector.get_by_text("注意喚起の確認を登録しました。")).to_be_visible()
    reviewer.goto(f"{base}/advisories/")
    expect(reviewer.locator("article.advisory").first).to_contain_text("暗号化保存を確認しました。")

    # a year later the annual cycle starts by itself; the connector re-confirms and the bank approves
    due = c.store.engagement(reviewer_actor, engagement_id).next_review_on
    assert engagement_id in run_job(store, "annual_monitoring", date.fromisoformat(due))["engagements"]
    answer_all_but_one("年次確認: 変更なし")
    connector.goto(f"{base}/engagements/{engagement_id}")
    expect(connector.locator(".engagement-head")).to_contain_text("第2回 年次モニタリング")
    connector.locator("#item-1").get_by_label("対応状況区分").select_option(label="対応済")
    connector.locator("#item-1").get_by_label("現在の対応状況（必須）").fill("職務分掌規程の改訂を完了しました。")
    connector.locator("#item-1").get_by_role("button", name="回答を保存").click()
    connector.get_by_role("button", name="金融機関へ提出する").click()
    expect(connector.locator(".engagement-head")).to_contain_text("提出済")
    for number in c.store.engagement(reviewer_actor, engagement_id).unjudged():
        c.review.judge_item(reviewer_actor, engagement_id, number, verdict="satisfied")
    reviewer.goto(f"{base}/engagements/{engagement_id}")
    reviewer.locator("#decision").get_by_label("承認", exact=True).check()
    reviewer.locator("#decision").get_by_label("判断理由（必須）").fill("規程改訂を確認し、継続を承認する。")
    reviewer.locator("#decision").get_by_role("button", name="総合判定を記録").click()
    expect(reviewer.locator(".engagement-head")).to_contain_text("モニタリング中")
    reviewer.get_by_role("link", name="第1回→第2回の差分").click()
    expect(reviewer.locator("tr.changed").first).to_contain_text("職務分掌規程の改訂を完了しました。")
    for page in people.values():
        page.context.close()


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
    # a form post without its CSRF token is refused, even with the session cookie
    forged = page.request.post(f"{base}/engagements/new", form={"title": "偽造", "connector_org_id": "x"})
    assert forged.status == 400
    forged = page.request.post(f"{base}/logout")
    assert forged.status == 400
    assert page.goto(f"{base}/").status == 200  # still logged in: the forged logout did nothing
    log_out(page)

    log_in(page, base, "liaison@fisc.example")
    expect(page.get_by_role("heading", name="FISCからの注意喚起")).to_be_visible()
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
    log_in(page, live_server, "admin@aoba-bank.example")  # a bank's admin: its own organisation only
    page.get_by_role("link", name="組織").click()
    expect(page.get_by_label("組織名")).to_have_count(0)
    log_out(page)
    log_in(page, live_server, "admin@operator.example")  # the operator's admin manages every organisation
    page.get_by_role("link", name="組織").click()
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
