"""Item-level conflicts over HTTP, as the issue measured them: a judgement in a second tab is
not refused because another item changed; a reply elsewhere does not bounce a verdict; a
real conflict answers 409 naming what changed, by whom and when."""

from __future__ import annotations


def under_review(callers, people) -> dict:
    reviewer, connector = callers.reviewer, callers.connector
    engagement = reviewer.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "二つのタブ"}).json
    eid = engagement["id"]
    for item in engagement["items"]:
        if item["party"] != "bank" and item["dropped"] is None:
            connector.put(f"/engagements/{eid}/items/{item['number']}/answer", json={"status": "implemented", "current_state": "実施"})
    assert connector.post(f"/engagements/{eid}/submit", json={}).status_code == 200
    return reviewer.get(f"/engagements/{eid}").json


def judge(caller, eid, number, version, verdict="satisfied"):
    return caller.put(f"/engagements/{eid}/items/{number}/judgement", json={"verdict": verdict, "expected_version": version})


def test_a_second_tab_judges_another_item_and_a_reply_elsewhere_bounces_nothing(callers, people):
    engagement = under_review(callers, people)
    eid, read = engagement["id"], engagement["version"]
    assert judge(callers.reviewer, eid, 1, read).status_code == 200  # first tab
    second_tab = judge(callers.reviewer, eid, 2, read)  # opened before item 1 was judged
    assert second_tab.status_code == 200, second_tab.json

    asked = callers.reviewer.post(f"/engagements/{eid}/items/5/questions", json={"text": "運用手順を教えてください"})
    question_id = asked.json["question_id"]
    page = callers.reviewer.get(f"/engagements/{eid}").json["version"]
    replied = callers.connector.post(f"/engagements/{eid}/questions/{question_id}/replies", json={"text": "手順書を添付します"})
    assert replied.status_code == 201
    assert judge(callers.reviewer, eid, 3, page).status_code == 200  # the reply touched item 5 only


def test_a_real_conflict_names_the_change(callers, people):
    engagement = under_review(callers, people)
    eid, read = engagement["id"], engagement["version"]
    assert judge(callers.reviewer, eid, 4, read, "satisfied").status_code == 200
    stale = judge(callers.reviewer, eid, 4, read, "unsatisfied")
    assert stale.status_code == 409
    error = stale.json["error"]
    assert error["code"] == "stale_version" and error["current_version"] == read + 1
    assert error["message"].startswith("通番4の判定が reviewer（東西銀行）により ")
    assert error["message"].endswith("に記録されました。最新の内容を読み込んでからやり直してください。")
    assert error["changed"]["type"] == "ItemJudged" and error["changed"]["item"] == 4
    assert error["changed"]["by"]["org"] == "東西銀行" and error["changed"]["at"]
    item = next(i for i in callers.reviewer.get(f"/engagements/{eid}").json["items"] if i["number"] == 4)
    assert item["judgement"]["verdict"] == "satisfied"  # the refused write left nothing


def test_a_version_from_the_future_is_refused(callers, people):
    engagement = under_review(callers, people)
    stale = judge(callers.reviewer, engagement["id"], 1, engagement["version"] + 5)
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale_version"
