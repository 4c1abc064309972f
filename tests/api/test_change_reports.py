"""Change reports (変更届) over HTTP: a connector with three banks reports a change once; every
engagement in monitoring that reviews those items gets a change_reported cycle for exactly
them, the others are listed as not reopened; each bank sees only its own engagements."""

from __future__ import annotations

from tests.api.conftest import login
from tests.integration.conftest import add_person, answer_side


def in_monitoring(c, reviewer, connector, title, dropped=()):
    engagement = c.engagements.open_engagement(
        reviewer, connector_org_id=connector.org_id, title=title, dropped_items=[{"number": n, "reason": "対象外"} for n in dropped]
    )
    engagement = answer_side(c, connector, engagement, ("connector", "common"))
    engagement = answer_side(c, reviewer, engagement, ("bank",))
    engagement = c.review.submit(connector, engagement.id)
    for number in engagement.unjudged():
        engagement = c.review.judge_item(reviewer, engagement.id, number, verdict="satisfied")
    return c.review.decide(reviewer, engagement.id, outcome="approved", comment="承認")


def three_banks(app, client, people):
    c = app.extensions["container"]
    third_bank = c.accounts.add_org("北海信用組合", "bank")
    third = add_person(c, third_bank, "reviewer", "reviewer@third-bank.example")
    a = in_monitoring(c, people.reviewer, people.connector, "東西銀行の接続")
    b = in_monitoring(c, people.other_reviewer, people.connector, "南北信用金庫の接続", dropped=(10,))
    d = in_monitoring(c, third, people.connector, "北海信用組合の接続")
    draft = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="審査中の別案件")
    other_connectors = in_monitoring(c, people.reviewer, people.other_connector, "別の接続先")
    return c, (a, b, d), draft, other_connectors, login(client, "reviewer@third-bank.example")


def test_one_report_reopens_exactly_the_items_at_every_bank(app, client, callers, people):
    c, (a, b, d), draft, other_connectors, third = three_banks(app, client, people)
    response = callers.connector.post(
        "/change-reports", json={"items": [10, 11], "summary": "クラウド事業者を変更します。", "effective_on": "2027-01-15"}
    )
    assert response.status_code == 201, response.json
    body = response.json
    reached = {entry["id"]: entry for entry in body["engagements"]}
    assert set(reached) == {str(a.id), str(b.id), str(d.id)}
    assert reached[str(b.id)]["items"] == [11]  # item 10 is dropped at that bank
    assert reached[str(a.id)]["items"] == [10, 11] and reached[str(a.id)]["bank"]["name"] == "東西銀行"
    assert body["not_reopened"] == [{"id": str(draft.id), "state": "draft"}]

    got = callers.connector.get(f"/engagements/{a.id}")
    assert got.status_code == 200, (got.status_code, str(got.json)[:300])
    engagement = got.json
    assert engagement["state"] == "draft" and engagement["cycle"] == {"number": 2, "reason": "change_reported", "items": [10, 11]}
    untouched = callers.reviewer.get(f"/engagements/{other_connectors.id}").json
    assert untouched["state"] == "monitoring" and untouched["cycle"]["number"] == 1
    answer = callers.connector.put(f"/engagements/{a.id}/items/10/answer", json={"status": "implemented", "current_state": "新しいクラウドでも同等の対策"})
    assert answer.status_code == 200  # the connector holds the pen for exactly those items
    refused = callers.connector.put(f"/engagements/{a.id}/items/1/answer", json={"status": "implemented", "current_state": "対象外の項目"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "pen_not_held"


def test_each_bank_sees_only_its_own_engagements(app, client, callers, people):
    c, (a, b, d), _draft, _other, third = three_banks(app, client, people)
    report_id = callers.connector.post(
        "/change-reports", json={"items": [11], "summary": "監視基盤を更新します。", "effective_on": "2027-02-01"}
    ).json["id"]
    own = callers.connector.get("/change-reports").json
    assert [r["id"] for r in own] == [report_id]
    assert sorted(e["bank"]["name"] for e in own[0]["engagements"]) == ["北海信用組合", "南北信用金庫", "東西銀行"]
    assert own[0]["not_reopened"] == 1 and {e["standing"] for e in own[0]["engagements"]} == {"draft"}

    for caller, engagement, bank in ((callers.reviewer, a, "東西銀行"), (callers.other_reviewer, b, "南北信用金庫"), (third, d, "北海信用組合")):
        (seen,) = caller.get("/change-reports").json
        assert seen["summary"] == "監視基盤を更新します。" and "not_reopened" not in seen
        assert [(e["engagement_id"], e["bank"]["name"]) for e in seen["engagements"]] == [(str(engagement.id), bank)]
    auditor = callers.auditor.get("/change-reports").json
    assert [e["bank"]["name"] for e in auditor[0]["engagements"]] == ["東西銀行"]
    assert callers.other_connector.get("/change-reports").json == []
    assert callers.liaison.get("/change-reports").status_code == 403


def test_a_report_is_refused_whole_when_it_is_wrong(app, client, callers, people):
    c, (a, _b, _d), _draft, _other, _third = three_banks(app, client, people)
    for body, field in (
        ({"items": [], "summary": "x", "effective_on": "2027-01-01"}, None),
        ({"items": [99], "summary": "x", "effective_on": "2027-01-01"}, "items"),
        ({"items": [10], "summary": "x", "effective_on": "来月"}, None),
    ):
        refused = callers.connector.post("/change-reports", json=body)
        assert refused.status_code == 422, body
        if field:
            assert refused.json["error"]["field"] == field
    assert callers.reviewer.post("/change-reports", json={"items": [10], "summary": "x", "effective_on": "2027-01-01"}).status_code == 403
    assert callers.connector.get(f"/engagements/{a.id}").json["cycle"]["number"] == 1  # nothing was reopened
