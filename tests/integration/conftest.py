"""The people of a small world of banks, connectors and FISC, and helpers the integration, API
and page tests share."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from service.bootstrap import Container
from service.domain.actors import Actor

PASSWORD = "correct horse battery"


@dataclass
class People:
    reviewer: Actor
    auditor: Actor
    connector: Actor
    other_reviewer: Actor  # reviewer of another bank
    other_connector: Actor  # staff of another connector
    liaison: Actor
    admin: Actor


def add_person(container: Container, org_id: str, role: str, email: str) -> Actor:
    user_id = container.accounts.add_user(email=email, name=email.split("@")[0], org_id=org_id, role=role, password=PASSWORD)
    return container.accounts.actor(user_id)


@pytest.fixture
def people(container: Container) -> People:
    accounts = container.accounts
    bank = accounts.add_org("東西銀行", "bank")
    other_bank = accounts.add_org("南北信用金庫", "bank")
    connector = accounts.add_org("フィンテック株式会社", "connector")
    other_connector = accounts.add_org("別会社株式会社", "connector")
    fisc = accounts.add_org("FISC", "fisc")
    return People(
        reviewer=add_person(container, bank, "reviewer", "reviewer@bank.example"),
        auditor=add_person(container, bank, "auditor", "auditor@bank.example"),
        connector=add_person(container, connector, "connector", "staff@fintech.example"),
        other_reviewer=add_person(container, other_bank, "reviewer", "reviewer@other-bank.example"),
        other_connector=add_person(container, other_connector, "connector", "staff@other.example"),
        liaison=add_person(container, fisc, "liaison", "desk@fisc.example"),
        admin=add_person(container, bank, "admin", "admin@bank.example"),
    )


def snapshot(container) -> dict[str, list[tuple]]:
    """Every row of every read model, in a stable order."""
    rows = {}
    with container.engine.connect() as connection:
        for projection in container.projections.projections.values():
            for table in projection.tables:
                rows[table.name] = sorted(tuple(map(str, row)) for row in connection.execute(select(table)))
    return rows


def answer_side(c, actor, engagement, parties, **extra):
    for item in engagement.items:
        if item["party"] in parties and item["dropped"] is None and item["number"] in engagement.cycle["items"]:
            engagement = c.review.save_answer(
                actor,
                engagement.id,
                item["number"],
                status=extra.get("status", "implemented"),
                current_state=extra.get("current_state", f"通番{item['number']}の対策を実施している。"),
            )
    return engagement
