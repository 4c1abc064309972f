"""The review page's rendered body is reused per engagement version and viewer,
and every response carries its own session's CSRF token."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from service.web.rendered import CSRF_SLOT, RenderedBodies, with_csrf
from tests.web.test_page_security import csrf_from, log_in


def tokens_in(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html))


def test_a_cached_body_serves_each_session_its_own_token_and_a_write_renders_anew(app, people):
    container = app.extensions["container"]
    bodies = app.extensions["rendered_bodies"]
    engagement = container.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="再描画")
    url = f"/engagements/{engagement.id}"
    first, second = app.test_client(), app.test_client()
    log_in(first, "staff@fintech.example")
    log_in(second, "staff@fintech.example")

    page_one = first.get(url).get_data(as_text=True)
    misses, hits = bodies.misses, bodies.hits
    page_two = second.get(url).get_data(as_text=True)
    assert (bodies.misses, bodies.hits) == (misses, hits + 1)  # the same user, version and day: the kept body
    assert CSRF_SLOT not in page_one and CSRF_SLOT not in page_two
    assert tokens_in(page_one).isdisjoint(tokens_in(page_two))  # two sessions, two tokens, one body

    saved = second.post(
        f"{url}/items/1/answer",
        data={"csrf_token": csrf_from(page_two), "expected_version": "1", "status": "implemented", "current_state": "キャッシュ後の回答"},
    )
    assert saved.status_code == 303
    after = first.get(url).get_data(as_text=True)
    assert bodies.misses == misses + 1 and "キャッシュ後の回答" in after  # a new version is rendered, never the old body

    reviewer = app.test_client()
    log_in(reviewer, "reviewer@bank.example")
    as_reviewer = reviewer.get(url).get_data(as_text=True)
    prefill = "回答ライブラリから未回答の項目に反映"  # the connector's form only
    assert bodies.misses == misses + 2 and prefill in after and prefill not in as_reviewer


def test_a_kept_body_is_checked_against_the_certifications_and_never_shown_to_another_organisation(app, people):
    container = app.extensions["container"]
    bodies = app.extensions["rendered_bodies"]
    engagement = container.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="認証の確認")
    for item in engagement.items:
        if item["party"] != "bank":
            container.review.save_answer(people.connector, engagement.id, item["number"], status="implemented", current_state="回答")
    container.review.submit(people.connector, engagement.id)
    url = f"/engagements/{engagement.id}"
    reviewer = app.test_client()
    log_in(reviewer, "reviewer@bank.example")
    assert "第三者認証を採用" not in reviewer.get(url).get_data(as_text=True)
    hits = bodies.hits
    assert "第三者認証を採用" not in reviewer.get(url).get_data(as_text=True) and bodies.hits == hits + 1

    today = container.store.today()
    container.library.register_certification(  # not an event of the engagement: its version stays
        people.connector, kind="soc2", scope="決済基盤", issuer="監査法人", items=[1],
        valid_from=today - timedelta(days=10), valid_until=today + timedelta(days=300),
    )
    misses = bodies.misses
    page = reviewer.get(url).get_data(as_text=True)
    assert "第三者認証を採用" in page and "監査法人" in page and bodies.misses == misses + 1  # the kept body was stale

    stranger = app.test_client()
    log_in(stranger, "reviewer@other-bank.example")
    assert stranger.get(url).status_code == 404  # another bank's reviewer: no kept body is theirs


def test_kept_bodies_stay_within_their_byte_budget_and_zero_turns_keeping_off():
    bodies = RenderedBodies(max_bytes=3_000)
    for n in range(50):  # random text: about 200 bytes each even compressed
        bodies.put(("page", n), "stamp", "title", f"<p>{n}</p>" + secrets.token_urlsafe(200))
    assert 0 < bodies.size_bytes <= 3_000
    assert bodies.get(("page", 49)).html.startswith("<p>49</p>")  # the newest is still kept
    assert bodies.get(("page", 0)) is None  # the oldest was evicted
    kept = bodies.get(("page", 49))
    assert (kept.stamp, kept.title) == ("stamp", "title")
    assert with_csrf(f"a {CSRF_SLOT} b", "tok") == "a tok b"

    off = RenderedBodies(max_bytes=0)
    off.put("k", "stamp", "title", "body")
    assert off.get("k") is None and off.size_bytes == 0
