"""Tailoring during the review (risk-based, until the decision): the bank's own items with the
fields of a catalogue item, items dropped with a reason and restored; and the bank's
templates, reused when it opens an engagement."""

from __future__ import annotations

from typing import Any

from ..domain.actors import Actor
from ..domain.engagement import Engagement
from ..editions import Editions
from ..tailoring import TailoringTemplates
from .base import UseCases, retried
from .ports import ReadYourWrites
from .store import ReviewStore


CUSTOM_FIELDS = {"objective": "", "party": "", "category": "", "explanation": "", "methods": [], "references": []}


class Tailoring(UseCases):
    def __init__(
        self,
        store: ReviewStore,
        *,
        templates: TailoringTemplates,
        editions: Editions,
        read_your_writes: ReadYourWrites | None = None,
    ) -> None:
        super().__init__(store, read_your_writes=read_your_writes)
        self.templates = templates
        self.editions = editions

    @retried
    def add_custom_item(
        self, actor: Actor, engagement_id: Any, *, expected_version: Any = None, **fields: Any
    ) -> tuple[int, Engagement]:
        """``fields``: objective, party, category, explanation, methods, references."""
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        number = engagement.add_custom_item(actor, **fields)
        return number, self._save(engagement)

    @retried
    def drop_item(self, actor: Actor, engagement_id: Any, number: int, reason: Any, *, expected_version: Any = None) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.drop_item(actor, number, reason)
        return self._save(engagement)

    @retried
    def restore_item(self, actor: Actor, engagement_id: Any, number: int, *, expected_version: Any = None) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.restore_item(actor, number)
        return self._save(engagement)

    def create_template(self, actor: Actor, *, name: Any, dropped_items: Any = (), custom_items: Any = ()) -> str:
        return self.templates.create(actor, self.editions.current(), name=name, dropped_items=dropped_items, custom_items=custom_items)

    def template_from_engagement(self, actor: Actor, engagement_id: Any, *, name: Any) -> str:
        """Keep an engagement's tailoring (its items dropped by the bank, with their reasons, and
        its own items) as a template of the bank."""
        engagement = self.store.visible(actor, engagement_id)
        dropped = [
            {"number": item["number"], "reason": item["dropped"]["reason"]}
            for item in engagement.items
            if item["dropped"] and not item["custom"] and not item["dropped"].get("revision")
        ]
        custom = [
            {key: item.get(key, default) for key, default in CUSTOM_FIELDS.items()}
            for item in engagement.items
            if item["custom"] and not item["dropped"]
        ]
        return self.create_template(actor, name=name, dropped_items=dropped, custom_items=custom)

    def templates_of_bank(self, actor: Actor) -> list[dict[str, Any]]:
        return self.templates.of_bank(actor)
