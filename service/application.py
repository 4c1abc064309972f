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

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError

from .accounts import Accounts
from .domain.actors import Actor
from .domain.codes import OrgKind, Role
from .blobs import BlobStore, StoredBlob
from .domain.advisory import Advisory
from .domain.answer_library import AnswerLibrary, library_id
from .domain.engagement import Engagement, answer_fields
from .domain.errors import (
    AsOfInFuture,
    EngagementNotFound,
    EngagementNotYetOpened,
    Invalid,
    NotFound,
    OrgNotFound,
    RoleNotAllowed,
    StaleVersion,
)
from .domain.text import label_for, parse_instant
from .editions import Editions

Clock = Callable[[], datetime]
BANK_ROLES = (Role.REVIEWER, Role.AUDITOR)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class LibraryNotFound(NotFound):
    code = "library_not_found"


class InvalidExpectedVersion(Invalid):
    """``expected_version`` is not a whole number: 79.5, true or "79" name no version."""

    code = "invalid_expected_version"


def whole_version(value: Any) -> int | None:
    """The version a writer last read, as an int: JSON libraries that keep every number a
    float send 79 as 79.0, which is the same version; anything else is refused."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise InvalidExpectedVersion(
        f"{label_for('expected_version')}（expected_version）は整数で指定してください（例: 79）。", field="expected_version"
    )


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply stored events to an aggregate (or from nothing): eventsourcing's
    ``project_aggregate`` without its per-event ``isinstance`` check against a runtime
    Protocol, which costs ~14 µs an event, a third of replaying an engagement's history."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class ReviewApplication(Application):
    """The event-sourced application holding every engagement."""

    name = "Reviews"
    snapshotting_intervals = {Engagement: 100, AnswerLibrary: 100}

    def __init__(
        self,
        env: dict[str, str],
        *,
        accounts: Accounts,
        editions: Editions,
        blobs: BlobStore,
        timezone: ZoneInfo,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(env)
        self.accounts = accounts
        self.editions = editions
        self.blobs = blobs
        self.timezone = timezone
        self.clock = clock
        self.after_save: list[Callable[[], None]] = []
        self.timeline_index: Any = None  # set by bootstrap: the read side's (engagement, time) -> version index
        self.library_index: Any = None  # set by bootstrap: which libraries are shared with which banks
        self.security_log: Any = None  # set by bootstrap: records exports and downloads

    def _take_snapshots(self, processing_event: ProcessingEvent) -> None:
        """Snapshot each saved aggregate whose events reached a multiple of its interval.

        eventsourcing replays the aggregate from the store to snapshot it; right after a
        successful save the object in hand *is* the recorded state (at its own version),
        so it is snapshotted directly, without reading back up to a hundred events."""
        if self.snapshots is None:
            return
        due: dict[Any, Any] = {}
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval and event.originator_version % interval == 0:
                due[event.originator_id] = aggregate
        for aggregate in due.values():
            snapshot_class = getattr(type(aggregate), "Snapshot", self.snapshot_class)
            self.snapshots.put([snapshot_class.take(aggregate)])

    def today(self) -> date:
        """Today's date in the application's time zone (Asia/Tokyo by default)."""
        return self.clock().astimezone(self.timezone).date()

    # ------------------------------------------------------------------ reading

    def engagement(self, actor: Actor, engagement_id: Any, *, as_of: str | datetime | None = None) -> Engagement:
        """The engagement as the actor may see it, now or as it was at ``as_of`` (an ISO 8601
        instant; without an offset it is read in the deployment's time zone)."""
        if as_of is None or as_of == "":
            return self._visible(actor, engagement_id)
        instant = parse_instant(as_of, "as_of", self.timezone)
        if instant > self.clock():
            raise AsOfInFuture("未来の時点は表示できません。", field="as_of")
        current = self._visible(actor, engagement_id, copy=False)  # only read: who may see it, its version
        version = self.version_at(current, instant)
        if version is None:
            raise EngagementNotYetOpened("この時点では案件はまだ作成されていません。")
        return self._get(current.id, version=version)

    def current_version(self, aggregate_id: uuid.UUID) -> int | None:
        """The version of the last recorded event of an aggregate, or None: one indexed read,
        nothing replayed (who may see an engagement is not checked here)."""
        for last in self.events.get(aggregate_id, desc=True, limit=1):
            return last.originator_version
        return None

    def version_at(self, engagement: Engagement, instant: datetime) -> int | None:
        """The version after the last event at or before ``instant`` (UTC, as the store keeps
        times): an index lookup on the timeline when it has caught up, else an event scan."""
        if self.timeline_index is not None:
            at, latest = self.timeline_index.versions_at(engagement.id, instant)
            if latest == engagement.version:
                return at
        version = None
        for stored in self.events.get(engagement.id):
            if stored.timestamp > instant:
                break
            version = stored.originator_version
        return version

    def _get(self, aggregate_id: uuid.UUID, version: int | None = None, *, copy: bool = True) -> Any:
        """The aggregate, now or at ``version``; ``copy=False`` hands out the cached object
        itself, for callers that only read it and never keep it."""
        return self.repository.get(aggregate_id, version=version, projector_func=replay, deepcopy_from_cache=copy)

    def _visible(self, actor: Actor, engagement_id: Any, *, copy: bool = True) -> Engagement:
        try:
            key = engagement_id if isinstance(engagement_id, uuid.UUID) else uuid.UUID(str(engagement_id))
            engagement = self._get(key, copy=copy)
        except (ValueError, AggregateNotFoundError):
            raise EngagementNotFound("審査案件が見つかりません。") from None
        if not isinstance(engagement, Engagement) or not self._may_see(actor, engagement):
            raise EngagementNotFound("審査案件が見つかりません。")
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
        expected_version = whole_version(expected_version)
        if expected_version is not None and expected_version != engagement.version:
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
            current = self.current_version(engagement.id)
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
            raise RoleNotAllowed("審査案件を作成できるのは金融機関の審査担当者です。")
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
            raise Invalid(f"{label_for(field)}には組織のIDを指定してください。", field=field)
        try:
            org = self.accounts.org(org_id)
        except OrgNotFound:
            org = None
        if org is None or org.kind != kind.value:
            raise Invalid(f"{label_for(field)}に指定された組織は登録されていません。", field=field)
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
        self,
        actor: Actor,
        engagement_id: Any,
        number: int,
        *,
        verdict: Any,
        comment: Any = "",
        certification_id: str | None = None,
        expected_version: Any = None,
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        certification = self._accepted_certification(engagement, number, certification_id) if certification_id else None
        engagement.judge_item(actor, number, verdict, comment, certification)
        return self._save(engagement)

    def _accepted_certification(self, engagement: Engagement, number: int, certification_id: str) -> dict[str, Any]:
        """A certification of the engagement's connector, valid today and covering the item."""
        library = self._stored_library(engagement.connector["id"])
        if library is None:
            raise Invalid("API接続先は第三者認証を登録していません。", field="certification_id")
        certification = library.certification(certification_id)
        today = self.today().isoformat()
        if certification["withdrawn"] or not certification["valid_from"] <= today <= certification["valid_until"]:
            raise Invalid("この第三者認証は本日時点で有効ではありません。", field="certification_id")
        if number not in certification["items"]:
            raise Invalid(f"この第三者認証は通番{number}を対象としていません。", field="certification_id")
        return {key: certification[key] for key in ("id", "kind", "issuer", "valid_until")}

    def decide(
        self,
        actor: Actor,
        engagement_id: Any,
        *,
        outcome: Any,
        comment: Any,
        conditions: Iterable[dict[str, Any]] = (),
        next_review_on: Any = None,
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
            today=self.today(),
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

    def attach_evidence(
        self, actor: Actor, engagement_id: Any, number: int, *, data: bytes, filename: str, expected_version: Any = None
    ) -> Engagement:
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement._require_pen(actor, number)  # refuse before the file is stored
        stored = self.blobs.put(data, filename)
        engagement.attach_evidence(actor, number, stored.as_record())
        return self._save(engagement)

    def evidence_file(self, actor: Actor, engagement_id: Any, sha256: str) -> tuple[bytes, dict[str, Any]]:
        """An evidence file, to whoever may see the engagement it is attached to."""
        engagement = self._visible(actor, engagement_id)
        record = engagement.has_evidence(sha256)
        if record is None:
            raise EngagementNotFound("この案件に該当する証跡はありません。")
        data = self.blobs.get(sha256)
        self._log_export("evidence", actor, engagement_id=str(engagement.id), sha256=sha256)
        return data, record

    # ------------------------------------------------------------------ the connector's answer library

    def _stored_library(self, connector_org_id: str) -> AnswerLibrary | None:
        try:
            return self._get(library_id(connector_org_id))
        except AggregateNotFoundError:
            return None

    def _own_library(self, actor: Actor) -> AnswerLibrary:
        if actor.role is not Role.CONNECTOR:
            raise RoleNotAllowed("回答ライブラリを編集できるのはAPI接続先の担当者です。")
        return self._stored_library(actor.org_id) or AnswerLibrary.start(actor)

    def library(self, actor: Actor, connector_org_id: str | None = None) -> AnswerLibrary | None:
        """The connector's own library, or a library shared with the actor's bank."""
        org_id = actor.org_id if actor.role is Role.CONNECTOR else connector_org_id
        library = self._stored_library(org_id) if isinstance(org_id, str) else None
        if library is None or not library.may_read(actor):
            if actor.role is Role.CONNECTOR:
                return None
            raise LibraryNotFound("回答ライブラリが見つかりません。")
        return library

    def shared_libraries(self, actor: Actor) -> list[AnswerLibrary]:
        """Libraries shared with the actor's bank (from the read side)."""
        return [lib for lib in (self._stored_library(cid) for cid in self.library_index.shared_with(actor.org_id)) if lib]

    def save_library_entry(self, actor: Actor, number: int, **answer: Any) -> AnswerLibrary:
        library = self._own_library(actor)
        library.save_entry(actor, number, **answer)
        return self._save(library)

    def share_library(self, actor: Actor, bank_org_id: Any) -> AnswerLibrary:
        library = self._own_library(actor)
        bank = self._org_of_kind(bank_org_id, OrgKind.BANK, "bank_org_id")
        library.share(actor, bank.as_ref())
        return self._save(library)

    def unshare_library(self, actor: Actor, bank_org_id: str) -> AnswerLibrary:
        library = self._own_library(actor)
        library.unshare(actor, bank_org_id)
        return self._save(library)

    def register_certification(
        self,
        actor: Actor,
        *,
        kind: Any,
        scope: Any,
        issuer: Any,
        valid_from: Any,
        valid_until: Any,
        items: Any,
        data: bytes | None = None,
        filename: str = "",
    ) -> AnswerLibrary:
        library = self._own_library(actor)
        certification_id = str(uuid.uuid4())
        stored: StoredBlob | None = self.blobs.put(data, filename) if data else None
        library.register_certification(
            actor,
            certification_id=certification_id,
            kind=kind,
            scope=scope,
            issuer=issuer,
            valid_from=valid_from,
            valid_until=valid_until,
            items=items,
            file=stored.as_record() if stored else None,
        )
        return self._save(library)

    def withdraw_certification(self, actor: Actor, certification_id: str) -> AnswerLibrary:
        library = self._own_library(actor)
        library.withdraw_certification(actor, certification_id)
        return self._save(library)

    def certification_file(self, actor: Actor, connector_org_id: str, certification_id: str) -> tuple[bytes, dict[str, Any]]:
        """A certification's file, for the connector and the banks it shares with or reviews."""
        library = self._stored_library(connector_org_id)
        visible = library is not None and (
            library.may_read(actor) or (actor.role in (Role.REVIEWER, Role.AUDITOR) and self._reviews_connector(actor, connector_org_id))
        )
        if not visible:
            raise LibraryNotFound("第三者認証が見つかりません。")
        certification = library.certification(certification_id)
        if not certification["file"]:
            raise LibraryNotFound("この第三者認証には添付ファイルがありません。")
        data = self.blobs.get(certification["file"]["sha256"])
        self._log_export("certification", actor, certification_id=certification_id)
        return data, certification["file"]

    def _reviews_connector(self, actor: Actor, connector_org_id: str) -> bool:
        return self.library_index.bank_reviews(actor.org_id, connector_org_id)

    def save_answers_to_library(self, actor: Actor, engagement_id: Any) -> AnswerLibrary:
        """Copy the engagement's current connector and common answers into the library."""
        engagement = self._visible(actor, engagement_id)
        library = self._own_library(actor)
        engagement.require(actor, "write_some")
        for item in engagement.items:
            answer = item["answer"]
            if item["dropped"] is None and not item["custom"] and answer and item["party"] != "bank":
                library.save_entry(actor, item["number"], source=f"engagement:{engagement.id}", **answer_fields(answer))
        return self._save(library)

    def prefill_from_library(self, actor: Actor, engagement_id: Any, *, expected_version: Any = None) -> Engagement:
        """Fill every connector/common item the connector may write and has not answered in
        this cycle from the library (one save: all or nothing)."""
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.require(actor, "write_some")
        library = self._own_library(actor)
        for item in engagement.items:
            entry = library.entry(item["number"])
            if entry is None or item["custom"] or item["dropped"] is not None or item["party"] == "bank":
                continue
            if not engagement.connector_holds_pen(item["number"]):
                continue
            answered = item["answer"] and item["answer"]["cycle"] == engagement.cycle["number"]
            if answered:
                continue
            engagement.save_answer(actor, item["number"], **answer_fields(entry))
        return self._save(engagement)

    def notice_certification_expiry(self, actor: Actor, connector_org_id: str, certification_id: str, days_before: int) -> None:
        library = self._stored_library(connector_org_id)
        if library is None:
            raise LibraryNotFound("回答ライブラリが見つかりません。")
        library.notice_expiry(actor, certification_id, days_before)
        self._save(library)

    def export_xlsx(self, actor: Actor, engagement_id: Any) -> tuple[bytes, Engagement]:
        """The engagement as the FISC フォーマット; the bank side also gets the Q&A and verdict sheets."""
        from .xlsx import export_engagement  # openpyxl is loaded on the first Excel use, not in every process

        engagement = self._visible(actor, engagement_id)
        data = export_engagement(
            engagement, self.editions.get(engagement.edition), include_review=actor.role in BANK_ROLES
        )
        self._log_export("xlsx", actor, engagement_id=str(engagement.id))
        return data, engagement

    def _log_export(self, what: str, actor: Actor, **detail: Any) -> None:
        if self.security_log is not None:
            self.security_log.record("export", "success", actor=actor, what=what, **detail)

    def import_xlsx(self, actor: Actor, engagement_id: Any, data: bytes, *, expected_version: Any = None) -> Engagement:
        """Apply a filled フォーマット: every answer that differs, in one save, or nothing."""
        from .xlsx import import_answers  # openpyxl is loaded on the first Excel use, not in every process

        if actor.role not in (Role.CONNECTOR, Role.REVIEWER):
            raise RoleNotAllowed("回答を取り込めるのはAPI接続先または審査担当者です。")
        engagement = self._for_update(actor, engagement_id, expected_version)
        engagement.require(actor, "write_some")
        side = "connector" if actor.role is Role.CONNECTOR else "bank"
        changes = import_answers(data, engagement, self.editions.get(engagement.edition), side=side)
        for change in changes:
            engagement.save_answer(
                actor,
                change.number,
                status=change.status,
                current_state=change.current_state,
                issues=change.issues,
                plan=change.plan,
                remarks=change.remarks,
            )
        return self._save(engagement) if changes else engagement

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
