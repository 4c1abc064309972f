"""Regenerate docs/screenshots/*.png from the demo data (`make screenshots`).

Needs Debian's chromium and a Japanese font (fonts-ipafont-gothic) for legible text."""

from __future__ import annotations

import tempfile
from datetime import timedelta
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from service.bootstrap import bootstrap
from service.config import Settings
from service.demo import DEMO_PASSWORD, load_demo
from service.app import create_app

OUT = Path(__file__).parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        container = bootstrap(Settings(database_url=f"sqlite:///{tmp}/app.db", secret_key="screenshots"))
        container.init()
        load_demo(container)
        reviewer = container.accounts.authenticate("reviewer@aoba-bank.example", DEMO_PASSWORD)
        container.advisories.publish_advisory(
            container.accounts.authenticate("liaison@fisc.example", DEMO_PASSWORD),
            title="トークン管理に関する注意喚起",
            body="アクセストークンの暗号化保存と有効期限の設定を確認してください。",
            items=[36, 41],
            respond_by=container.store.today() + timedelta(days=14),
        )
        from jobs.advisory_fanout import advisory_fanout

        advisory_fanout(container, container.store.today())
        under_review = next(r for r in container.views.board(reviewer) if r["state"] == "under_review")["engagement_id"]
        server = make_server("127.0.0.1", 0, create_app(container), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        shots = [
            ("reviewer@aoba-bank.example", "/", "01_reviewer_board.png", None),
            ("reviewer@aoba-bank.example", f"/engagements/{under_review}", "02_engagement.png", None),
            ("reviewer@aoba-bank.example", f"/engagements/{under_review}", "03_item_thread.png", "#item-22"),
            ("reviewer@aoba-bank.example", f"/engagements/{under_review}/timeline", "04_timeline.png", None),
            ("staff@kakeibo-tech.example", "/", "05_connector_home.png", None),
            ("liaison@fisc.example", "/advisories/", "06_liaison_advisories.png", None),
            ("reviewer@aoba-bank.example", "/catalogue/?q=多要素認証", "07_catalogue.png", None),
        ]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for email, path, name, anchor in shots:
                page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="ja-JP", timezone_id="Asia/Tokyo")
                page.goto(f"{base}/login")
                page.get_by_label("メールアドレス").fill(email)
                page.get_by_label("パスワード").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="ログイン").click()
                page.wait_for_load_state()
                page.goto(base + path)
                if anchor:
                    page.locator(anchor).scroll_into_view_if_needed()
                page.screenshot(path=str(OUT / name))
                page.close()
            browser.close()
        server.shutdown()
        container.close()


if __name__ == "__main__":
    main()
