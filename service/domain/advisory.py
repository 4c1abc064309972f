"""FISC advisories (注意喚起): published by the liaison desk after incidents and
recorded on every active engagement by the advisory_fanout job."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

from .actors import Actor
from .codes import Role
from .text import clean_text, label_for, one_line, parse_date
from .errors import Invalid, RoleNotAllowed

SEVERITIES = {"info": "情報", "warning": "注意", "critical": "緊急"}


class Advisory(Aggregate):
    @classmethod
    def publish(
        cls,
        actor: Actor,
        *,
        title: Any,
        body: Any,
        items: Any,
        respond_by: Any,
        severity: Any,
        known_items: set[int],
        today: date,
    ) -> "Advisory":
        """A new advisory, answered by a 回答期限 after ``today``."""
        if actor.role is not Role.LIAISON:
            raise RoleNotAllowed("注意喚起を発信できるのはFISC連絡窓口です。")
        numbers = sorted(set(items or ()))
        for number in numbers:
            if not isinstance(number, int) or isinstance(number, bool) or number not in known_items:
                raise Invalid(f"{label_for('items')}に存在しない通番（{number!r}）があります。", field="items")
        respond_by = parse_date(respond_by, "respond_by", after=today)
        if severity not in SEVERITIES:
            raise Invalid(f"重要度は {'、'.join(SEVERITIES)} のいずれかです。", field="severity")
        return cls(
            actor=actor.as_record(),
            title=one_line(title, "title", required=True, limit=200),
            body=clean_text(body, "body", required=True),
            items=numbers,
            respond_by=respond_by.isoformat(),
            severity=severity,
        )

    @event("Published")
    def __init__(
        self,
        actor: dict[str, str],
        title: str,
        body: str,
        items: list[int],
        respond_by: str,
        severity: str,
        timestamp: datetime | None = None,
    ) -> None:
        self.title = title
        self.body = body
        self.items = list(items)
        self.respond_by = respond_by
        self.severity = severity
        self.published_by = {"id": actor["id"], "name": actor["name"], "org": actor["org_name"]}
        self.published_at = timestamp.isoformat() if timestamp else None
