"""Opening an engagement (tailored, by hand or from a bank template: items dropped with a reason, the bank's own items added),
moving it to a new edition, monitoring cycles and reminders, withdrawing it."""

from __future__ import annotations

from typing import Any, Iterable

from ..accounts import Accounts
from ..domain.actors import Actor
from ..domain.codes import OrgKind, Role
from ..domain.engagement import Engagement
from ..domain.errors import Invalid, OrgNotFound, RoleNotAllowed
from ..domain.text import label_for
from ..editions import Editions
from ..tailoring import TailoringTemplates
from .base import UseCases, retried
from .ports import ReadYourWrites
from .store import ReviewStore


def org_of_kind(accounts: Accounts, org_id: Any, kind: OrgKind, field: str):
    """The registered organisation of ``kind`` that ``field`` names, or a field error."""
    if not isinstance(org_id, str):
        raise Invalid(f"{label_for(field)}には組織のIDを指定してください。", field=field)
    try:
        org = accounts.org(org_id)
    except OrgNotFound:
        org = None
    if org is None or org.kind != kind.value:
        raise Invalid(f"{label_for(field)}に指定された組織は登録されていません。", field=field)
    return org


class Engagements(UseCases):
    def __init__(
        self,
        store: ReviewStore,
        *,
        accounts: Accounts,
        editions: Editions,
        templates: TailoringTemplates,
        read_your_writes: ReadYourWrites | None = None,
    ) -> None:
        super().__init__(store, read_your_writes=read_your_writes)
        self.accounts = accounts
        self.editions = editions
        self.templates = templates

    def open_engagement(
        self,
        actor: Actor,
        *,
        connector_org_id: Any,
        title: Any,
        dropped_items: Iterable[dict[str, Any]] = (),
        custom_items: Iterable[dict[str, Any]] = (),
        template_id: Any = None,
    ) -> Engagement:
        """Open a review tailored by ``template_id`` (one of the bank's templates) and by the
        items given here, added to the template's."""
        if actor.role is not Role.REVIEWER:
            raise RoleNotAllowed("審査案件を作成できるのは金融機関の審査担当者です。")
        connector = org_of_kind(self.accounts, connector_org_id, OrgKind.CONNECTOR, "connector_org_id")
        if template_id is not None:
            template = self.templates.get(actor, template_id)
            dropped_items = [*template["dropped_items"], *(dropped_items or ())]
            custom_items = [*template["custom_items"], *(custom_items or ())]
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

    @retried
    def adopt_edition(self, actor: Actor, engagement_id: Any, *, expected_version: Any = None) -> Engagement:
        """Move the engagement to the current edition keeping unchanged answers; an
        engagement in monitoring gets an ``item_changed`` cycle for exactly the items
        that changed or were added."""
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        edition = self.editions.current()
        touched = engagement.adopt_edition(actor, edition, self.editions.diff(engagement.edition, edition.id))
        if engagement.state == "monitoring" and touched:
            engagement.start_review_cycle(
                actor, "item_changed", touched, f"チェックリスト改訂（{edition.id}版）で変更された項目の確認"
            )
        return self._save(engagement)

    @retried
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
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.start_review_cycle(actor, reason, items, note, changed_elsewhere=self._library_changes(engagement))
        return self._save(engagement)

    def _library_changes(self, engagement: Engagement) -> list[int]:
        """The items whose answer in the connector's library changed since the last decision
        (a monitoring plan of depth ``changed_items`` reviews them again)."""
        library = self.store.stored_library(engagement.connector["id"])
        since = engagement.changes_since()
        if library is None:
            return []
        return [int(number) for number, entry in library.entries.items() if (entry.get("at") or "") > since]

    @retried
    def propose_monitoring_plan(
        self,
        actor: Actor,
        engagement_id: Any,
        *,
        frequency_months: Any,
        depth: Any,
        items: Any = (),
        note: Any = "",
        expected_version: Any = None,
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.propose_monitoring_plan(actor, frequency_months=frequency_months, depth=depth, items=items, note=note)
        return self._save(engagement)

    @retried
    def agree_monitoring_plan(self, actor: Actor, engagement_id: Any, *, expected_version: Any = None) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.agree_monitoring_plan(actor)
        return self._save(engagement)

    @retried
    def send_reminder(
        self, actor: Actor, engagement_id: Any, *, kind: str, ref: str, stage: int, to: str, text: str
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, None)
        engagement.send_reminder(actor, kind=kind, ref=ref, stage=stage, to=to, text=text)
        return self._save(engagement)

    @retried
    def withdraw(self, actor: Actor, engagement_id: Any, reason: Any, *, expected_version: Any = None) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.withdraw(actor, reason)
        return self._save(engagement)
