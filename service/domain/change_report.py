"""A connector's change report (変更届; 解説書 §3: monitoring when 確認項目に変化が生じた場合): made
once, it reopens exactly the items concerned in every one of the connector's engagements in
monitoring, each bank reviewing it privately. The report keeps where it went, for the
connector; a bank sees only its own engagements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

from .actors import Actor
from .codes import Role
from .engagement_rules import item_numbers
from .errors import Invalid, RoleNotAllowed
from .text import clean_text, parse_date

MAX_SUMMARY = 2_000


class ChangeReport(Aggregate):
    @classmethod
    def report(
        cls, actor: Actor, *, connector: dict[str, str], items: Any, summary: Any, effective_on: Any, known_items: set[int]
    ) -> "ChangeReport":
        """A report by the connector's staff on items of the checklist (custom items too)."""
        if actor.role is not Role.CONNECTOR or actor.org_id != connector["id"]:
            raise RoleNotAllowed("変更届を提出できるのはAPI接続先の担当者です。")
        numbers = sorted(set(item_numbers(items, "items")))
        if not numbers:
            raise Invalid("変更のあった確認項目を1つ以上指定してください。", field="items")
        unknown = [n for n in numbers if n not in known_items]
        if unknown:
            raise Invalid(f"確認項目にない通番があります: {'、'.join(map(str, unknown))}", field="items")
        return cls(
            actor=actor.as_record(),
            connector=dict(connector),
            items=numbers,
            summary=clean_text(summary, "summary", required=True, limit=MAX_SUMMARY),
            effective_on=parse_date(effective_on, "effective_on").isoformat(),
        )

    @event("Reported")
    def __init__(
        self,
        actor: dict[str, str],
        connector: dict[str, str],
        items: list[int],
        summary: str,
        effective_on: str,
        timestamp: datetime | None = None,
    ) -> None:
        self.connector = dict(connector)
        self.items = list(items)
        self.summary = summary
        self.effective_on = effective_on
        self.reported_by = {"id": actor["id"], "name": actor["name"], "org": actor["org_name"]}
        self.reported_at = timestamp.isoformat() if timestamp else None
        self.reopened: list[dict[str, Any]] = []
        self.not_reopened: list[dict[str, Any]] = []

    def deliver(self, actor: Actor, *, reopened: list[dict[str, Any]], not_reopened: list[dict[str, Any]]) -> None:
        """Where the report went: the cycles it opened, and the engagements it reached in
        another state (saved with those cycles, in one transaction)."""
        self._delivered(actor=actor.as_record(), reopened=reopened, not_reopened=not_reopened)

    @event("Delivered")
    def _delivered(self, actor: dict[str, str], reopened: list[dict[str, Any]], not_reopened: list[dict[str, Any]]) -> None:
        self.reopened = [dict(entry) for entry in reopened]
        self.not_reopened = [dict(entry) for entry in not_reopened]
