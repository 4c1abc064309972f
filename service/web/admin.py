"""Administration of organisations and users (admins only; no engagement contents). An admin
manages its own organisation's users; the operator's admins every organisation and user
(``accounts.admin_scope`` decides, as for the API and the CLI)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import Field

from ..domain.codes import OrgKind, Role
from ..domain.errors import Conflict, DomainError, Invalid
from ..http.errors import status_for
from ..messages import error_message
from .access import container, roles_required
from .forms import OrgForm, UserForm, choices
from .session import current_actor

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _register(
    form: FlaskForm,
    command: Callable[[], object],
    *,
    noun: str,
    back: str,
    field_of: Callable[[DomainError], Field] | None = None,
) -> Response | int:
    """Runs a registration form's command: on success a flash and a redirect to ``back``; else
    the status of the page that shows the form again, the refusal beside its field."""
    if not form.validate_on_submit():
        return 422 if request.method == "POST" else 200
    try:
        command()
    except (Invalid, Conflict) as error:
        (field_of(error) if field_of else form.name).errors = [error_message(error)]
        return status_for(error)
    flash(f"{noun}「{form.name.data.strip()}」を登録しました。")
    return redirect(url_for(back), 303)


@bp.route("/orgs", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def orgs():
    """The organisations the admin manages; only the operator's admins register new ones."""
    c = container()
    actor = current_actor()
    form = OrgForm()
    form.kind.choices = choices([(kind.value, kind.label) for kind in OrgKind])
    status = _register(
        form, lambda: c.accounts.add_org(form.name.data, form.kind.data, by=actor), noun="組織", back=".orgs"
    )
    if not isinstance(status, int):
        return status
    return (
        render_template(
            "admin_orgs.html",
            form=form,
            may_add=c.accounts.manages_every_org(actor),
            orgs=c.accounts.managed_orgs(actor),
            kinds={k.value: k.label for k in OrgKind},
        ),
        status,
    )


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    """The users of the organisations the admin manages, and a form to add one; a refused form
    comes back with what was typed (but the password) and the reason in Japanese."""
    c = container()
    actor = current_actor()
    form = UserForm()
    orgs = c.accounts.managed_orgs(actor)
    form.org_id.choices = choices([(org.id, f"{org.name}（{OrgKind(org.kind).label}）") for org in orgs])
    form.role.choices = choices([(role.value, role.label) for role in Role.assignable()])
    status = _register(
        form,
        lambda: c.accounts.add_user(
            email=form.email.data,
            name=form.name.data,
            org_id=form.org_id.data,
            role=form.role.data,
            password=form.password.data,
            by=actor,
        ),
        noun="利用者",
        back=".users",
        field_of=lambda error: getattr(form, str(error.context.get("field") or "email"), form.email),
    )
    if not isinstance(status, int):
        return status
    form.password.data = ""
    return (
        render_template("admin_users.html", form=form, users=c.accounts.users(actor), orgs={o.id: o for o in orgs}),
        status,
    )


@bp.route("/users/<user_id>/disable", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def disable(user_id: str):
    """A confirmation page first (disabling ends the user's sessions and tokens at once); the
    posted confirmation disables. Refused (oneself, the organisation's last admin): the page
    again with the reason."""
    c = container()
    actor = current_actor()
    user = c.accounts.managed_user(user_id, actor)
    org = c.accounts.org(user.org_id)
    if request.method == "POST":
        try:
            c.accounts.set_active(user_id, False, by=actor)
        except Conflict as error:
            page = render_template("admin_user_disable.html", user=user, org=org, refusal=error_message(error))
            return page, status_for(error)
        flash(f"利用者「{user.name}」を無効にしました。")
        return redirect(url_for(".users"), 303)
    return render_template("admin_user_disable.html", user=user, org=org, refusal=None)


@bp.post("/users/<user_id>/enable")
@roles_required(Role.ADMIN)
def enable(user_id: str):
    c = container()
    user = c.accounts.managed_user(user_id, current_actor())
    c.accounts.set_active(user_id, True, by=current_actor())
    flash(f"利用者「{user.name}」を有効にしました。")
    return redirect(url_for(".users"), 303)
