"""Administration of organisations and users (admins only; no engagement contents)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..domain.codes import OrgKind, Role
from ..domain.errors import DomainError
from ..messages import error_message
from .access import container, roles_required
from .forms import OrgForm, UserForm, choices
from .session import current_actor

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/orgs", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def orgs():
    c = container()
    form = OrgForm()
    status = 200
    if form.validate_on_submit():
        try:
            c.accounts.add_org(form.name.data, form.kind.data, by=current_actor())
        except DomainError as error:
            form.name.errors = [error_message(error)]
            status = 422
        else:
            flash(f"組織「{form.name.data.strip()}」を登録しました。")
            return redirect(url_for(".orgs"), 303)
    elif request.method == "POST":
        status = 422
    return render_template("admin_orgs.html", form=form, orgs=c.accounts.orgs(), kinds={k.value: k.label for k in OrgKind}), status


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    c = container()
    form = UserForm()
    orgs = c.accounts.orgs()
    form.org_id.choices = choices([(org.id, f"{org.name}（{OrgKind(org.kind).label}）") for org in orgs])
    form.role.choices = choices([(role.value, role.label) for role in Role.assignable()])
    status = 200
    if form.validate_on_submit():
        try:
            c.accounts.add_user(
                email=form.email.data,
                name=form.name.data,
                org_id=form.org_id.data,
                role=form.role.data,
                password=form.password.data,
                by=current_actor(),
            )
        except DomainError as error:
            field = getattr(form, str(error.context.get("field") or "email"), form.email)
            field.errors = [error_message(error)]
            status = 422
        else:
            flash(f"利用者「{form.name.data.strip()}」を登録しました。")
            return redirect(url_for(".users"), 303)
    elif request.method == "POST":
        status = 422
    form.password.data = ""
    return render_template("admin_users.html", form=form, users=c.accounts.users(), orgs={o.id: o for o in orgs}), status


@bp.post("/users/<user_id>/active")
@roles_required(Role.ADMIN)
def set_active(user_id: str):
    active = request.form.get("active") == "1"
    container().accounts.set_active(user_id, active, by=current_actor())
    flash("利用者を有効にしました。" if active else "利用者を無効にしました。")
    return redirect(url_for(".users"), 303)
