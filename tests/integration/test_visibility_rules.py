"""Who may see an engagement is written twice: in Python (``Engagement.visible_to``, asked by
the use cases before they hand out an aggregate) and in SQL (``service.views.visibility``, the
filter of the board and inbox queries over the read models). Both must answer the same for
every (role, organisation, engagement) of a world of several banks and connectors, on both
stores: every role, including the auditor, the liaison desk, admins and the scheduler, from
every organisation, including ones no engagement names."""

from __future__ import annotations

import itertools

from service.domain.actors import SYSTEM_ACTOR, Actor
from service.domain.codes import Role
from service.domain.errors import EngagementNotFound
from tests.integration.conftest import add_person

BANKS = 3
CONNECTORS = 4


def world(container) -> tuple[list[str], list[str]]:
    """Organisations of every kind, and engagements between some banks and connectors: one bank
    reviews no one, one connector is reviewed by no one, one pair twice, one engagement withdrawn."""
    accounts = container.accounts
    banks = [accounts.add_org(f"銀行{i}", "bank") for i in range(BANKS)]
    connectors = [accounts.add_org(f"接続先{i}", "connector") for i in range(CONNECTORS)]
    orgs = [*banks, *connectors, accounts.add_org("FISC", "fisc"), accounts.add_org("運営者", "operator"), "no-such-org"]
    pairs = [(0, 0), (0, 1), (0, 1), (1, 1), (1, 2), (0, 2)]  # bank 2 and connector 3 have none
    engagements = []
    for i, (bank, connector) in enumerate(pairs):
        reviewer = add_person(container, banks[bank], "reviewer", f"reviewer{i}@bank{bank}.example")
        engagement = container.engagements.open_engagement(reviewer, connector_org_id=connectors[connector], title=f"案件{i}")
        engagements.append(str(engagement.id))
    container.engagements.withdraw(reviewer, engagements[-1], "接続を見送ります。")
    return orgs, engagements


def visible_in_python(container, actor: Actor, engagement_id: str) -> bool:
    engagement = container.store.visible(SYSTEM_ACTOR, engagement_id, copy=False)
    rule = engagement.visible_to(actor)
    try:
        container.store.visible(actor, engagement_id, copy=False)  # what the use cases apply
    except EngagementNotFound:
        assert not rule
    else:
        assert rule
    return rule


def test_python_and_sql_visibility_agree_on_every_pair(container):
    orgs, engagements = world(container)
    seen = {}
    for role, org in itertools.product(Role, orgs):
        actor = Actor(id=f"{role.value}@{org}", name="試験", org_id=org, org_name="試験", role=role)
        in_sql = {row["engagement_id"] for row in container.views.board(actor, paginate=False)}
        in_python = {engagement_id for engagement_id in engagements if visible_in_python(container, actor, engagement_id)}
        assert in_sql == in_python, (role, org)
        seen[role, org] = len(in_python)

    # the world exercises both answers: each side sees some engagements and misses others,
    # the liaison desk and admins see none, the scheduler every one
    for role in (Role.REVIEWER, Role.AUDITOR, Role.CONNECTOR):
        counts = {count for (r, _org), count in seen.items() if r is role}
        assert 0 in counts and 0 < max(counts) < len(engagements)
    assert {count for (r, _org), count in seen.items() if r in (Role.LIAISON, Role.ADMIN)} == {0}
    assert {count for (r, _org), count in seen.items() if r is Role.SYSTEM} == {len(engagements)}
