"""The event store of engagements, answer libraries and advisories: loading, who may see
what, saving and snapshots. The use cases (one module per feature) work through it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError

from ..domain.actors import Actor
from ..domain.answer_library import AnswerLibrary, library_id
from ..domain.concurrency import ENGAGEMENT, Scope, change_record, describe_change, touched_by
from ..domain.engagement import Engagement
from ..domain.errors import AsOfInFuture, EngagementNotFound, EngagementNotYetOpened, Invalid, StaleVersion
from ..domain.text import label_for, parse_instant
from .ports import Clock, TimelineIndex, utc_now


class InvalidExpectedVersion(Invalid):
    """``expected_version`` is not a whole number: 79.5, true or "79" name no version."""

    code = "invalid_expected_version"


class LostRace(StaleVersion):
    """Another save of the same version reached the database first; the use case runs again
    on the winner's state (``base.retried``), where its own checks decide."""


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
    ``project_aggregate`` without its per-event ``isinstance`` check against a runtime Protocol."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class ReviewStore(Application):
    """The event-sourced application: every aggregate is loaded and saved here."""

    name = "Reviews"
    snapshotting_intervals = {Engagement: 100, AnswerLibrary: 100}

    def __init__(self, env: dict[str, str], *, timeline: TimelineIndex, timezone: ZoneInfo, clock: Clock = utc_now) -> None:
        super().__init__(env)
        self.timeline = timeline
        self.timezone = timezone
        self.clock = clock

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
            return self.visible(actor, engagement_id)
        instant = parse_instant(as_of, "as_of", self.timezone)
        if instant > self.clock():
            raise AsOfInFuture("未来の時点は表示できません。", field="as_of")
        current = self.visible(actor, engagement_id, copy=False)  # only read: who may see it, its version
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
        at, latest = self.timeline.versions_at(engagement.id, instant)
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

    def visible(self, actor: Actor, engagement_id: Any, *, copy: bool = True) -> Engagement:
        """The engagement, if the actor may see it; another organisation's is reported
        exactly like a missing one."""
        try:
            key = engagement_id if isinstance(engagement_id, uuid.UUID) else uuid.UUID(str(engagement_id))
            engagement = self._get(key, copy=copy)
        except (ValueError, AggregateNotFoundError):
            raise EngagementNotFound("審査案件が見つかりません。") from None
        if not isinstance(engagement, Engagement) or not engagement.visible_to(actor):
            raise EngagementNotFound("審査案件が見つかりません。")
        return engagement

    def for_update(self, actor: Actor, engagement_id: Any, expected_version: Any, scope: Scope = ENGAGEMENT) -> Engagement:
        """The engagement to change, refused when something the command depends on (``scope``:
        its item, its advisory, or the whole) changed after the version the writer read."""
        engagement = self.visible(actor, engagement_id)
        expected_version = whole_version(expected_version)
        if expected_version is None or expected_version == engagement.version:
            return engagement
        if expected_version > engagement.version:
            ahead = f"指定された版数 {expected_version} はまだありません（現在は {engagement.version}）"
            raise StaleVersion(ahead, current_version=engagement.version, change=ahead)
        depends_on = scope.on(engagement)
        for event in self.events.get(engagement.id, gt=expected_version):
            if depends_on.conflicts_with(touched_by(event)):
                change = describe_change(event, self._local_time(event.timestamp))
                raise StaleVersion(change, current_version=engagement.version, change=change, changed=change_record(event))
        return engagement

    def _local_time(self, instant: datetime) -> str:
        """How a refusal names the time of a change: the time today, else the date and time."""
        local = instant.astimezone(self.timezone)
        clock = f"{local:%H:%M}"
        return clock if local.date() == self.today() else f"{local.month}月{local.day}日 {clock}"

    def stored_library(self, connector_org_id: str) -> AnswerLibrary | None:
        try:
            return self._get(library_id(connector_org_id))
        except AggregateNotFoundError:
            return None

    def keep(self, aggregate: Any, *others: Any) -> Any:
        """Save (several aggregates: in one transaction), turning a lost race into a conflict
        instead of a lost write."""
        try:
            self.save(aggregate, *others)
        except IntegrityError:
            raise LostRace("他の利用者が同時に更新しました", current_version=self.current_version(aggregate.id)) from None
        return aggregate
