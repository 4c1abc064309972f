"""The connector's answer library (fill once, present to many), its sharing and its
certifications; and, for banks, the libraries shared with them."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..domain.answer_library import CERTIFICATION_KINDS
from ..domain.codes import OrgKind, Role
from ..domain.errors import DomainError, Invalid
from ..http.errors import status_for
from ..messages import error_message
from .access import container, roles_required
from ..http.files import file_response
from .forms import answer_from
from .session import current_actor

bp = Blueprint("library", __name__)


def _page(errors: dict[str, str] | None = None, status: int = 200):
    c = container()
    actor = current_actor()
    library = c.library.library(actor)
    edition = c.editions.current()
    return (
        render_template(
            "library.html",
            library=library,
            entries=library.entries if library else {},
            edition=edition,
            banks=[org for org in c.accounts.orgs() if org.kind == OrgKind.BANK.value],
            kinds=CERTIFICATION_KINDS,
            errors=errors or {},
            values=request.form if request.method == "POST" else {},
        ),
        status,
    )


def _act(command, done: str, error_key: str):
    try:
        command()
    except DomainError as error:
        if error.kind == "not_found" and error.code != "certification_not_found":
            raise
        field = str(error.context.get("field") or "form")
        return _page({f"{error_key}.{field}": error_message(error), error_key: error_message(error)}, status_for(error))
    flash(done)
    return redirect(url_for(".mine"), 303)


@bp.get("/library")
@roles_required(Role.CONNECTOR)
def mine():
    return _page()


@bp.post("/library/items")
@roles_required(Role.CONNECTOR)
def save_entry():
    form = request.form

    def command() -> Any:
        try:
            number = int(form.get("number", ""))
        except ValueError:
            raise Invalid("通番を選択してください。", field="number") from None
        return container().library.save_library_entry(
            current_actor(),
            number,
            **answer_from(form),
        )

    return _act(command, "回答ライブラリを更新しました。", "entry")


@bp.post("/library/shares")
@roles_required(Role.CONNECTOR)
def share():
    return _act(
        lambda: container().library.share_library(current_actor(), request.form.get("bank_org_id", "")),
        "回答ライブラリを共有しました（閲覧のみ）。",
        "share",
    )


@bp.post("/library/shares/<bank_org_id>/revoke")
@roles_required(Role.CONNECTOR)
def unshare(bank_org_id: str):
    return _act(
        lambda: container().library.unshare_library(current_actor(), bank_org_id), "共有を取りやめました。", "share"
    )


@bp.post("/library/certifications")
@roles_required(Role.CONNECTOR)
def register_certification():
    form = request.form
    upload = request.files.get("file")

    def command() -> Any:
        dates = {}
        for field in ("valid_from", "valid_until"):
            try:
                dates[field] = date.fromisoformat(form.get(field, ""))
            except ValueError:
                raise Invalid("日付を入力してください。", field=field) from None
        items = [int(n) for n in form.getlist("items") if n.isdigit()]
        return container().library.register_certification(
            current_actor(),
            kind=form.get("kind"),
            scope=form.get("scope", ""),
            issuer=form.get("issuer", ""),
            items=items,
            data=upload.read() if upload and upload.filename else None,
            filename=upload.filename if upload else "",
            **dates,
        )

    return _act(command, "第三者認証を登録しました。", "certification")


@bp.post("/library/certifications/<certification_id>/withdraw")
@roles_required(Role.CONNECTOR)
def withdraw_certification(certification_id: str):
    return _act(
        lambda: container().library.withdraw_certification(current_actor(), certification_id),
        "第三者認証を取り下げました。",
        "certification",
    )


@bp.get("/libraries")
@roles_required(Role.REVIEWER, Role.AUDITOR)
def shared():
    c = container()
    libraries = c.library.shared_libraries(current_actor())
    return render_template("libraries.html", libraries=libraries, kinds=CERTIFICATION_KINDS, edition=c.editions.current())


@bp.get("/libraries/<connector_org_id>/certifications/<certification_id>/file")
@roles_required(Role.CONNECTOR, Role.REVIEWER, Role.AUDITOR)
def certification_file(connector_org_id: str, certification_id: str):
    data, record = container().library.certification_file(current_actor(), connector_org_id, certification_id)
    return file_response(data, record)
