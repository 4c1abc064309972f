"""Read-side queries for pages, the API and jobs (never written to here).

Visibility follows the same rule as the application: bank roles see their bank's
engagements, connectors their own, everyone else none; anything else is
reported as missing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import Engine, and_, bindparam, case, func, or_, select

from .domain.actors import Actor, Side
from .domain.codes import Role
from .domain.errors import EngagementNotFound, Invalid
from .domain.text import fold
from .domain.monitoring import annual_cycle_due
from .health import Health
from .projections.advisories import advisories, notices
from .projections.board import board
from .projections.inbox import inbox
from .projections.item_matrix import item_matrix, item_summary
from .projections.libraries import certifications, library_shares
from .projections.notifications import notifications
from .projections.timeline import timeline
from .storage import as_utc

DEFAULT_PAGE = 50
MAX_PAGE = 200
# asked by every review page: built once (building and keying a statement costs more than running it)
CERTIFICATIONS_OF = (
    select(certifications).where(certifications.c.connector_id == bindparam("connector_id")).order_by(certifications.c.valid_until)
)


def visibility(actor: Actor):
    """The SQL condition on ``rm_board`` for what ``actor`` may see: ``Engagement.visible_to``
    as SQL (tests/integration/test_visibility_rules.py proves the two agree)."""
    side = actor.side
    if side is not None:
        return (board.c.bank_id if side is Side.BANK else board.c.connector_id) == actor.org_id
    if actor.role is Role.SYSTEM:
        return board.c.engagement_id.is_not(None)
    return board.c.engagement_id.is_(None)


def page_size(limit: Any) -> int:
    if limit is None:
        return DEFAULT_PAGE
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"件数は1から{MAX_PAGE}までの整数で指定してください。", field="limit")
    return limit


def item_counts(engagement_ids: list[str]):
    """Per engagement: active items, answered in the current cycle, judged, unsatisfied, open questions."""
    return select(item_summary).where(item_summary.c.engagement_id.in_(engagement_ids))


@dataclass
class BoardFilter:
    state: str | None = None
    connector_id: str | None = None
    cycle_reason: str | None = None
    overdue_on: date | None = None  # monitoring engagements whose review date has come (a pre-filter of annual_cycle_due)
    text: str | None = None


class Views:
    def __init__(self, engine: Engine, zone: Any = timezone.utc) -> None:
        self.engine = engine
        self.zone = zone  # the application's time zone: ages count its calendar days

    def board(
        self,
        actor: Actor,
        filters: BoardFilter | None = None,
        *,
        after: tuple[str, str] | None = None,
        limit: Any = None,
        paginate: bool = True,
    ) -> list[dict[str, Any]]:
        """Newest activity first; ``after`` is the (last_activity ISO, engagement_id) keyset
        of the previous page. ``paginate=False`` lists everything."""
        filters = filters or BoardFilter()
        query = select(board).where(visibility(actor))
        if filters.state:
            query = query.where(board.c.state == filters.state)
        if filters.connector_id:
            query = query.where(board.c.connector_id == filters.connector_id)
        if filters.cycle_reason:
            query = query.where(board.c.cycle_reason == filters.cycle_reason)
        if filters.overdue_on:
            query = query.where(board.c.state == "monitoring", board.c.next_review_on <= filters.overdue_on.isoformat())
        if filters.text:
            pattern = "%" + re.sub(r"([\\%_])", r"\\\1", fold(filters.text)) + "%"
            query = query.where(board.c.search_text.like(pattern, escape="\\"))
        if after:
            last_activity = datetime.fromisoformat(after[0])
            query = query.where(
                or_(
                    board.c.last_activity < last_activity,
                    and_(board.c.last_activity == last_activity, board.c.engagement_id < after[1]),
                )
            )
        query = query.order_by(board.c.last_activity.desc(), board.c.engagement_id.desc())
        if paginate:
            query = query.limit(page_size(limit))
        with self.engine.connect() as connection:
            rows = [aware(row) for row in connection.execute(query)]
            if not rows:
                return []
            counts = {
                row.engagement_id: row._mapping
                for row in connection.execute(item_counts([r["engagement_id"] for r in rows]))
            }
        for row in rows:
            found = counts.get(row["engagement_id"], {})
            for key in ("items_total", "items_in_cycle", "answered", "judged", "unsatisfied", "open_questions"):
                row[key] = int(found.get(key) or 0)
        return rows

    def notifications(self, actor: Actor, limit: int = 10) -> list[dict[str, Any]]:
        """The latest in-app notices for the actor's organisation and side."""
        side = actor.side
        if side is None:
            return []
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(notifications)
                .where(notifications.c.org_id == actor.org_id, notifications.c.side == side.value)
                .order_by(notifications.c.created_at.desc())
                .limit(limit)
            )
            return [aware(row) for row in rows]

    def state_counts(self, actor: Actor) -> dict[str, int]:
        """How many visible engagements are in each state (the board's summary chart)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(board.c.state, func.count()).where(visibility(actor)).group_by(board.c.state)
            ).all()
        return {state: count for state, count in rows}

    def connectors(self, actor: Actor) -> list[tuple[str, str]]:
        """(id, name) of the connectors on the visible board, for filters."""
        with self.engine.connect() as connection:
            return [
                (row.connector_id, row.connector_name)
                for row in connection.execute(
                    select(board.c.connector_id, board.c.connector_name)
                    .where(visibility(actor))
                    .distinct()
                    .order_by(board.c.connector_name)
                )
            ]

    def board_row(self, actor: Actor, engagement_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(board).where(board.c.engagement_id == str(engagement_id), visibility(actor))
            ).first()
        if row is None:
            raise EngagementNotFound("審査案件が見つかりません。")
        return aware(row)

    def items(self, actor: Actor, engagement_id: str) -> list[dict[str, Any]]:
        self.board_row(actor, engagement_id)
        with self.engine.connect() as connection:
            return [
                dict(row._mapping)
                for row in connection.execute(
                    select(item_matrix)
                    .where(item_matrix.c.engagement_id == str(engagement_id))
                    .order_by(item_matrix.c.number)
                )
            ]

    def timeline(
        self, actor: Actor, engagement_id: str, *, after: int | None = None, limit: Any = None
    ) -> list[dict[str, Any]]:
        """Every event of the engagement, oldest first (keyset on ``position``)."""
        self.board_row(actor, engagement_id)
        query = select(timeline).where(timeline.c.engagement_id == str(engagement_id))
        if after is not None:
            query = query.where(timeline.c.position > after)
        query = query.order_by(timeline.c.position)
        if limit is not None:
            query = query.limit(page_size(limit))
        with self.engine.connect() as connection:
            return [{**row._mapping, "at": as_utc(row.at)} for row in connection.execute(query)]

    def versions_at(self, engagement_id: str, instant: datetime) -> tuple[int | None, int | None]:
        """(the version after the last event at or before ``instant``, the latest version
        the timeline has recorded), in one query: the as-of index and its freshness."""
        with self.engine.connect() as connection:
            at, latest = connection.execute(
                select(
                    func.max(case((timeline.c.at <= instant, timeline.c.version))),
                    func.max(timeline.c.version),
                ).where(timeline.c.engagement_id == str(engagement_id))
            ).one()
            return at, latest

    def inbox(self, actor: Actor, today: date) -> list[dict[str, Any]]:
        """What waits for the actor's organisation, oldest first, with its age in days."""
        if actor.role not in (Role.REVIEWER, Role.CONNECTOR, Role.AUDITOR):
            return []
        entries: list[dict[str, Any]] = []
        with self.engine.connect() as connection:
            if actor.role is not Role.AUDITOR:
                for row in connection.execute(select(inbox).where(inbox.c.org_id == actor.org_id)):
                    entries.append(
                        {
                            "kind": "question_to_answer" if row.kind == "question" and row.side == "connector"
                            else "reply_to_review" if row.kind == "question"
                            else "advisory_to_acknowledge",
                            "engagement_id": row.engagement_id,
                            "title": row.title,
                            "item": row.item,
                            "ref": row.ref,
                            "text": row.text,
                            "since": as_utc(row.since),
                        }
                    )
            entries += self._derived(connection, actor, today)
            entries += self._overdue_conditions(connection, actor, today)
        for entry in entries:
            entry["age_days"] = max(0, (today - entry["since"].astimezone(self.zone).date()).days)
        entries.sort(key=lambda entry: (entry["since"], entry["engagement_id"]))
        return entries

    def _derived(self, connection, actor: Actor, today: date) -> list[dict[str, Any]]:
        """Work that follows from engagement states (answers, judgements, decisions, reviews due):
        one query over the engagements in a state that can wait for the actor's side."""
        if actor.role is Role.CONNECTOR:
            waiting = board.c.state == "draft"
        elif actor.role is Role.REVIEWER:
            waiting = or_(
                board.c.state.in_(("submitted", "under_review")),
                and_(board.c.state == "monitoring", board.c.next_review_on <= today.isoformat()),  # narrows only: annual_cycle_due decides
            )
        else:
            return []  # auditors read; nothing waits for them
        query = (
            select(
                board.c.engagement_id, board.c.title, board.c.state, board.c.state_since, board.c.next_review_on,
                board.c.connector_name, board.c.bank_name,
                item_summary.c.items_total, item_summary.c.judged, item_summary.c.open_questions,
            )
            .select_from(board.outerjoin(item_summary, item_summary.c.engagement_id == board.c.engagement_id))
            .where(visibility(actor), waiting)
        )
        entries = []
        for row in connection.execute(query):
            if row.state == "draft":
                kind = "answers_due"
            elif row.state == "monitoring":
                if not annual_cycle_due(row.state, row.next_review_on, today):
                    continue
                kind = "review_due"
            elif (row.items_total or 0) - (row.judged or 0):
                kind = "to_judge"
            elif not row.open_questions:
                kind = "decision_due"
            else:
                continue  # judged, questions still open: it waits for the conversation, shown by the inbox rows
            entries.append(
                {
                    "kind": kind,
                    "engagement_id": row.engagement_id,
                    "title": row.title,
                    "item": None,
                    "ref": None,
                    "text": row.connector_name if actor.role is Role.REVIEWER else row.bank_name,
                    "since": as_utc(row.state_since) if kind != "review_due" else review_day(row.next_review_on),
                }
            )
        return entries

    @staticmethod
    def _overdue_conditions(connection, actor: Actor, today: date) -> list[dict[str, Any]]:
        """Engagements with an approval condition still unfulfilled after its due date."""
        if actor.role not in (Role.REVIEWER, Role.CONNECTOR):
            return []
        query = select(board).where(
            visibility(actor), board.c.state != "withdrawn", board.c.condition_due_on < today.isoformat()
        )
        return [
            {
                "kind": "condition_overdue",
                "engagement_id": row.engagement_id,
                "title": row.title,
                "item": None,
                "ref": None,
                "text": f"承認の条件の期限（{row.condition_due_on}）を過ぎています",
                "since": review_day(row.condition_due_on),
            }
            for row in connection.execute(query)
        ]


def aware(row: Any) -> dict[str, Any]:
    return {key: as_utc(value) if isinstance(value, datetime) else value for key, value in row._mapping.items()}


def review_day(value: str) -> datetime:
    """A review date as the midnight (UTC) that starts it, so inbox entries sort together."""
    return datetime.combine(date.fromisoformat(value), time.min, tzinfo=timezone.utc)


class AdvisoryViews:
    """The advisory list and acknowledgement board, as each role may see it."""

    def __init__(self, engine: Engine, health: Health) -> None:
        self.engine = engine
        self.health = health

    def delivery(self) -> dict[str, Any]:
        """What the liaison desk is told about delivery: per advisory, the engagements still
        waiting for the clock's advisory_fanout, and when the clock last beat (None: never)."""
        return {
            "awaiting": {advisory["advisory_id"]: len(engagement_ids) for advisory, engagement_ids in self.to_fan_out()},
            "clock_beat": self.health.last_beat(),
        }

    def to_fan_out(self) -> list[tuple[dict[str, Any], list[str]]]:
        """Each advisory with the active engagements, opened before it was published, that lack it."""
        with self.engine.connect() as connection:
            result = []
            for advisory in connection.execute(select(advisories).order_by(advisories.c.published_at)):
                noticed = select(notices.c.engagement_id).where(notices.c.advisory_id == advisory.advisory_id)
                engagement_ids = list(
                    connection.scalars(
                        select(board.c.engagement_id).where(
                            board.c.state.not_in(("withdrawn", "decided")),
                            board.c.opened_at <= advisory.published_at,
                            board.c.engagement_id.not_in(noticed),
                        )
                    )
                )
                if engagement_ids:
                    result.append((aware(advisory), engagement_ids))
            return result

    def listing(self, actor: Actor) -> list[dict[str, Any]]:
        """``GET /advisories``: reviewers see their bank's engagements, connectors their own,
        the liaison desk and admins only counts."""
        with self.engine.connect() as connection:
            rows = [aware(row) for row in connection.execute(select(advisories).order_by(advisories.c.published_at.desc()))]
            query = select(notices)
            side = actor.side
            if side is Side.BANK:
                query = query.where(notices.c.bank_id == actor.org_id)
            elif side is Side.CONNECTOR:
                query = query.where(notices.c.connector_id == actor.org_id)
            entries: dict[str, list[dict[str, Any]]] = {}
            for notice in connection.execute(query):
                entries.setdefault(notice.advisory_id, []).append(aware(notice))
        listing = []
        for row in rows:
            mine = entries.get(row["advisory_id"], [])
            shows_entries = side is not None
            acknowledged = [n for n in mine if n["acknowledged_at"] is not None]
            pending = [n for n in mine if n["acknowledged_at"] is None]
            listing.append(
                {
                    "id": row["advisory_id"],
                    "title": row["title"],
                    "body": row["body"],
                    "items": json.loads(row["items"]),
                    "respond_by": row["respond_by"],
                    "severity": row["severity"],
                    "published_at": row["published_at"].isoformat(),
                    "published_by": row["published_by"],
                    "acknowledgements": [
                        {
                            "engagement_id": n["engagement_id"],
                            "connector": n["connector_name"],
                            "title": n["title"],
                            "at": n["acknowledged_at"].isoformat(),
                            "by": n["acknowledged_by"],
                            "text": n["text"],
                        }
                        for n in acknowledged
                    ]
                    if shows_entries
                    else [],
                    "pending": [
                        {"engagement_id": n["engagement_id"], "connector": n["connector_name"], "title": n["title"]}
                        for n in pending
                    ]
                    if shows_entries
                    else [],
                    "counts": {"noticed": len(mine), "acknowledged": len(acknowledged), "pending": len(pending)},
                }
            )
        return listing


class LibraryViews:
    """Who may read which library, and certifications by validity."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def shared_with(self, bank_id: str) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.scalars(select(library_shares.c.connector_id).where(library_shares.c.bank_id == bank_id)))

    def shares_of(self, connector_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(select(library_shares).where(library_shares.c.connector_id == connector_id))]

    def bank_reviews(self, bank_id: str, connector_id: str) -> bool:
        """The bank has an engagement with the connector (so it may see its certifications)."""
        with self.engine.connect() as connection:
            return connection.scalar(
                select(func.count()).select_from(board).where(board.c.bank_id == bank_id, board.c.connector_id == connector_id)
            ) > 0

    def certifications(self, connector_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(CERTIFICATIONS_OF, {"connector_id": connector_id})
            return [{**dict(r._mapping), "items": json.loads(r.items)} for r in rows]

    def earliest_expiry(self, connector_ids: list[str]) -> dict[str, str]:
        """The first valid_until among each connector's current certifications (board column)."""
        if not connector_ids:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(certifications.c.connector_id, func.min(certifications.c.valid_until))
                .where(certifications.c.connector_id.in_(connector_ids), certifications.c.withdrawn.is_(False))
                .group_by(certifications.c.connector_id)
            )
            return {connector_id: until for connector_id, until in rows}

    def expiring(self, until: str) -> list[dict[str, Any]]:
        """Current certifications whose validity ends on or before ``until``."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(certifications).where(certifications.c.withdrawn.is_(False), certifications.c.valid_until <= until)
            )
            return [dict(r._mapping) for r in rows]
