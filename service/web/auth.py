"""Login, logout, and the user's own account page (login history, TOTP enrolment)."""

from __future__ import annotations

import unicodedata
from datetime import datetime, time, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from ..auth.authenticator import MfaEnrolmentRequired
from ..domain.codes import Role
from ..domain.errors import AccountLocked, Invalid, InvalidCredentials, TotpRequired
from ..domain.text import parse_date
from ..messages import error_message
from ..security_log import KIND_LABELS, EventFilter, describe, outcome_label
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
    """After login, only a path of this site: never another site, whatever a browser makes of
    it. The target is judged as decoded (``%09``, ``%2F`` …): it must start with one ``/``, hold
    no scheme nor host, no backslash, no control character nor whitespace but the plain space (browsers drop
    tab and newline, so ``/%09/evil.example`` would be ``//evil.example``). Anything else: the start page."""
    home = url_for("dashboard.home")
    if not isinstance(target, str) or not target:
        return home
    decoded = target
    for _ in range(4):  # what a browser, a proxy or this app may decode once more
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    else:
        return home
    if (
        not decoded.startswith("/")
        or decoded.startswith("//")
        or "\\" in decoded
        or any(ch != " " and (ch.isspace() or unicodedata.category(ch)[0] in "CZ") for ch in decoded)
    ):
        return home
    parts = urlsplit(decoded)
    if parts.scheme or parts.netloc:
        return home
    return quote(target, safe=URL_SAFE)


URL_SAFE = "/?&=#%:@!$'()*+,;~-._"


@bp.post("/logout")
@login_required
def logout():
    """Ends this session and every other session and API token of the user."""
    container().authenticator.sign_out_everywhere(current_actor(), "logout")
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
    c = container()
    actor = current_actor()
    form = TotpConfirmForm()
    secret = session.get("totp_pending")
    if form.validate_on_submit() and secret:
        try:
            c.second_factor.confirm_totp(actor, secret, form.code.data)
        except Invalid as error:
            form.code.errors = [error_message(error)]
        else:
            session.pop("totp_pending", None)
            c.authenticator.finish_mfa(current_user.session_id)
            flash("ワンタイムコードによる二要素認証を有効にしました。")
            return redirect(url_for("auth.account"))
    qr = None
    if secret:
        qr = Markup(segno.make(c.second_factor.totp_uri(actor, secret), error="m").svg_inline(scale=4))
    return _account_page(PasswordForm(), form, qr)


def _account_page(password_form: PasswordForm, totp_form: TotpConfirmForm, qr: Markup | None) -> str:
    """The account page (login history, second factor, password), as shown and as refused."""
    c = container()
    actor = current_actor()
    return render_template(
        "account.html",
        password_form=password_form,
        history=c.authenticator.login_history(actor),
        has_totp=c.second_factor.has_totp(actor),
        pending_secret=session.get("totp_pending"),
        qr=qr,
        form=totp_form,
    )


@bp.post("/account/totp")
@login_required
def start_totp():
    session["totp_pending"] = container().second_factor.start_totp_enrolment()
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
    return _account_page(form, TotpConfirmForm(), None), 422


@bp.get("/security-log")
@login_required
def security_log():
    """The security event log (read only): auditors and admins see their own organisation's
    events, the operator's admins every organisation's; filtered by kind, user and period (JST)."""
    actor = current_actor()
    if actor.role not in (Role.AUDITOR, Role.ADMIN):
        abort(403)
    c = container()
    zone = c.settings.timezone
    everything = c.accounts.manages_every_org(actor)
    args = request.args
    problems, where = security_log_filter(args, zone)
    try:
        page = max(int(args.get("page", "1")), 1)
    except ValueError:
        page = 1
    rows, more = c.security_log.events(None if everything else actor.org_id, where, page=page)
    org_names = {org.id: org.name for org in c.accounts.orgs()} if everything else {}
    events = [
        {
            "at": row.at.replace(tzinfo=row.at.tzinfo or timezone.utc).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            "kind": KIND_LABELS.get(row.kind, row.kind),
            "outcome": outcome_label(row),
            "actor": row.actor_name,
            "org": org_names.get(row.org_id, ""),
            "email": row.email,
            "client": row.client,
            "details": describe(row, zone),
        }
        for row in rows
    ]
    query = {key: value for key, value in args.items() if key != "page" and value}
    return (
        render_template(
            "security_log.html",
            events=events,
            kinds=KIND_LABELS,
            args=args,
            problems=problems,
            everything=everything,
            page=page,
            previous_page=url_for(".security_log", **query, page=page - 1) if page > 1 else None,
            next_page=url_for(".security_log", **query, page=page + 1) if more else None,
        ),
        422 if problems else 200,
    )


def security_log_filter(args: Any, zone: tzinfo) -> tuple[list[str], EventFilter]:
    """The page's filter from its query: the period's days are read in ``zone`` (JST), the
    end day included. A malformed day is named (in Japanese) and left out of the filter."""
    problems, bounds = [], []
    for field, label in (("from", "期間の開始日"), ("to", "期間の終了日")):
        value = (args.get(field) or "").strip()
        day = None
        if value:
            try:
                day = parse_date(value, field)
            except Invalid:
                problems.append(f"{label}は日付（例: 2026-04-01）で入力してください。")
        bounds.append(day)
    since, until = bounds
    kind = args.get("kind", "")
    return problems, EventFilter(
        kind=kind if kind in KIND_LABELS else "",
        who=(args.get("who") or "").strip()[:254],
        since=datetime.combine(since, time(), zone).astimezone(timezone.utc) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), zone).astimezone(timezone.utc) if until else None,
    )
