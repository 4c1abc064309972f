"""The home page of each role, and the inbox."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from ..domain.codes import CycleReason, Role, State
from ..domain.errors import Invalid
from ..views import BoardFilter
from .access import container, roles_required
from .session import current_actor

bp = Blueprint("dashboard", __name__)
PAGE = 50


@bp.get("/")
@login_required
def home():
    actor = current_actor()
    if actor.role is Role.ADMIN:
        return redirect(url_for("admin.orgs"))
    if actor.role is Role.LIAISON:
        return redirect(url_for("advisories.index"))
    c = container()
    today = c.store.today()
    filters = _filters(today)
    cursor = _cursor()
    rows = c.views.board(actor, filters, after=cursor, limit=PAGE)
    next_cursor = None
    if len(rows) == PAGE:
        last = rows[-1]
        next_cursor = f"{last['last_activity'].isoformat()}~{last['engagement_id']}"
    counts = c.views.state_counts(actor)
    expiries = c.library_views.earliest_expiry(sorted({row["connector_id"] for row in rows}))
    return render_template(
        "dashboard.html",
        rows=rows,
        filters=filters,
        counts=counts,
        chart_max=max(counts.values(), default=0),
        states=list(State),
        connectors=c.views.connectors(actor),
        inbox=c.views.inbox(actor, today),
        notices=c.views.notifications(actor),
        next_cursor=next_cursor,
        today=today,
        expiries=expiries,
        soon=(today + timedelta(days=60)).isoformat(),
    )


def _filters(today: date) -> BoardFilter:
    args = request.args
    state = args.get("state") or None
    if state and state not in {s.value for s in State}:
        state = None
    reason = args.get("reason") or None
    if reason and reason not in {r.value for r in CycleReason}:
        reason = None
    return BoardFilter(
        state=state,
        connector_id=args.get("connector") or None,
        cycle_reason=reason,
        overdue_on=today if args.get("overdue") == "1" else None,
        text=(args.get("q") or "").strip()[:100] or None,
    )


def _cursor() -> tuple[str, str] | None:
    raw = request.args.get("after")
    if not raw or "~" not in raw:
        return None
    moment, _, engagement_id = raw.partition("~")
    try:
        date.fromisoformat(moment[:10])
    except ValueError:
        raise Invalid("ページ指定が正しくありません。", field="after") from None
    return moment, engagement_id


@bp.get("/inbox")
@roles_required(Role.REVIEWER, Role.CONNECTOR, Role.AUDITOR, Role.LIAISON, Role.ADMIN)
def inbox():
    c = container()
    return render_template("inbox.html", entries=c.views.inbox(current_actor(), c.store.today()))
