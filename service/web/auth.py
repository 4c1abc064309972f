"""Login, logout, and the user's own account page (login history, TOTP enrolment)."""

from __future__ import annotations

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from ..domain.errors import AccountLocked, Invalid, InvalidCredentials, TotpRequired
from ..messages import error_message
from .access import container
from .forms import LoginForm, TotpConfirmForm
from .session import SessionUser, current_actor

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            actor = container().authenticator.login(
                form.email.data, form.password.data, form.totp.data or None, client=request.remote_addr or ""
            )
        except TotpRequired as error:
            form.totp.errors = [error_message(error)]
            status = 401
        except (InvalidCredentials, AccountLocked) as error:
            form.password.errors = [error_message(error)]
            status = 401
        else:
            session.clear()  # a fresh session at login
            login_user(SessionUser(actor))
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 422
    form.password.data = ""
    return render_template("login.html", form=form), status


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard.home")


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash("ログアウトしました。")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    auth = container().authenticator
    actor = current_actor()
    form = TotpConfirmForm()
    secret = session.get("totp_pending")
    if form.validate_on_submit() and secret:
        try:
            auth.confirm_totp(actor, secret, form.code.data)
        except Invalid as error:
            form.code.errors = [error_message(error)]
        else:
            session.pop("totp_pending", None)
            flash("ワンタイムコードによる二要素認証を有効にしました。")
            return redirect(url_for("auth.account"))
    qr = None
    if secret:
        qr = Markup(segno.make(auth.totp_uri(actor, secret), error="m").svg_inline(scale=4))
    return render_template(
        "account.html",
        history=auth.login_history(actor),
        has_totp=auth.has_totp(actor),
        pending_secret=secret,
        qr=qr,
        form=form,
    )


@bp.post("/account/totp")
@login_required
def start_totp():
    session["totp_pending"] = container().authenticator.start_totp_enrolment()
    return redirect(url_for("auth.account"))
