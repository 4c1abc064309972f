"""Login, logout, and the user's own account page (login history, TOTP enrolment)."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from ..auth import MfaEnrolmentRequired
from ..domain.errors import AccountLocked, Invalid, InvalidCredentials, TotpRequired
from ..messages import error_message
from .access import container
from .forms import LoginForm, PasswordForm, TotpConfirmForm
from .session import SessionUser, current_actor

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        auth = container().authenticator
        pending = False
        try:
            actor = auth.login(form.email.data, form.password.data, form.totp.data or None, client=request.remote_addr or "")
        except MfaEnrolmentRequired as error:
            actor, pending = error.context["actor"], True
        except TotpRequired as error:
            form.totp.errors = [error_message(error)]
            actor, status = None, 401
        except (InvalidCredentials, AccountLocked) as error:
            form.password.errors = [error_message(error)]
            actor, status = None, 401
        if actor is not None:
            session.clear()  # a fresh session, with a new id, at every login
            login_user(SessionUser(auth.start_session(actor, mfa_pending=pending), actor, pending))
            session.permanent = True
            if pending:
                flash("この役割では二要素認証が必須です。認証アプリを登録してください。", "error")
                return redirect(url_for("auth.account"))
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
    """Ends this session and every other session and API token of the user."""
    container().authenticator.end_everything(current_actor(), "logout")
    logout_user()
    session.clear()
    flash("ログアウトしました。")
    return redirect(url_for("auth.login"))


def require_mfa_enrolment():
    """``before_request``: a session waiting for its second factor may only enrol or leave."""
    if request.endpoint == "static" or request.path.startswith("/api/"):
        return None  # no session is looked up for files or bearer-token calls
    if current_user.is_authenticated and current_user.mfa_pending:
        if request.endpoint not in ("auth.account", "auth.start_totp", "auth.logout", "static"):
            return redirect(url_for("auth.account"))
    return None


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
            auth.finish_mfa(current_user.session_id)
            flash("ワンタイムコードによる二要素認証を有効にしました。")
            return redirect(url_for("auth.account"))
    qr = None
    if secret:
        qr = Markup(segno.make(auth.totp_uri(actor, secret), error="m").svg_inline(scale=4))
    return render_template(
        "account.html",
        password_form=PasswordForm(),
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


@bp.post("/account/password")
@login_required
def change_password():
    """A new password ends every session and token; the user logs in again."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            container().authenticator.change_password(current_actor(), form.current_password.data, form.new_password.data)
        except Invalid as error:
            field = form.current_password if error.context.get("field") == "current_password" else form.new_password
            field.errors = [error_message(error)]
        else:
            logout_user()
            session.clear()
            flash("パスワードを変更しました。新しいパスワードでログインしてください。")
            return redirect(url_for("auth.login"), 303)
    auth = container().authenticator
    actor = current_actor()
    return (
        render_template(
            "account.html",
            password_form=form,
            history=auth.login_history(actor),
            has_totp=auth.has_totp(actor),
            pending_secret=session.get("totp_pending"),
            qr=None,
            form=TotpConfirmForm(),
        ),
        422,
    )


@bp.get("/security-log")
@login_required
def security_log():
    """The security event log: auditors see their organisation's events, admins all."""
    actor = current_actor()
    if actor.role.value not in ("auditor", "admin"):
        abort(403)
    return render_template("security_log.html", events=container().security_log.events(actor))
