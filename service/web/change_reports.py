"""Change reports (変更届): the connector reports once and sees where it stands at each of its
banks; a bank sees the reports that reached its own engagements."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..domain.codes import Role
from ..domain.errors import DomainError, Invalid
from ..http.errors import status_for
from ..messages import error_message
from .access import container, roles_required
from .forms import item_numbers_from
from .session import current_actor

bp = Blueprint("change_reports", __name__, url_prefix="/change-reports")
READERS = (Role.CONNECTOR, Role.REVIEWER, Role.AUDITOR)


def _page(errors: dict[str, str] | None = None, status: int = 200):
    c = container()
    return (
        render_template(
            "change_reports.html",
            reports=c.change_report_views.listing(current_actor()),
            numbers=c.editions.current().numbers,
            errors=errors or {},
            values=request.form if request.method == "POST" else {},
        ),
        status,
    )


@bp.get("/")
@roles_required(*READERS)
def index():
    return _page()


@bp.post("/")
@roles_required(Role.CONNECTOR)
def report():
    """One report; a refused one comes back with what was typed and the reason beside its field."""
    form = request.form
    try:
        report = container().change_reports.report_change(
            current_actor(),
            items=item_numbers_from(form, "変更のあった確認項目は通番を選択してください。"),
            summary=form.get("summary", ""),
            effective_on=form.get("effective_on", ""),
        )
    except Invalid as error:
        return _page({str(error.context.get("field") or "summary"): error_message(error)}, status_for(error))
    except DomainError as error:
        flash(error_message(error), "error")
        return _page(status=status_for(error))
    reached, other = len(report.reopened), len(report.not_reopened)
    message = f"変更届を提出しました。{reached}件の審査案件で確認が始まります。"
    if other:
        message += f"（モニタリング中でない{other}件の案件は再確認の対象になりません。）"
    flash(message)
    return redirect(url_for(".index"), 303)
