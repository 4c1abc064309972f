"""The review page's rendered body is reused per engagement version and viewer,
and every response carries its own session's CSRF token."""

from __future__ import annotations

import re
import secrets

from service.web.rendered import CSRF_SLOT, RenderedBodies
from tests.web.test_page_security import csrf_from, log_in


def tokens_in(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html))


def test_a_cached_body_serves_each_session_its_own_token_and_a_write_renders_anew(app, people):
    container = app.extensions["container"]
    bodies = app.extensions["rendered_bodies"]
    engagement = container.reviews.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="再描画")
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


def test_kept_bodies_stay_within_their_byte_budget_and_zero_turns_keeping_off():
    bodies = RenderedBodies(max_bytes=3_000)
    for n in range(50):  # random text: about 200 bytes each even compressed
        assert bodies.body(("page", n), lambda n=n: f"<p>{n}</p>" + secrets.token_urlsafe(200), "tok").startswith(f"<p>{n}</p>")
    assert 0 < bodies.size_bytes <= 3_000
    assert bodies.body(("page", 49), lambda: "re-rendered", "tok") != "re-rendered"  # the newest is still kept
    assert bodies.body(("page", 0), lambda: "re-rendered", "tok") == "re-rendered"  # the oldest was evicted

    off = RenderedBodies(max_bytes=0)
    assert off.body("k", lambda: f"a {CSRF_SLOT} b", "tok") == "a tok b"
    assert off.body("k", lambda: "again", "tok") == "again" and off.size_bytes == 0
