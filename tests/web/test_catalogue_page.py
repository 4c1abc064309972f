"""The checklist text appears as in the 解説書: 手法例 groups in their original order."""

from __future__ import annotations

from service.catalogue import current_edition
from tests.web.test_page_security import log_in


def test_method_groups_keep_the_checklist_order_on_both_pages(app, client, people):
    item = current_edition().item(3)
    expected = list(dict.fromkeys(method.group for method in item.methods))
    assert expected[:3] == ["周知・意識啓発の徹底", "教育・研修の実施", "体制の整備"]
    engagement = app.extensions["container"].engagements.open_engagement(
        people.reviewer, connector_org_id=people.connector.org_id, title="表示順"
    )
    log_in(client, "reviewer@bank.example")
    for path in ("/catalogue/?q=定着を図る", f"/engagements/{engagement.id}"):
        html = client.get(path).get_data(as_text=True)
        section = html[html.index("通番3 ") :]
        positions = [section.index(f"＜{group}＞") for group in expected]
        assert positions == sorted(positions), path


def test_the_seeds_guidance_is_on_the_pages(app, client, people):
    """区分 purposes, the 手法例 guidance (§3) and the 用語解説, as the 解説書 states them."""
    edition = current_edition()
    engagement = app.extensions["container"].engagements.open_engagement(
        people.reviewer, connector_org_id=people.connector.org_id, title="解説の表示"
    )
    log_in(client, "staff@fintech.example")
    review = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    for category in edition.categories:
        assert category.purpose in review, category.name
    assert review.count("手法例はあくまで例示であり") == len(edition.items)  # under every item's 手法例
    catalogue = client.get("/catalogue/").get_data(as_text=True)
    assert edition.categories[0].purpose in catalogue and "/catalogue/glossary" in catalogue
    glossary = client.get("/catalogue/glossary").get_data(as_text=True)
    assert len(edition.glossary) > 60
    for term in edition.glossary:
        assert f"<dt id=" in glossary and term.description in glossary, term.term
