"""The as-of view answers with the engagement as it was, whatever the notation of the instant
(``Z``, ``+09:00``, ``-05:00``, naive in APP_TIMEZONE, full-width digits) and on both stores:
each answer is checked against an independent replay of the stored events."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import eventsourcing.domain
import pytest

from tests.web.test_page_security import log_in

JST = ZoneInfo("Asia/Tokyo")
# The engagement's events are recorded around a JST midnight (15:00 UTC): the date differs
# between the zones, which is where a comparison that drops the offset goes wrong.
OPENED = datetime(2026, 11, 30, 14, 0, 0, tzinfo=timezone.utc)  # 23:00 JST, 30 Nov
ANSWERED = datetime(2026, 11, 30, 14, 59, 59, 500000, tzinfo=timezone.utc)  # 23:59:59.5 JST
REVISED = datetime(2026, 11, 30, 15, 0, 0, 250000, tzinfo=timezone.utc)  # 00:00:00.25 JST, 1 Dec


@pytest.fixture
def history(monkeypatch, app, people):
    """An engagement opened, answered and revised at fixed instants (the store's own clock
    is pinned per command), as (id, [event timestamps])."""
    c = app.extensions["container"]
    at = {"now": OPENED}
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: at["now"])
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="時点の確認")
    at["now"] = ANSWERED
    c.review.save_answer(people.connector, engagement.id, 1, status="implemented", current_state="初回の回答")
    at["now"] = REVISED
    c.review.save_answer(people.connector, engagement.id, 1, status="partial", current_state="改訂した回答", plan="来期に対応")
    monkeypatch.undo()
    return str(engagement.id)


def replayed_version(app, engagement_id: str, instant: datetime) -> int | None:
    """The version an honest replay gives: events one by one, compared as aware datetimes."""
    events = app.extensions["container"].store.events
    version = None
    for stored in events.get(__import__("uuid").UUID(engagement_id)):
        if stored.timestamp <= instant:
            version = stored.originator_version
    return version


NOTATIONS = [
    lambda t: t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
    lambda t: t.astimezone(JST).isoformat(),
    lambda t: t.astimezone(timezone(timedelta(hours=-5))).isoformat(),
    lambda t: t.astimezone(JST).replace(tzinfo=None).isoformat(),  # naive: APP_TIMEZONE
    lambda t: t.astimezone(JST).replace(tzinfo=None).isoformat(sep=" "),
    lambda t: t.astimezone(JST).replace(tzinfo=None).isoformat().translate(str.maketrans("0123456789", "０１２３４５６７８９")),
]
MOMENTS = [
    OPENED,
    OPENED + timedelta(minutes=30),
    ANSWERED - timedelta(microseconds=1),
    ANSWERED,
    ANSWERED + timedelta(microseconds=1),
    REVISED - timedelta(microseconds=1),
    REVISED,
    REVISED + timedelta(hours=9),
]


@pytest.mark.parametrize("notation", range(len(NOTATIONS)))
def test_every_notation_of_an_instant_gives_the_replayed_state(app, callers, history, notation):
    for moment in MOMENTS:
        expected = replayed_version(app, history, moment)
        text = NOTATIONS[notation](moment)
        response = callers.auditor.get(f"/engagements/{history}", query_string={"as_of": text})
        assert response.status_code == 200, (text, response.json)
        assert response.json["version"] == expected, text
        item = next(i for i in response.json["items"] if i["number"] == 1)
        if moment < ANSWERED:
            assert item["answer"] is None, text
        elif moment < REVISED:
            assert item["answer"]["current_state"] == "初回の回答", text
        else:
            assert item["answer"]["current_state"] == "改訂した回答", text


def test_before_opening_in_the_future_and_malformed(app, callers, history):
    before = (OPENED - timedelta(microseconds=1)).astimezone(JST)
    for text in (before.isoformat(), before.replace(tzinfo=None).isoformat(), "2026-11-30"):
        refused = callers.auditor.get(f"/engagements/{history}", query_string={"as_of": text})
        assert refused.status_code == 404, text
        assert refused.json["error"]["code"] == "engagement_not_yet_opened"
        assert refused.json["error"]["message"] == "この時点では案件はまだ作成されていません。"
    future = (datetime.now(timezone.utc) + timedelta(minutes=5)).astimezone(JST).replace(tzinfo=None).isoformat()
    refused = callers.auditor.get(f"/engagements/{history}", query_string={"as_of": future})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "as_of_in_future"
    for text in ("yesterday", "2026-13-01T00:00", "2026-11-30T25:00+09:00", "\x00"):
        refused = callers.auditor.get(f"/engagements/{history}", query_string={"as_of": text})
        assert refused.status_code == 422 and refused.json["error"]["field"] == "as_of", text
    security_log = app.extensions["container"].security_log
    assert not [e for e in security_log.events(None)[0] if e.kind == "authorisation_failure"]  # asking is no probe
    other = callers.other_reviewer.get(f"/engagements/{history}", query_string={"as_of": REVISED.isoformat()})
    assert other.status_code == 404 and other.json["error"]["code"] == "engagement_not_found"
    assert [e.kind for e in security_log.events(None)[0]].count("authorisation_failure") == 1  # another bank's is


def test_the_timeline_form_shows_the_past_moment_typed_in_jst(client, people, history):
    """The form's datetime-local field sends a naive JST time: 23:59:59.5 JST on 30 Nov is
    before the revision at 00:00:00.25 JST on 1 Dec."""
    log_in(client, "auditor@bank.example")
    page = client.get(f"/engagements/{history}", query_string={"as_of": "2026-11-30T23:59:59.600"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "初回の回答" in html and "改訂した回答" not in html
    assert "2026-11-30 23:59" in html  # labelled in JST
    later = client.get(f"/engagements/{history}", query_string={"as_of": "2026-12-01T00:00:01"}).get_data(as_text=True)
    assert "改訂した回答" in later
    early = client.get(f"/engagements/{history}", query_string={"as_of": "2026-11-30T22:59:59"})
    assert early.status_code == 404 and "この時点では案件はまだ作成されていません" in early.get_data(as_text=True)
    future = client.get(f"/engagements/{history}", query_string={"as_of": "2099-01-01T00:00"})
    assert future.status_code == 422 and "未来の時点は表示できません" in future.get_data(as_text=True)
