"""The monitoring plan over HTTP (contract: PUT monitoring-plan, POST agree): proposed by one
side, agreed by the other; next_review_on follows it; the annual job opens the cycle the plan
says on that date."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.monitoring import months_later
from tests.api.test_change_reports import in_monitoring
from tests.jobs.test_jobs import run_job


@pytest.mark.slow  # runs the job as the clock does, in a process of its own
def test_proposed_by_one_side_agreed_by_the_other_and_followed_by_the_clock(app, callers, people, store):
    c = app.extensions["container"]
    engagement = in_monitoring(c, people.reviewer, people.connector, "半期ごとの確認")
    eid = str(engagement.id)
    proposed = callers.connector.put(
        f"/engagements/{eid}/monitoring-plan",
        json={"frequency_months": 6, "depth": "selected_items", "items": [10, 11], "note": "報告書の提出で確認"},
    )
    assert proposed.status_code == 200, proposed.json
    plan = proposed.json["monitoring_plan"]
    assert plan["status"] == "proposed" and plan["proposed_by"]["side"] == "connector" and plan["agreed_by"] is None
    assert callers.connector.post(f"/engagements/{eid}/monitoring-plan/agree", json={}).json["error"]["code"] == "plan_needs_other_side"
    assert callers.auditor.post(f"/engagements/{eid}/monitoring-plan/agree", json={}).status_code == 403

    agreed = callers.reviewer.post(f"/engagements/{eid}/monitoring-plan/agree", json={})
    assert agreed.status_code == 200, agreed.json
    decided_on = date.fromisoformat(engagement.decision["decided_on"])
    expected = months_later(decided_on, 6).isoformat()
    assert agreed.json["monitoring_plan"]["status"] == "agreed" and agreed.json["next_review_on"] == expected
    assert agreed.json["monitoring_plan"]["next_review_on"] == expected
    assert [r["id"] for r in callers.reviewer.get("/engagements").json if r["id"] == eid] == [eid]

    run_job(store, "annual_monitoring", date.fromisoformat(expected))
    after = callers.reviewer.get(f"/engagements/{eid}").json
    assert after["cycle"] == {"number": 2, "reason": "annual", "items": [10, 11]}


def test_a_wrong_plan_is_refused(callers, people, app):
    c = app.extensions["container"]
    eid = str(in_monitoring(c, people.reviewer, people.connector, "誤った計画").id)
    for body in (
        {"frequency_months": 0, "depth": "full"},
        {"frequency_months": 6, "depth": "weekly"},
        {"frequency_months": 6, "depth": "selected_items"},
        {"frequency_months": 6, "depth": "selected_items", "items": [99]},
    ):
        assert callers.reviewer.put(f"/engagements/{eid}/monitoring-plan", json=body).status_code == 422, body
    assert callers.reviewer.post(f"/engagements/{eid}/monitoring-plan/agree", json={}).json["error"]["code"] == "plan_not_proposed"
    assert callers.other_reviewer.put(f"/engagements/{eid}/monitoring-plan", json={"frequency_months": 6, "depth": "full"}).status_code == 404
