"""Use cases on engagements: one method per use case, each ending in ``save()``.

Every entry point (API, web, CLI, jobs) calls these methods, so authorisation by
organisation lives here once: an engagement of another organisation is reported
exactly like a missing one (``EngagementNotFound``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from .accounts import Accounts
from .domain.actors import Actor
from .domain.codes import OrgKind, Role
from .domain.advisory import Advisory
from .domain.engagement import Engagement
from .domain.errors import EngagementNotFound, Invalid, RoleNotAllowed, StaleVersion
from .editions import Editions

Clock = Callable[[], datetime]
BANK_ROLES = (Role.REVIEWER, Role.AUDITOR)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ReviewApplication(Application):
    """The event-sourced application holding every engagement."""

    name = "Reviews"
    snapshotting_intervals = {Engagement: 100}

    def __init__(
        self,
        env: dict[str, str],
        *,
        accounts: Accounts,
        editions: Editions,
        timezone: ZoneInfo,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(env)
        self.accounts = accounts
        self.editions = editions
        self.timezone = timezone
        self.clock = clock
        self.after_save: list[Callable[[], None]] = []
        self.timeline_index: Any = None  # set by bootstrap: the read side's (engagement, time) -> version index

    def today(self) -> date:
        """Today's date in the application's time zone (Asia/Tokyo by default)."""
        return self.clock().astimezone(self.timezone).date()

    # ------------------------------------------------------------------ reading

    def engagement(self, actor: Actor, engagement_id: Any, *, as_of: datetime | None = None) -> Engagement:
        """The engagement as the actor may see it, now or as it was at ``as_of``."""
        engagement = self._visible(actor, engagement_id)
        if as_of is None:
            return engagement
        if as_of.tzinfo is None:
            raise Invalid("as_of needs a time zone offset", field="as_of")
        version = self.version_at(engagement, as_of)
        if version is None:
            raise EngagementNotFound("the engagement did not exist at that time")
        return self.repository.get(engagement.id, version=version)

    def version_at(self, engagement: Engagement, instant: datetime) -> int | None:
        """The version after the last event at or before ``instant``: an index lookup
        on the timeline when it has caught up with the engagement, else an event scan."""
        if self.timeline_index is not None and self.timeline_index.latest_version(engagement.id) == engagement.version:
            return self.timeline_index.version_at(engagement.id, instant)
        version = None
        for stored in self.events.get(engagement.id):
            if stored.timestamp > instant:
                break
            version = stored.originator_version
        return version

    def _visible(self, actor: Actor, engagement_id: Any) -> Engagement:
        try:
            key = engagement_id if isinstance(engagement_id, uuid.UUID) else uuid.UUID(str(engagement_id))
            engagement = self.repository.get(key)
        except (ValueError, AggregateNotFoundError):
            raise EngagementNotFound(f"engagement {engagement_id} does not exist") from None
        if not isinstance(engagement, Engagement) or not self._may_see(actor, engagement):
            raise EngagementNotFound(f"engagement {engagement_id} does not exist")
        return engagement

    @staticmethod
    def _may_see(actor: Actor, engagement: Engagement) -> bool:
        if actor.role is Role.SYSTEM:
            return True
        if actor.role in BANK_ROLES:
            return actor.org_id == engagement.bank["id"]
        if actor.role is Role.CONNECTOR:
            return actor.org_id == engagement.connector["id"]
        return False  # liaison and admin never see engagement contents

    def _for_update(self, actor: Actor, engagement_id: Any, expected_version: Any) -> Engagement:
        engagement = self._visible(actor, engagement_id)
        if expected_version is not None:
            if not isinstance(expected_version, int) or isinstance(expected_version, bool):
                raise Invalid("expected_version must be an integer", field="expected_version")
            if expected_version != engagement.version:
                raise StaleVersion(
                    f"expected version {expected_version}, the engagement is at {engagement.version}",
                    current_version=engagement.version,
                )
        return engagement

    def _save(self, engagement: Any) -> Any:
        """Save, turning a lost race into a conflict instead of a lost write,
        then let the read side catch up (read-your-writes)."""
        try:
            self.save(engagement)
        except IntegrityError:
            current = self.repository.get(engagement.id).version
            raise StaleVersion(
                "another change was saved first; reload and try again", current_version=current
            ) from None
        for hook in self.after_save:
            hook()
        return engagement

    # ------------------------------------------------------------------ opening and tailoring

    def open_engagement(
        self,
        actor: Actor,
        *,
        connector_org_id: Any,
        title: Any,
        dropped_items: Iterable[dict[str, Any]] = (),
        custom_items: Iterable[dict[str, Any]] = (),
    ) -> Engagement:
        if actor.role is not Role.REVIEWER:
            raise RoleNotAllowed("only a reviewer opens an engagement")
        connector = self._org_of_kind(connector_org_id, OrgKind.CONNECTOR, "connector_org_id")
        bank = self.accounts.org(actor.org_id)
        engagement = Engagement.open(
            actor,
            bank=bank.as_ref(),
            connector=connector.as_ref(),
            title=title,
            edition=self.editions.current(),
            dropped_items=dropped_items,
            custom_items=custom_items,
        )
        return self._save(engagement)

    def _org_of_kind(self, org_id: Any, kind: OrgKind, field: str):
        if not isinstance(org_id, str):
            raise Invalid(f"{field} must be an organisation id", field=field)
        try:
            org = self.accounts.org(org_id)
        except Exception:
            raise Invalid(f"{field} is not a known {kind.value} organisation", field=field) from None
        if org.kind != kind.value:
            raise Invalid(f"{field} is not a known {kind.value} organisation", field=field)
        return org

    def drop_item(self, actor: Actor, engagement_id: Any, number: int, reason: Any, *, expected_version: Any = None) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.drop_item(actor, number, reason)
        return self._save(engagement)

    def add_custom_item(
        self, actor: Actor, engagement_id: Any, *, objective: Any, party: Any, expected_version: Any = None
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.add_custom_item(actor, objective, party)
        return self._save(engagement)

    # ------------------------------------------------------------------ answers

    def save_answer(
        self, actor: Actor, engagement_id: Any, number: int, *, expected_version: Any = None, **answer: Any
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.save_answer(actor, number, **answer)
        return self._save(engagement)

    def submit(self, actor: Actor, engagement_id: Any, *, expected_version: Any = None) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.submit(actor)
        return self._save(engagement)

    # ------------------------------------------------------------------ questions

    def ask_question(
        self, actor: Actor, engagement_id: Any, number: int, text: Any, *, expected_version: Any = None
    ) -> tuple[str, Engagement]:
        engagement = self._for_update(actor, engagement_id, expected_version)
        question_id = str(uuid.uuid4())
        engagement.ask_question(actor, number, text, question_id)
        return question_id, self._save(engagement)

    def post_reply(
        self, actor: Actor, engagement_id: Any, question_id: str, text: Any, *, expected_version: Any = None
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.post_reply(actor, question_id, text)
        return self._save(engagement)

    def close_question(
        self, actor: Actor, engagement_id: Any, question_id: str, *, expected_version: Any = None
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.close_question(actor, question_id)
        return self._save(engagement)

    # ------------------------------------------------------------------ judgement and decision

    def judge_item(
        self, actor: Actor, engagement_id: Any, number: int, *, verdict: Any, comment: Any = "", expected_version: Any = None
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.judge_item(actor, number, verdict, comment)
        return self._save(engagement)

    def decide(
        self,
        actor: Actor,
        engagement_id: Any,
        *,
        outcome: Any,
        comment: Any,
        conditions: Iterable[dict[str, Any]] = (),
        next_review_on: date | None = None,
        expected_version: Any = None,
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.decide(
            actor,
            outcome=outcome,
            comment=comment,
            conditions=conditions,
            decided_on=self.today(),
            next_review_on=next_review_on,
        )
        return self._save(engagement)

    def fulfil_condition(
        self, actor: Actor, engagement_id: Any, condition_id: str, *, comment: Any = "", expected_version: Any = None
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.fulfil_condition(actor, condition_id, comment)
        return self._save(engagement)

    # ------------------------------------------------------------------ monitoring

    def start_review_cycle(
        self,
        actor: Actor,
        engagement_id: Any,
        *,
        reason: Any,
        items: Iterable[int] = (),
        note: Any = "",
        expected_version: Any = None,
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.start_review_cycle(actor, reason, items, note)
        return self._save(engagement)

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
        )
        return self._save(advisory)

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
        engagement = self._for_update(actor, engagement_id, None)
        engagement.notice_advisory(actor, advisory_id=advisory_id, title=title, items=items, respond_by=respond_by)
        return self._save(engagement)

    def acknowledge_advisory(
        self, actor: Actor, engagement_id: Any, advisory_id: str, text: Any, *, expected_version: Any = None
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.acknowledge_advisory(actor, advisory_id, text)
        return self._save(engagement)

    def adopt_edition(self, actor: Actor, engagement_id: Any, *, expected_version: Any = None) -> Engagement:
        """Move the engagement to the current edition keeping unchanged answers; an
        engagement in monitoring gets an ``item_changed`` cycle for exactly the items
        that changed or were added."""
        engagement = self._for_update(actor, engagement_id, expected_version)
        edition = self.editions.current()
        touched = engagement.adopt_edition(actor, edition, self.editions.diff(engagement.edition, edition.id))
        if engagement.state == "monitoring" and touched:
            engagement.start_review_cycle(
                actor, "item_changed", touched, f"チェックリスト改訂（{edition.id}版）で変更された項目の確認"
            )
        return self._save(engagement)

    def send_reminder(
        self, actor: Actor, engagement_id: Any, *, kind: str, ref: str, stage: int, to: str, text: str
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, None)
        engagement.send_reminder(actor, kind=kind, ref=ref, stage=stage, to=to, text=text)
        return self._save(engagement)

    def withdraw(self, actor: Actor, engagement_id: Any, reason: Any, *, expected_version: Any = None) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.withdraw(actor, reason)
        return self._save(engagement)
