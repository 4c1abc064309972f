"""In Chromium: a connector with three banks sends one change report (変更届); each bank finds
it on its own pages, reviews its own engagement, and never sees the other banks."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from service.demo import DEMO_PASSWORD
from tests.api.test_change_reports import in_monitoring
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.slow

BANKS = ("あおば銀行（デモ）", "みなと銀行（ブラウザ）", "さくら信用金庫（ブラウザ）")


def test_one_change_report_reaches_three_banks_each_privately(browser: Browser, live_server: str, container):
    c = container
    connector = c.accounts.actor(c.accounts.user_id_for("staff@kakeibo-tech.example"))
    reviewers = {BANKS[0]: c.accounts.actor(c.accounts.user_id_for("reviewer@aoba-bank.example"))}
    for index, name in enumerate(BANKS[1:], start=2):
        org_id = c.accounts.add_org(name, "bank")
        user_id = c.accounts.add_user(email=f"reviewer{index}@bank.example", name=f"審査 {index}", org_id=org_id, role="reviewer", password=DEMO_PASSWORD)
        reviewers[name] = c.accounts.actor(user_id)
    titles = {name: f"{name}×かけいぼ 連携API" for name in BANKS}
    for name, reviewer in reviewers.items():
        in_monitoring(c, reviewer, connector, titles[name])
    in_monitoring_now = [row for row in c.views.board(connector, paginate=False) if row["state"] == "monitoring"]

    connector_page = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo").new_page()
    log_in(connector_page, live_server, "staff@kakeibo-tech.example")
    connector_page.get_by_role("link", name="変更届", exact=True).click()
    form = connector_page.locator("#report")
    for number in ("10", "11"):
        form.locator(f"input[name=items][value='{number}']").check()
    form.get_by_label("変更の内容（必須）").fill("利用するクラウド事業者を変更します。")
    form.get_by_label("変更の適用日（必須）").fill("2027-04-01")
    form.get_by_role("button", name="変更届を提出").click()
    expect(connector_page.get_by_role("status").or_(connector_page.locator(".flash")).first).to_contain_text(f"{len(in_monitoring_now)}件の審査案件で確認が始まります")
    report = connector_page.locator("article.change-report").first
    for name in BANKS:
        expect(report).to_contain_text(name)
    connector_page.screenshot(path="/tmp/e2e-change-report-connector.png", full_page=True)

    emails = {BANKS[0]: "reviewer@aoba-bank.example", BANKS[1]: "reviewer2@bank.example", BANKS[2]: "reviewer3@bank.example"}
    for name in BANKS:
        page = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo").new_page()
        log_in(page, live_server, emails[name])
        page.get_by_role("link", name="変更届", exact=True).click()
        listed = page.locator("article.change-report", has_text="利用するクラウド事業者を変更します。")
        expect(listed).to_contain_text(titles[name])
        for other in BANKS:
            if other != name:
                expect(page.locator("main")).not_to_contain_text(other)
        listed.get_by_role("link", name=titles[name]).click()
        expect(page.locator(".engagement-head")).to_contain_text("第2回 変更届")
        expect(page.locator("#item-10")).to_contain_text("今回の確認対象")
        expect(page.locator("#item-1")).not_to_contain_text("今回の確認対象")
        for other in BANKS:
            if other != name:
                expect(page.locator("main")).not_to_contain_text(other)
        if name == BANKS[1]:
            page.screenshot(path="/tmp/e2e-change-report-bank.png", full_page=False)
        page.context.close()
    connector_page.context.close()
