"""Advisories: the liaison desk publishes, connectors acknowledge, reviewers see who did."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..domain.advisory import SEVERITIES
from ..domain.codes import Role
from ..domain.errors import DomainError, Invalid
from ..http.errors import status_for
from ..messages import error_message
from .access import container, roles_required
from .forms import item_numbers_from
from .session import current_actor

bp = Blueprint("advisories", __name__, url_prefix="/advisories")
EVERYONE = tuple(Role.assignable())


CLOCK_STALE = timedelta(minutes=3)  # the clock beats every minute


def _page(errors: dict[str, str] | None = None, status: int = 200):
    c = container()
    actor = current_actor()
    delivery = c.advisory_views.delivery() if actor.role is Role.LIAISON else None
    beat = delivery["clock_beat"] if delivery else None
    return (
        render_template(
            "advisories.html",
            advisories=c.advisory_views.listing(actor),
            awaiting=delivery["awaiting"] if delivery else {},
            clock_stopped=delivery is not None and (beat is None or datetime.now(timezone.utc) - beat > CLOCK_STALE),
            severities=SEVERITIES,
            errors=errors or {},
            values=request.form if request.method == "POST" else {},
            numbers=c.editions.current().numbers,
        ),
        status,
    )


@bp.get("/")
@roles_required(*EVERYONE)
def index():
    return _page()


@bp.post("/")
@roles_required(Role.LIAISON)
def publish():
    form = request.form
    try:
        items = item_numbers_from(form, "関係する確認項目は通番を選択してください。")
        container().advisories.publish_advisory(
            current_actor(),
            title=form.get("title", ""),
            body=form.get("body", ""),
            items=items,
            respond_by=form.get("respond_by", ""),
            severity=form.get("severity", "warning"),
        )
    except Invalid as error:
        return _page({str(error.context.get("field") or "title"): error_message(error)}, status_for(error))
    flash("注意喚起を公表しました。配信処理（5分ごと）が各案件へ配信します。配信の状況はこの画面に表示されます。")
    return redirect(url_for(".index"), 303)


@bp.post("/<advisory_id>/engagements/<engagement_id>/acknowledge")
@roles_required(Role.CONNECTOR)
def acknowledge(advisory_id: str, engagement_id: str):
    try:
        container().advisories.acknowledge_advisory(current_actor(), engagement_id, advisory_id, request.form.get("text", ""))
    except DomainError as error:
        if error.code == "engagement_not_found":
            raise
        return _page({f"ack-{advisory_id}-{engagement_id}": error_message(error)}, status_for(error))
    flash("注意喚起の確認を登録しました。")
    return redirect(url_for(".index"), 303)
