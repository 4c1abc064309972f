"""Rules a reviewer relies on, through the API and the pages on both stores: dates that must
lie ahead, conditions flagged once overdue, fulfilment with a comment, cycle notes kept,
answers counted within the cycle, full-width searches."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.conftest import answer_side
from tests.web.test_page_security import csrf_from, log_in


@pytest.fixture
def judged(app, people):
    """An engagement with every item judged and no open question (ready for a decision)."""
    c = app.extensions["container"]
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="ＡＰＩ連携 家計簿")
    engagement = answer_side(c, people.connector, engagement, ("connector", "common"))
    engagement = answer_side(c, people.reviewer, engagement, ("bank",))
    engagement = c.review.submit(people.connector, engagement.id)
    for number in engagement.active_numbers():
        engagement = c.review.judge_item(people.reviewer, engagement.id, number, verdict="satisfied")
    return str(engagement.id)


def decide(caller, engagement_id: str, **body):
    return caller.post(f"/engagements/{engagement_id}/decision", json={"outcome": "conditional", "comment": "条件付きで承認", **body})


def condition(due_on: str, **extra) -> dict:
    return {"text": "多要素認証を導入すること", "items": [1], "due_on": due_on, **extra}


def test_dates_that_must_lie_ahead_are_refused_when_not(app, callers, judged):
    today = app.extensions["container"].store.today()
    for day in (today, today - timedelta(days=1), today.replace(year=today.year - 3)):
        refused = decide(callers.reviewer, judged, conditions=[condition(day.isoformat())])
        assert refused.status_code == 422, refused.json
        assert refused.json["error"]["code"] == "date_not_ahead"
        assert "条件1の期限" in refused.json["error"]["message"] and today.isoformat() in refused.json["error"]["message"]
        refused = callers.reviewer.post(
            f"/engagements/{judged}/decision", json={"outcome": "approved", "comment": "承認", "next_review_on": day.isoformat()}
        )
        assert refused.status_code == 422 and refused.json["error"]["code"] == "date_not_ahead", refused.json
        refused = callers.liaison.post(
            "/advisories", json={"title": "注意喚起", "body": "本文", "items": [1], "respond_by": day.isoformat()}
        )
        assert refused.status_code == 422 and refused.json["error"]["code"] == "date_not_ahead", refused.json
    second = decide(callers.reviewer, judged, conditions=[condition((today + timedelta(days=30)).isoformat()), condition("2001-01-01")])
    assert second.status_code == 422 and "条件2の期限" in second.json["error"]["message"]
    assert callers.reviewer.get(f"/engagements/{judged}").json["state"] != "monitoring"  # nothing half-written
    accepted = decide(callers.reviewer, judged, conditions=[condition((today + timedelta(days=1)).isoformat())])
    assert accepted.status_code == 200, accepted.json


def test_fulfilment_needs_a_comment_and_overdue_conditions_are_flagged(app, client, callers, judged):
    c = app.extensions["container"]
    today = c.store.today()
    due = today + timedelta(days=10)
    decided = decide(callers.reviewer, judged, conditions=[condition(due.isoformat()), condition((today + timedelta(days=90)).isoformat(), text="ログ監視")])
    assert decided.status_code == 200
    version = decided.json["version"]
    for comment in ("", "   ", "\n\t"):
        refused = callers.reviewer.post(f"/engagements/{judged}/conditions/1-2/fulfil", json={"comment": comment, "expected_version": version})
        assert refused.status_code == 422 and refused.json["error"]["field"] == "comment", refused.json

    def board_row(caller):
        return next(row for row in caller.get("/engagements").json if row["id"] == judged)

    assert board_row(callers.reviewer)["condition_due_on"] == due.isoformat()
    assert not [e for e in callers.reviewer.get("/inbox").json if e["kind"] == "condition_overdue"]

    real_clock = c.store.clock
    c.store.clock = lambda: real_clock() + timedelta(days=11)  # the due date has passed
    try:
        for caller in (callers.reviewer, callers.connector):
            overdue = [e for e in caller.get("/inbox").json if e["kind"] == "condition_overdue"]
            assert [e["engagement_id"] for e in overdue] == [judged]
            assert overdue[0]["age_days"] == 1
        log_in(client, "reviewer@bank.example")
        page = client.get(f"/engagements/{judged}").get_data(as_text=True)
        assert 'id="condition-1-1" class="overdue"' in page and "期限超過" in page
        assert 'id="condition-1-2" class="overdue"' not in page
        home = client.get("/").get_data(as_text=True)
        assert "条件の期限超過" in home and f"{due.isoformat()}（期限超過）" in home

        token = csrf_from(page)
        empty = client.post(f"/engagements/{judged}/conditions/1-1/fulfil", data={"csrf_token": token, "comment": ""})
        assert empty.status_code == 422 and "コメントを入力してください" in empty.get_data(as_text=True)
        done = callers.reviewer.post(f"/engagements/{judged}/conditions/1-1/fulfil", json={"comment": "導入を確認した"})
        assert done.status_code == 200, done.json
        assert board_row(callers.reviewer)["condition_due_on"] == (today + timedelta(days=90)).isoformat()
        assert not [e for e in callers.reviewer.get("/inbox").json if e["kind"] == "condition_overdue"]
    finally:
        c.store.clock = real_clock


def test_cycle_note_is_shown_and_answers_count_within_the_cycle(app, client, callers, people, judged):
    approved = callers.reviewer.post(f"/engagements/{judged}/decision", json={"outcome": "approved", "comment": "承認"})
    assert approved.status_code == 200
    note = "決済APIの追加に伴い通番1と5を再確認する"
    reopened = callers.reviewer.post(
        f"/engagements/{judged}/review-cycles", json={"reason": "item_changed", "items": [1, 5], "note": note}
    )
    assert reopened.status_code == 201, reopened.json
    callers.connector.put(f"/engagements/{judged}/items/1/answer", json={"status": "implemented", "current_state": "更新した"})
    row = next(row for row in callers.reviewer.get("/engagements").json if row["id"] == judged)
    assert (row["answered"], row["items_in_cycle"], row["items_total"]) == (1, 2, 44)

    log_in(client, "auditor@bank.example")
    home = client.get("/").get_data(as_text=True)
    assert "<td>1 / 2</td>" in home
    timeline = client.get(f"/engagements/{judged}/timeline").get_data(as_text=True)
    assert note in timeline
    page = client.get(f"/engagements/{judged}").get_data(as_text=True)
    assert note in page


@pytest.mark.parametrize("typed", ["ＡＰＩ", "api", "Api", "ａｐｉ連携", "家計簿", "%", "_"])
def test_board_search_compares_after_nfkc(app, client, callers, judged, typed):
    found = [row["id"] for row in callers.reviewer.get("/engagements").json]
    assert judged in found
    log_in(client, "reviewer@bank.example")
    page = client.get("/", query_string={"q": typed}).get_data(as_text=True)
    board_cell = f'engagements/{judged}">ＡＰＩ連携 家計簿</a></td>'
    if typed in ("%", "_"):
        assert board_cell not in page  # wildcards are searched for as typed
    else:
        assert board_cell in page, typed
