"""An engagement's life around the review, as commands: opening it tailored, the monitoring
cycles after approval, FISC advisories, checklist revisions, reminders and withdrawal.
Each checks its rules and then records one event of ``Engagement`` (engagement.py)."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Self

from .actors import Actor, Side
from .checklist import CheckItem, Edition, EditionDiff, Party
from .codes import CycleReason, Role, State
from .monitoring import Depth, checked_plan, months_later
from .engagement_rules import EngagementRules, item_numbers
from .errors import (
    AdvisoryAlreadyNoticed,
    AlreadyAcknowledged,
    AlreadyReminded,
    EditionConflict,
    Invalid,
    ItemNotDropped,
    PlanNeedsOtherSide,
    PlanNotProposed,
    RoleNotAllowed,
    WrongState,
)
from .text import clean_text, label_for, one_line, parse_code

MAX_TITLE = 200
FIRST_CUSTOM_NUMBER = 45
REMINDER_TARGETS = (Side.BANK.value, Side.CONNECTOR.value, "both")


def item_fields(item: CheckItem) -> dict[str, Any]:
    """What an engagement keeps of a catalogue item (its texts live in the edition)."""
    return {"number": item.number, "category": item.category, "party": item.party.value, "objective": item.objective}


def reminder_key(kind: str, ref: str, stage: int) -> str:
    return f"{kind}:{ref}:{stage}"


def checked_dropped(dropped_items: Iterable[dict[str, Any]], numbers: Iterable[int]) -> list[dict[str, Any]]:
    """The catalogue items left out at opening, each with its reason."""
    known = set(numbers)
    seen: set[int] = set()
    dropped = []
    for i, entry in enumerate(dropped_items or ()):
        field = f"dropped_items[{i}]"
        number = entry.get("number") if isinstance(entry, dict) else None
        if not isinstance(number, int) or isinstance(number, bool) or number not in known:
            raise Invalid(f"通番{number}はこの版のチェックリストにありません。", field=field)
        if number in seen:
            raise Invalid(f"通番{number}が重複しています。", field=field)
        seen.add(number)
        dropped.append({"number": number, "reason": clean_text(entry.get("reason"), f"{field}.reason", required=True)})
    return dropped


def checked_custom(entry: Any, field: str) -> dict[str, Any]:
    """A bank's own item (金融機関独自項目) with the fields a catalogue item has: セキュリティ対応目標,
    対象者, 区分, 説明, 手法例 (each under its ＜heading＞) and 関連規定."""
    if not isinstance(entry, dict):
        raise Invalid(f"{label_for(field)}の形式が正しくありません。", field=field)
    party = parse_code(Party, entry.get("party"), f"{field}.party")
    return {
        "objective": clean_text(entry.get("objective"), f"{field}.objective", required=True, limit=2_000),
        "party": party.value,
        "category": clean_text(entry.get("category") or "金融機関独自項目", f"{field}.category", limit=100),
        "explanation": clean_text(entry.get("explanation") or "", f"{field}.explanation", limit=20_000),
        "methods": _pairs(entry.get("methods"), f"{field}.methods", ("group", "text")),
        "references": _pairs(entry.get("references"), f"{field}.references", ("source", "location")),
    }


def _pairs(values: Any, field: str, keys: tuple[str, str]) -> list[dict[str, str]]:
    """A custom item's 手法例 (group, text) or 関連規定 (source, location): at most 50, the second
    of each pair required."""
    if values is None:
        return []
    if not isinstance(values, list) or len(values) > 50:
        raise Invalid(f"{label_for(field)}は50件までの一覧で指定してください。", field=field)
    checked = []
    for i, value in enumerate(values):
        at = f"{field}[{i}]"
        if not isinstance(value, dict):
            raise Invalid(f"{label_for(at)}の形式が正しくありません。", field=at)
        first, second = keys
        checked.append(
            {
                first: clean_text(value.get(first) or "", f"{at}.{first}", limit=200),
                second: clean_text(value.get(second), f"{at}.{second}", required=True, limit=2_000),
            }
        )
    return checked


class LifecycleCommands(EngagementRules):
    """The commands that open, tailor, revise, remind and end an engagement."""

    @classmethod
    def open(
        cls,
        actor: Actor,
        *,
        bank: dict[str, str],
        connector: dict[str, str],
        title: str,
        edition: Edition,
        dropped_items: Iterable[dict[str, Any]] = (),
        custom_items: Iterable[dict[str, Any]] = (),
    ) -> Self:
        """A reviewer of ``bank`` opens a review of ``connector`` on ``edition``, tailored."""
        if actor.role is not Role.REVIEWER:
            raise RoleNotAllowed("審査案件を作成できるのは金融機関の審査担当者です。")
        if actor.org_id != bank["id"]:
            raise RoleNotAllowed("自行以外の審査案件は作成できません。")
        title = one_line(title, "title", required=True, limit=MAX_TITLE)
        items = [
            {**item_fields(item), "custom": False, "dropped": None, "answer": None, "judgement": None}
            for item in edition.items
        ]
        dropped = checked_dropped(dropped_items, edition.numbers)
        customs = [
            {**checked_custom(custom, f"custom_items[{i}]"), "number": FIRST_CUSTOM_NUMBER + i}
            for i, custom in enumerate(custom_items or ())
        ]
        if len(dropped) >= len(items) and not customs:
            raise Invalid("確認項目を少なくとも1つ残してください。", field="dropped_items")
        return cls(
            actor=actor.as_record(),
            bank=dict(bank),
            connector=dict(connector),
            title=title,
            edition=edition.id,
            items=items,
            dropped=dropped,
            custom=customs,
        )

    # ------------------------------------------------------------------ tailoring, until the decision

    def drop_item(self, actor: Actor, number: int, reason: Any) -> None:
        """Leave an item out of the review (risk-based, with a reason) until it is restored."""
        self.require(actor, "tailor")
        self._require_active_item(number)
        if len(self.active_numbers()) == 1:
            raise Invalid("確認項目を少なくとも1つ残してください。", field="number")
        self._item_dropped(actor=actor.as_record(), number=number, reason=clean_text(reason, "reason", required=True))

    def restore_item(self, actor: Actor, number: int) -> None:
        """Bring a dropped item back into the review and the open cycle."""
        self.require(actor, "tailor")
        dropped = self._item(number)["dropped"]
        if dropped is None:
            raise ItemNotDropped(f"通番{number}は審査の対象です。", number=number)
        if dropped.get("revision"):
            raise WrongState(f"通番{number}はチェックリストの改訂で削除された項目のため戻せません。", number=number)
        self._item_restored(actor=actor.as_record(), number=number)

    def add_custom_item(self, actor: Actor, **fields: Any) -> int:
        """Add a bank's own item with the fields of a catalogue item; it joins the open cycle."""
        self.require(actor, "tailor")
        entry = checked_custom(fields, "custom_item")
        number = max(FIRST_CUSTOM_NUMBER - 1, *(item["number"] for item in self.items)) + 1
        self._custom_item_added(actor=actor.as_record(), number=number, **entry)
        return number

    # ------------------------------------------------------------------ monitoring cycles

    def start_review_cycle(
        self, actor: Actor, reason: Any, items: Iterable[int] = (), note: Any = "", changed_elsewhere: Iterable[int] = ()
    ) -> None:
        """Reopen the items concerned (all of them for ``annual``); earlier cycles stay readable."""
        self.require(actor, "start_cycle")
        code = parse_code(CycleReason, reason, "reason")
        if code not in CycleReason.started_by_reviewer():
            raise Invalid("初回の審査サイクルは案件の作成時に、変更届によるサイクルは変更届の提出で始まります。", field="reason")
        if code is CycleReason.ANNUAL:
            numbers = self.planned_cycle_items(changed_elsewhere)
        else:
            numbers = sorted(set(item_numbers(items, "items")))
            if not numbers:
                raise Invalid("対象の確認項目を指定してください。", field="items")
            for number in numbers:
                self._require_active_item(number)
        self._review_cycle_started(
            actor=actor.as_record(),
            cycle=self.cycle["number"] + 1,
            reason=code.value,
            items=numbers,
            note=clean_text(note, "note", limit=2_000),
            state=State.DRAFT.value,
        )

    # ------------------------------------------------------------------ the monitoring plan, agreed by both sides

    def propose_monitoring_plan(self, actor: Actor, *, frequency_months: Any, depth: Any, items: Any = (), note: Any = "") -> None:
        """One side proposes how often and how deeply monitoring reviews again; the other agrees."""
        self.require(actor, "plan")
        plan = checked_plan(frequency_months, depth, items, note, self.active_numbers())
        self._monitoring_plan_proposed(actor=actor.as_record(), side=actor.side.value, **plan)

    def agree_monitoring_plan(self, actor: Actor) -> None:
        """The other side agrees; the next monitoring date follows the plan from the last decision."""
        self.require(actor, "plan")
        plan = self.monitoring_plan
        if plan is None or plan["status"] != "proposed":
            raise PlanNotProposed("合意を待つモニタリング計画はありません。")
        if plan["proposed_by"]["side"] == actor.side.value:
            raise PlanNeedsOtherSide("モニタリング計画には提案した側ではない相手方が合意します。")
        decided_on = self.decision["decided_on"] if self.decision else None
        review_on = months_later(date.fromisoformat(decided_on), plan["frequency_months"]).isoformat() if decided_on else None
        self._monitoring_plan_agreed(actor=actor.as_record(), next_review_on=review_on)

    def planned_cycle_items(self, changed_elsewhere: Iterable[int] = ()) -> list[int]:
        """What the next monitoring cycle reviews, by the agreed plan's depth: every item, the
        plan's items, or those changed since the last decision: a statement in the engagement,
        an advisory naming them, or what the caller knows changed elsewhere (the connector's
        library answers)."""
        plan = self.monitoring_plan if self.monitoring_plan and self.monitoring_plan["status"] == "agreed" else None
        active = self.active_numbers()
        if plan is None or plan["depth"] == Depth.FULL.value:
            return active
        if plan["depth"] == Depth.SELECTED_ITEMS.value:
            return [n for n in plan["items"] if n in active]
        since = self.changes_since()
        changed = set(changed_elsewhere) | {
            item["number"]
            for item in self.items
            for answer in item["answers"].values()
            if answer is not None and (answer["at"] or "") > since
        }
        changed |= {n for advisory in self.advisories if (advisory["noticed_at"] or "") > since for n in advisory["items"]}
        return [n for n in active if n in changed]

    def changes_since(self) -> str:
        """The instant (ISO) after which a change counts for ``changed_items``: the last decision."""
        return (self.decision or {}).get("at") or self.cycle["started_at"] or ""

    def report_change(self, actor: Actor, *, report_id: str, items: Iterable[int], summary: str) -> list[int]:
        """The connector's change report reaches this engagement: a cycle for exactly the
        reported items it reviews (not dropped), the connector holding the pen. Returns them."""
        self.require(actor, "report_change")
        numbers = sorted(set(item_numbers(items, "items")) & set(self.active_numbers()))
        if not numbers:
            raise Invalid("この案件には変更届の対象項目がありません。", field="items")
        self._review_cycle_started(
            actor=actor.as_record(),
            cycle=self.cycle["number"] + 1,
            reason=CycleReason.CHANGE_REPORTED.value,
            items=numbers,
            note=summary,
            state=State.DRAFT.value,
            change_report=report_id,
        )
        return numbers

    # ------------------------------------------------------------------ advisories

    def notice_advisory(
        self, actor: Actor, *, advisory_id: str, title: str, items: list[int], respond_by: str | None
    ) -> None:
        """Record a FISC advisory on this engagement (the fan-out job, or the liaison desk)."""
        self._require_role(actor, Role.SYSTEM, Role.LIAISON)
        self._require_not_withdrawn()
        if self.has_advisory(advisory_id):
            raise AdvisoryAlreadyNoticed("この注意喚起は登録済みです。", advisory_id=advisory_id)
        numbers = [n for n in item_numbers(items, "items") if n in self.active_numbers()]
        self._advisory_noticed(
            actor=actor.as_record(),
            advisory_id=advisory_id,
            title=one_line(title, "title", required=True, limit=MAX_TITLE),
            items=sorted(set(numbers)),
            respond_by=respond_by,
        )

    def acknowledge_advisory(self, actor: Actor, advisory_id: str, text: Any) -> None:
        self.require(actor, "acknowledge")
        if self.advisory(advisory_id)["acknowledgement"] is not None:
            raise AlreadyAcknowledged("この注意喚起は確認済みです。", advisory_id=advisory_id)
        self._advisory_acknowledged(
            actor=actor.as_record(), advisory_id=advisory_id, text=clean_text(text, "text", required=True)
        )

    # ------------------------------------------------------------------ checklist revisions

    def adopt_edition(self, actor: Actor, edition: Edition, diff: EditionDiff) -> list[int]:
        """Move to a revised checklist edition, keeping the answers of unchanged items.
        Returns the numbers of this engagement's items that changed or were added."""
        self.require(actor, "adopt_edition")
        if edition.id == self.edition:
            raise WrongState(f"この案件は既に{edition.id}版を使用しています。")
        custom = {item["number"] for item in self.items if item["custom"]}
        clashes = sorted(custom & set(diff.added))
        if clashes:
            raise EditionConflict(
                f"新しい版で追加される通番を独自項目が使用しています: {'、'.join(map(str, clashes))}", items=clashes
            )
        mine = {item["number"]: item for item in self.items}
        updated = [item_fields(edition.item(n)) for n in diff.changed if n in mine and mine[n]["dropped"] is None]
        added = [item_fields(edition.item(n)) for n in diff.added]
        removed = [n for n in diff.removed if n in mine and mine[n]["dropped"] is None]
        self._edition_adopted(actor=actor.as_record(), edition=edition.id, updated=updated, added=added, removed=removed)
        return sorted({entry["number"] for entry in updated + added})

    # ------------------------------------------------------------------ reminders and withdrawal

    def send_reminder(self, actor: Actor, *, kind: str, ref: str, stage: int, to: str, text: str) -> None:
        """Record a reminder (stage 1) or an escalation (stage 2) sent by the scheduler."""
        self._require_role(actor, Role.SYSTEM)
        self._require_not_withdrawn()
        key = reminder_key(kind, ref, stage)
        if key in self.reminders:
            raise AlreadyReminded("この督促は送信済みです。", key=key)
        if to not in REMINDER_TARGETS:
            raise Invalid("通知先は bank、connector、both のいずれかです。", field="to")
        self._reminder_sent(actor=actor.as_record(), kind=kind, ref=ref, stage=stage, to=to, text=text)

    def withdraw(self, actor: Actor, reason: Any) -> None:
        """Either side ends the engagement (application withdrawn, or connection terminated)."""
        self.require(actor, "withdraw")
        self._withdrawn(actor=actor.as_record(), reason=clean_text(reason, "reason", required=True), state=State.WITHDRAWN.value)
