"""FISC advisories: published by the liaison desk, noticed on each engagement they
concern (by the fan-out job), acknowledged by the bank."""

from __future__ import annotations

from typing import Any

from ..domain.actors import Actor
from ..domain.advisory import Advisory
from ..domain.concurrency import advisory_scope
from ..domain.engagement import Engagement
from ..editions import Editions
from .base import UseCases, retried
from .ports import ReadYourWrites
from .store import ReviewStore


class Advisories(UseCases):
    def __init__(self, store: ReviewStore, *, editions: Editions, read_your_writes: ReadYourWrites | None = None) -> None:
        super().__init__(store, read_your_writes=read_your_writes)
        self.editions = editions

    def publish_advisory(
        self, actor: Actor, *, title: Any, body: Any, items: Any, respond_by: Any, severity: Any = "warning"
    ) -> Advisory:
        """The liaison desk publishes an advisory; advisory_fanout records it on the engagements."""
        advisory = Advisory.publish(
            actor,
            title=title,
            body=body,
            items=items,
            respond_by=respond_by,
            severity=severity,
            known_items=set(self.editions.current().numbers),
            today=self.store.today(),
        )
        return self._save(advisory)

    @retried
    def notice_advisory(
        self,
        actor: Actor,
        engagement_id: Any,
        *,
        advisory_id: str,
        title: str,
        items: list[int],
        respond_by: str | None,
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, None)
        engagement.notice_advisory(actor, advisory_id=advisory_id, title=title, items=items, respond_by=respond_by)
        return self._save(engagement)

    @retried
    def acknowledge_advisory(
        self, actor: Actor, engagement_id: Any, advisory_id: str, text: Any, *, expected_version: Any = None
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version, advisory_scope(advisory_id))
        engagement.acknowledge_advisory(actor, advisory_id, text)
        return self._save(engagement)
