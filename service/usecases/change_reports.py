"""Change reports (変更届): a connector reports a change once, and every one of its engagements
in monitoring that reviews those items gets a cycle for exactly them, in one save."""

from __future__ import annotations

from typing import Any, Protocol

from ..accounts import Accounts
from ..domain.actors import Actor
from ..domain.change_report import ChangeReport
from ..domain.engagement import Engagement
from ..editions import Editions
from .base import UseCases, retried
from .ports import ReadYourWrites
from .store import ReviewStore


class ConnectorEngagements(Protocol):
    def engagements_of(self, connector_org_id: str) -> list[str]:
        """The ids of the connector's engagements (every state but withdrawn)."""


class ChangeReports(UseCases):
    def __init__(
        self,
        store: ReviewStore,
        *,
        accounts: Accounts,
        editions: Editions,
        index: ConnectorEngagements,
        read_your_writes: ReadYourWrites | None = None,
    ) -> None:
        super().__init__(store, read_your_writes=read_your_writes)
        self.accounts = accounts
        self.editions = editions
        self.index = index

    @retried
    def report_change(self, actor: Actor, **said: Any) -> ChangeReport:
        """``said``: the items, summary and effective date (``ChangeReport.report`` checks them).
        The report and every cycle it opens are saved together, or nothing is."""
        connector = self.accounts.org(actor.org_id).as_ref()
        report = ChangeReport.report(actor, connector=connector, known_items=set(self.editions.current().numbers), **said)
        reopened: list[Engagement] = []
        delivered, not_reopened = [], []
        for engagement_id in self.index.engagements_of(actor.org_id):
            engagement = self.store.visible(actor, engagement_id)
            if not set(report.items) & set(engagement.active_numbers()):
                continue
            if not engagement.may(actor, "report_change"):
                not_reopened.append({"id": str(engagement.id), "state": engagement.state})
                continue
            numbers = engagement.report_change(actor, report_id=str(report.id), items=report.items, summary=report.summary)
            reopened.append(engagement)
            delivered.append({"id": str(engagement.id), "bank": dict(engagement.bank), "cycle": engagement.cycle["number"], "items": numbers})
        report.deliver(actor, reopened=delivered, not_reopened=not_reopened)
        return self._save(report, *reopened)
