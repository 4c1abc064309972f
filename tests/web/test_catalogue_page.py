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
