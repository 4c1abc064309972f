"""The change report page: the connector reports once and sees each bank's review; a refused
report keeps what was typed; a bank sees only its own engagement."""

from __future__ import annotations

from tests.api.test_change_reports import in_monitoring
from tests.web.test_page_security import csrf_from, log_in


def test_report_once_and_follow_it_at_each_bank(app, client, people):
    c = app.extensions["container"]
    first = in_monitoring(c, people.reviewer, people.connector, "東西銀行の接続")
    second = in_monitoring(c, people.other_reviewer, people.connector, "南北信用金庫の接続")
    log_in(client, "staff@fintech.example")
    page = client.get("/change-reports/").get_data(as_text=True)
    assert "変更を届け出る" in page and "変更届はありません。" in page

    refused = client.post("/change-reports/", data={"csrf_token": csrf_from(page), "summary": "入力を残す", "effective_on": "2027-01-15"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "入力を残す" in html and "変更のあった確認項目を1つ以上指定してください。" in html

    done = client.post(
        "/change-reports/",
        data={"csrf_token": csrf_from(page), "items": ["10", "11"], "summary": "クラウド事業者を変更します。", "effective_on": "2027-01-15"},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert "変更届を提出しました。2件の審査案件で確認が始まります。" in html
    assert "東西銀行" in html and "南北信用金庫" in html and "回答作成中" in html
    assert c.store.engagement(people.connector, first.id).cycle["reason"] == "change_reported"
    assert c.store.engagement(people.connector, second.id).cycle["items"] == [10, 11]

    client.post("/logout", data={"csrf_token": csrf_from(html)})
    log_in(client, "reviewer@other-bank.example")
    bank_page = client.get("/change-reports/").get_data(as_text=True)
    assert "クラウド事業者を変更します。" in bank_page and "南北信用金庫の接続" in bank_page
    assert "東西銀行" not in bank_page and "変更を届け出る" not in bank_page
