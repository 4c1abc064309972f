"""Every message a person can see is Japanese: each role crawls every page it can reach from
the demo data, submits every kind of form empty (the refusals a hurried user meets), and
meets the HTTP errors (403, 404, 405, 400 CSRF, 413); no visible text may hold an English
sentence."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from service import catalogue
from service.demo import DEMO_PASSWORD, USERS, load_demo

# three English words in a row (letters only, joined by spaces or commas): a sentence, not a
# code, an e-mail address, a file name or a product name such as "Open API"
ENGLISH = re.compile(r"\b[A-Za-z][a-z'’]+(?:[ ,]+[A-Za-z][a-z'’]+){2,}\b")
ATTRIBUTES = ("placeholder", "aria-label", "title", "alt", "data-confirm")
SKIPPED_PATHS = re.compile(r"/(logout|static/|metrics|healthz)|\.(xlsx|pdf|csv)$|/evidence/|/file$|/export")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Page(HTMLParser):
    """Visible text (outside script and style), link targets and forms of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        for name in ATTRIBUTES:
            if attributes.get(name):
                self.texts.append(attributes[name])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "form":
            self.forms.append({"action": attributes.get("action") or "", "method": (attributes.get("method") or "get").lower(), "fields": {}})
        if tag in ("input", "textarea", "select") and self.forms and attributes.get("name"):
            if attributes.get("type") == "hidden":
                self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.texts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def _quoted_from_the_checklist() -> set[str]:
    """English the FISC 解説書 itself uses (「CVSS（Common Vulnerability Scoring System）」):
    quoted checklist text, not the product speaking English."""
    editions = Path(catalogue.__file__).parent / "editions"
    return {found for path in editions.glob("*.yaml") for found in ENGLISH.findall(path.read_text(encoding="utf-8"))}


QUOTED = _quoted_from_the_checklist()


def english_in(html: str) -> list[str]:
    page = Page()
    page.feed(html)
    return [found for text in page.texts for found in ENGLISH.findall(" ".join(text.split())) if found not in QUOTED]


def parsed(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def shape(path: str) -> str:
    """The route a path belongs to: one of each is enough."""
    return re.sub(r"/\d+", "/N", UUID.sub("ID", path.split("?")[0]))


@pytest.fixture
def demo(app):
    load_demo(app.extensions["container"])
    return app


def log_in(client, email: str) -> None:
    login = parsed(client.get("/login").get_data(as_text=True))
    token = next(form["fields"]["csrf_token"] for form in login.forms if "csrf_token" in form["fields"])
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def crawl(client, found: dict[str, list[str]]) -> None:
    """Every page reachable from the start page, one per route shape, and every post form
    found on them submitted with nothing filled in."""
    seen_pages, seen_forms = set(), set()
    queue = deque(["/"])
    while queue:
        path = queue.popleft()
        if shape(path) in seen_pages or len(seen_pages) > 80:
            continue
        seen_pages.add(shape(path))
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code in (301, 302, 303) or "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        if english := english_in(html):
            found[path] = english
        page = parsed(html)
        for href in page.links:
            target = urlsplit(urljoin(path, href))
            if target.netloc or not target.path.startswith("/") or SKIPPED_PATHS.search(target.path):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
        for form in page.forms:
            action = urljoin(path, form["action"] or path)
            if form["method"] != "post" or SKIPPED_PATHS.search(action) or shape(action) in seen_forms:
                continue
            seen_forms.add(shape(action))
            refused = client.post(action, data=form["fields"], follow_redirects=True)
            assert refused.status_code < 500, action
            if "text/html" in refused.content_type and (english := english_in(refused.get_data(as_text=True))):
                found[f"POST {action}"] = english


@pytest.mark.slow
@pytest.mark.parametrize("email", [email for email, *_ in USERS])
def test_no_english_sentence_on_any_page_or_refusal(demo, email):
    client = demo.test_client()
    log_in(client, email)
    found: dict[str, list[str]] = {}
    crawl(client, found)
    assert found == {}


@pytest.mark.slow
def test_http_errors_speak_japanese(demo):
    client = demo.test_client()
    responses = {
        "404 unknown page": client.get("/no-such-page"),
        "400 missing CSRF": client.post("/login", data={"email": "x@example.com", "password": "y"}),
        "413 oversize body": client.post("/login", data={"email": "x" * (20 * 1024 * 1024)}),
    }
    log_in(client, "staff@kakeibo-tech.example")
    responses["404 unknown engagement"] = client.get("/engagements/00000000-0000-0000-0000-000000000000")
    responses["403 admin page for a connector"] = client.get("/admin/users")
    responses["405 GET on a form target"] = client.get("/logout")
    responses["400 stale CSRF"] = client.post("/logout", data={"csrf_token": "expired"})
    for name, response in responses.items():
        html = response.get_data(as_text=True)
        assert response.status_code == int(name[:3]), (name, response.status_code)
        assert "text/html" in response.content_type, name
        assert english_in(html) == [], (name, english_in(html))
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", html), name  # says something in Japanese
