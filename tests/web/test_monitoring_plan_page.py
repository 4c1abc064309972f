"""The monitoring plan on the review page: one side proposes, the page offers the other side
its agreement, and a refused proposal keeps what was typed."""

from __future__ import annotations

from tests.api.test_change_reports import in_monitoring
from tests.web.test_page_security import csrf_from, log_in


def test_propose_on_one_side_agree_on_the_other(app, client, people):
    c = app.extensions["container"]
    eid = str(in_monitoring(c, people.reviewer, people.connector, "計画の合意").id)
    log_in(client, "reviewer@bank.example")
    page = client.get(f"/engagements/{eid}").get_data(as_text=True)
    assert "合意した計画はありません" in page and "計画を提案する" in page
    refused = client.post(f"/engagements/{eid}/monitoring-plan", data={"csrf_token": csrf_from(page), "frequency_months": "40", "depth": "full", "note": "残るメモ"})
    assert refused.status_code == 422
    assert "モニタリングの間隔は1〜36か月で指定してください。" in refused.get_data(as_text=True) and "残るメモ" in refused.get_data(as_text=True)
    proposed = client.post(
        f"/engagements/{eid}/monitoring-plan",
        data={"csrf_token": csrf_from(page), "frequency_months": "6", "depth": "changed_items", "note": "半期ごと"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "モニタリング計画を提案しました。" in proposed and "合意待ち" in proposed and "この計画に合意する" not in proposed

    client.post("/logout", data={"csrf_token": csrf_from(proposed)})
    log_in(client, "staff@fintech.example")
    page = client.get(f"/engagements/{eid}").get_data(as_text=True)
    assert "6か月ごと・前回から変化のあった項目" in page and "この計画に合意する" in page
    agreed = client.post(f"/engagements/{eid}/monitoring-plan/agree", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "モニタリング計画に合意しました。" in agreed.get_data(as_text=True)
    assert c.store.engagement(people.connector, eid).monitoring_plan["status"] == "agreed"
