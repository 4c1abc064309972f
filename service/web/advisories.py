"""Advisories: the liaison desk publishes, connectors acknowledge, reviewers see who did."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..domain.advisory import SEVERITIES
from ..domain.codes import Role
from ..domain.errors import DomainError, Invalid
from ..messages import error_message
from .access import container, roles_required
from .session import current_actor

bp = Blueprint("advisories", __name__, url_prefix="/advisories")
EVERYONE = tuple(Role.assignable())


def _page(errors: dict[str, str] | None = None, status: int = 200):
    c = container()
    actor = current_actor()
    return (
        render_template(
            "advisories.html",
            advisories=c.advisories.listing(actor),
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
        try:
            items = [int(n) for n in form.getlist("items")]
            respond_by = date.fromisoformat(form.get("respond_by", ""))
        except ValueError:
            raise Invalid("回答期限を日付で入力してください。", field="respond_by") from None
        container().reviews.publish_advisory(
            current_actor(),
            title=form.get("title", ""),
            body=form.get("body", ""),
            items=items,
            respond_by=respond_by,
            severity=form.get("severity", "warning"),
        )
    except Invalid as error:
        return _page({str(error.context.get("field") or "title"): error_message(error)}, 422)
    flash("注意喚起を公表しました。数分以内に各案件へ配信されます。")
    return redirect(url_for(".index"), 303)


@bp.post("/<advisory_id>/engagements/<engagement_id>/acknowledge")
@roles_required(Role.CONNECTOR)
def acknowledge(advisory_id: str, engagement_id: str):
    try:
        container().reviews.acknowledge_advisory(current_actor(), engagement_id, advisory_id, request.form.get("text", ""))
    except DomainError as error:
        if error.code == "engagement_not_found":
            raise
        return _page({f"ack-{advisory_id}-{engagement_id}": error_message(error)}, 422 if error.kind == "invalid" else 409)
    flash("注意喚起の確認を登録しました。")
    return redirect(url_for(".index"), 303)
