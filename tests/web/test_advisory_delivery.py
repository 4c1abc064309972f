"""The liaison desk sees whether a published advisory has reached the engagements yet, and
whether the clock that delivers it is running; a 回答期限 not after today is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from jobs.advisory_fanout import advisory_fanout
from service.health import scheduler_heartbeat
from tests.web.test_page_security import csrf_from, log_in


def test_delivery_pending_and_a_stopped_clock_are_shown(app, client, people):
    container = app.extensions["container"]
    c = container
    for title in ("配信先1", "配信先2"):
        c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title=title)
    log_in(client, "desk@fisc.example")
    token = csrf_from(client.get("/advisories/").get_data(as_text=True))
    today = c.store.today()
    form = {"csrf_token": token, "title": "不正送金の手口", "body": "注意してください", "severity": "warning", "items": ["22"]}

    for day in (today, today - timedelta(days=1)):
        refused = client.post("/advisories/", data={**form, "respond_by": day.isoformat()})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422 and f"回答期限には{today.isoformat()}より後の日付を入力してください。" in html
        assert "不正送金の手口" in html and "注意してください" in html  # kept as typed

    published = client.post("/advisories/", data={**form, "respond_by": (today + timedelta(days=14)).isoformat()}, follow_redirects=True)
    html = published.get_data(as_text=True)
    assert "配信待ち 2件" in html
    assert "配信処理（clock）が動いていないため" in html  # no heartbeat was ever recorded

    with container.engine.begin() as connection:
        connection.execute(scheduler_heartbeat.insert().values(id=1, at=datetime.now(timezone.utc)))
    assert "配信処理（clock）が動いていない" not in client.get("/advisories/").get_data(as_text=True)

    advisory_fanout(container, today)
    delivered = client.get("/advisories/").get_data(as_text=True)
    assert "配信待ち" not in delivered and "配信 2件" in delivered
