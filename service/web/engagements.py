"""Engagement pages: opening (tailoring), the item-by-item review page, the timeline
with its as-of picker, and the cycle-to-cycle diff. Every form posts to one use case."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any, Callable

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from ..domain.checklist import CheckItem, Party
from ..domain.codes import CycleReason, Role, State, Verdict
from ..domain.engagement import Engagement, answer_gaps
from ..domain.errors import DomainError, Invalid
from ..domain.text import parse_instant
from ..messages import error_message
from .access import container, roles_required
from ..xlsx.errors import XlsxImportError, XlsxTooLarge
from ..http.files import XLSX_TYPE, file_response, xlsx_filename
from .forms import OpenEngagementForm, answer_from, choices
from .rendered import CSRF_SLOT, KeptBody, RenderedBodies, with_csrf
from .session import current_actor

bp = Blueprint("engagements", __name__, url_prefix="/engagements")
READERS = (Role.REVIEWER, Role.CONNECTOR, Role.AUDITOR)
MAX_CUSTOM_ROWS = 5
MAX_CONDITION_ROWS = 3


# ---------------------------------------------------------------- opening


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.REVIEWER)
def new():
    c = container()
    form = OpenEngagementForm()
    form.connector_org_id.choices = choices(
        [("", "選択してください")] + [(org.id, org.name) for org in c.accounts.orgs() if org.kind == "connector"]
    )
    edition = c.editions.current()
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        dropped = [
            {"number": item.number, "reason": request.form.get(f"reason-{item.number}", "")}
            for item in edition.items
            if request.form.get(f"drop-{item.number}")
        ]
        custom = [
            {"objective": request.form.get(f"custom-objective-{i}", "").strip(), "party": request.form.get(f"custom-party-{i}")}
            for i in range(MAX_CUSTOM_ROWS)
            if request.form.get(f"custom-objective-{i}", "").strip()
        ]
        try:
            engagement = c.engagements.open_engagement(
                current_actor(),
                connector_org_id=form.connector_org_id.data,
                title=form.title.data,
                dropped_items=dropped,
                custom_items=custom,
            )
        except Invalid as error:
            errors[_field_key(error)] = error_message(error)
        else:
            flash("審査案件を作成しました。API接続先の回答を待ちます。")
            return redirect(url_for(".show", engagement_id=engagement.id), 303)
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "engagement_new.html",
            form=form,
            edition=edition,
            errors=errors,
            values=request.form,
            custom_rows=range(MAX_CUSTOM_ROWS),
            parties=list(Party),
        ),
        status,
    )


def _field_key(error: DomainError) -> str:
    """``dropped_items[3].reason`` → ``dropped_items``: where to show the message."""
    return str(error.context.get("field") or "form").split("[")[0].split(".")[0]


# ---------------------------------------------------------------- the review page


def rendered_bodies() -> RenderedBodies:
    return current_app.extensions["rendered_bodies"]


@bp.get("/<engagement_id>")
@roles_required(*READERS)
def show(engagement_id: str):
    as_of = _as_of(request.args.get("as_of"))
    return _render(engagement_id, as_of=as_of)


def _as_of(value: str | None) -> datetime | None:
    """The past moment asked for, as UTC (typed without an offset: the deployment's zone)."""
    return parse_instant(value, "as_of", container().settings.timezone) if value else None


def _render(
    engagement_id: str,
    *,
    as_of: datetime | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, MultiDict] | None = None,
    status: int = 200,
    import_errors: list[dict[str, str]] | None = None,
):
    c = container()
    actor = current_actor()
    current_edition = c.editions.current().id
    # kept: the current page as drawn for this viewer; never a past moment, nor a re-rendered
    # form (what was typed belongs to this response only)
    keepable = as_of is None and not (errors or values or import_errors)
    if keepable:
        kept = _kept_body(c, actor, engagement_id, current_edition)
        if kept is not None:
            return _page(kept.title, kept.html), status
    engagement = c.store.engagement(actor, engagement_id, as_of=as_of)
    read_only = as_of is not None or actor.role is Role.AUDITOR
    connector_id = engagement.connector["id"]
    certifications = _usable_certifications(c, connector_id)
    body = _render_body(c, engagement, actor, as_of, read_only, certifications, current_edition, errors, values, import_errors)
    if keepable:
        key = _body_key(c, actor, engagement.id, engagement.version, current_edition)
        rendered_bodies().put(key, (connector_id, repr(certifications)), engagement.title, body)
    return _page(engagement.title, body), status


def _body_key(c: Any, actor: Any, engagement_id: uuid.UUID, version: int, edition: str) -> tuple:
    """What a kept body is drawn from besides the connector's certifications (its stamp). A body
    is kept only after the viewer was allowed to see the engagement, and the viewer is in the
    key, so finding one is also that permission (an engagement never changes hands)."""
    return (engagement_id, version, actor.id, actor.org_id, actor.role, edition, c.store.today())


def _kept_body(c: Any, actor: Any, engagement_id: str, edition: str) -> KeptBody | None:
    """The body kept for this viewer at the engagement's current version, if the certifications
    it offers are still the usable ones: one indexed read of the last event, no replay and no
    copy of the aggregate."""
    try:
        key_id = uuid.UUID(engagement_id)
    except ValueError:
        return None
    version = c.store.current_version(key_id)
    kept = rendered_bodies().get(_body_key(c, actor, key_id, version, edition)) if version else None
    if kept is None:
        return None
    connector_id, certifications = kept.stamp
    return kept if repr(_usable_certifications(c, connector_id)) == certifications else None


def _page(title: str, body: str) -> str:
    return render_template("engagement.html", title=title, body=Markup(with_csrf(body, generate_csrf())))


def _render_body(
    c: Any,
    engagement: Engagement,
    actor: Any,
    as_of: datetime | None,
    read_only: bool,
    certifications: list[dict[str, Any]],
    current_edition: str,
    errors: dict[str, dict[str, str]] | None,
    values: dict[str, MultiDict] | None,
    import_errors: list[dict[str, str]] | None,
) -> str:
    """The review page's body; forms carry ``CSRF_SLOT`` in place of the session's token."""
    edition = c.editions.get(engagement.edition)
    catalogue = {item.number: item for item in edition.items}
    items = [
        _item_view(engagement, item, catalogue.get(item["number"]), actor, read_only, certifications)
        for item in engagement.items
    ]
    groups: dict[str, list[dict[str, Any]]] = {}
    for view in items:
        groups.setdefault(view["category"], []).append(view)
    return render_template(
        "_engagement_body.html",
        csrf_token=lambda: CSRF_SLOT,
        e=engagement,
        groups=groups,
        items=items,
        as_of=as_of,
        read_only=read_only,
        actor=actor,
        errors=errors or {},
        values=values or {},
        verdicts=list(Verdict),
        reasons=[r for r in CycleReason if r is not CycleReason.INITIAL],
        can_submit=not read_only and engagement.may(actor, "submit"),
        can_write_some=not read_only and engagement.may(actor, "write_some"),
        missing=engagement.missing_answers() if engagement.state == State.DRAFT.value else [],
        can_decide=not read_only and engagement.may(actor, "decide"),
        unjudged=engagement.unjudged(),
        open_questions=engagement.open_questions(),
        can_start_cycle=not read_only and engagement.may(actor, "start_cycle"),
        can_withdraw=not read_only and engagement.may(actor, "withdraw"),
        condition_rows=range(MAX_CONDITION_ROWS),
        today=c.store.today(),
        counts=_verdict_counts(engagement),
        current_edition=current_edition,
        import_errors=import_errors or [],
    )


@functools.lru_cache(maxsize=1024)
def catalogue_html(item: CheckItem) -> Markup:
    """The checklist text of an item, rendered once per edition item (it never changes)."""
    return Markup(render_template("_catalogue_item.html", item=item))


def _usable_certifications(c: Any, connector_id: str) -> list[dict[str, Any]]:
    """The connector's certifications valid today (offered in the judgement form)."""
    today = c.store.today().isoformat()
    return [
        cert
        for cert in c.library_views.certifications(connector_id)
        if not cert["withdrawn"] and cert["valid_from"] <= today <= cert["valid_until"]
    ]


def _item_view(
    engagement: Engagement,
    item: dict[str, Any],
    catalogue_item: Any,
    actor: Any,
    read_only: bool,
    certifications: list[dict[str, Any]],
) -> dict[str, Any]:
    number = item["number"]
    writable = not read_only

    def may(action: str, on: int | None = number) -> bool:
        return writable and engagement.may(actor, action, on)

    reviewing = may("judge")
    return {
        **item,
        "category": item["category"],
        "catalogue_html": catalogue_html(catalogue_item) if catalogue_item else "",
        "in_cycle": number in engagement.cycle["items"],
        "questions": [q for q in engagement.questions if q["item"] == number],
        "gaps": answer_gaps(item["answer"]),
        "may_answer": may("answer"),
        "may_judge": reviewing,
        "may_ask": reviewing,
        "may_reply": may("reply", None),
        "may_close": may("close", None),
        "certifications": [c for c in certifications if number in c["items"]] if reviewing else [],
        "evidence": item.get("evidence", []),
    }


def _verdict_counts(engagement: Engagement) -> dict[str, int]:
    counts = {verdict.value: 0 for verdict in Verdict} | {"none": 0}
    for number in engagement.active_numbers():
        judgement = engagement.item(number)["judgement"]
        counts[judgement["verdict"] if judgement else "none"] += 1
    return counts


# ---------------------------------------------------------------- actions


def _act(
    engagement_id: str,
    form_key: str,
    command: Callable[[int | None], Any],
    done: str | Callable[[Any], str],
    anchor: str = "",
):
    """Run one use case from a form. Invalid input re-renders the page with the
    messages next to the fields and what was typed; a conflict re-renders with
    the message on top (nothing the user typed is lost). ``done`` says what happened
    (given the use case's result when it depends on it)."""
    expected = _int(request.form.get("expected_version"))
    try:
        result = command(expected)
    except Invalid as error:
        field = str(error.context.get("field") or "form").split(".")[-1].split("[")[0]
        return _render(
            engagement_id,
            errors={form_key: {field: error_message(error)}},
            values={form_key: request.form},
            status=422,
        )
    except DomainError as error:
        if error.kind == "not_found" and error.code == "engagement_not_found":
            raise
        flash(error_message(error), "error")
        status = {"forbidden": 403, "conflict": 409, "not_found": 404, "unauthenticated": 401}[error.kind]
        return _render(engagement_id, values={form_key: request.form}, errors={form_key: {}}, status=status)
    flash(done(result) if callable(done) else done)
    return redirect(url_for(".show", engagement_id=engagement_id, _anchor=anchor), 303)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@bp.post("/<engagement_id>/items/<int:number>/answer")
@roles_required(Role.CONNECTOR, Role.REVIEWER)
def save_answer(engagement_id: str, number: int):
    form = request.form
    return _act(
        engagement_id,
        f"answer-{number}",
        lambda expected: container().review.save_answer(
            current_actor(),
            engagement_id,
            number,
            **answer_from(form),
            expected_version=expected,
        ),
        f"通番{number}の回答を保存しました。",
        f"item-{number}",
    )


@bp.post("/<engagement_id>/submit")
@roles_required(Role.CONNECTOR)
def submit(engagement_id: str):
    return _act(
        engagement_id,
        "submit",
        lambda expected: container().review.submit(current_actor(), engagement_id, expected_version=expected),
        "回答を提出しました。金融機関の審査を待ちます。",
    )


@bp.post("/<engagement_id>/items/<int:number>/questions")
@roles_required(Role.REVIEWER)
def ask(engagement_id: str, number: int):
    return _act(
        engagement_id,
        f"ask-{number}",
        lambda expected: container().review.ask_question(
            current_actor(), engagement_id, number, request.form.get("text", ""), expected_version=expected
        ),
        f"通番{number}に質問しました。",
        f"item-{number}",
    )


@bp.post("/<engagement_id>/questions/<question_id>/replies")
@roles_required(Role.REVIEWER, Role.CONNECTOR)
def reply(engagement_id: str, question_id: str):
    return _act(
        engagement_id,
        f"reply-{question_id}",
        lambda expected: container().review.post_reply(
            current_actor(), engagement_id, question_id, request.form.get("text", ""), expected_version=expected
        ),
        "返信しました。",
        f"question-{question_id}",
    )


@bp.post("/<engagement_id>/questions/<question_id>/close")
@roles_required(Role.REVIEWER)
def close(engagement_id: str, question_id: str):
    return _act(
        engagement_id,
        f"reply-{question_id}",
        lambda expected: container().review.close_question(
            current_actor(), engagement_id, question_id, expected_version=expected
        ),
        "質問を完了しました。",
        f"question-{question_id}",
    )


@bp.post("/<engagement_id>/items/<int:number>/judgement")
@roles_required(Role.REVIEWER)
def judge(engagement_id: str, number: int):
    return _act(
        engagement_id,
        f"judge-{number}",
        lambda expected: container().review.judge_item(
            current_actor(),
            engagement_id,
            number,
            verdict=request.form.get("verdict"),
            comment=request.form.get("comment", ""),
            certification_id=request.form.get("certification_id") or None,
            expected_version=expected,
        ),
        f"通番{number}を判定しました。",
        f"item-{number}",
    )


@bp.post("/<engagement_id>/decision")
@roles_required(Role.REVIEWER)
def decide(engagement_id: str):
    form = request.form

    def command(expected: int | None) -> Any:
        conditions = []
        for i in range(MAX_CONDITION_ROWS):
            text, due_on = form.get(f"condition-text-{i}", ""), form.get(f"condition-due-{i}", "")
            if not (text.strip() or due_on or form.get(f"condition-items-{i}", "").strip()):
                continue  # an empty row; a partly filled one goes to the rules and is refused there
            numbers = [part.strip() for part in form.get(f"condition-items-{i}", "").replace("、", ",").split(",")]
            try:
                items = [int(part) for part in numbers if part]
            except ValueError:
                raise Invalid("対象の通番は数字をカンマ区切りで入力してください。", field="items") from None
            conditions.append({"text": text, "items": items, "due_on": due_on})
        return container().review.decide(
            current_actor(),
            engagement_id,
            outcome=form.get("outcome"),
            comment=form.get("comment", ""),
            conditions=conditions,
            next_review_on=form.get("next_review_on") or None,
            expected_version=expected,
        )

    return _act(engagement_id, "decision", command, "総合判定を記録しました。", "decision")


@bp.post("/<engagement_id>/conditions/<condition_id>/fulfil")
@roles_required(Role.REVIEWER)
def fulfil(engagement_id: str, condition_id: str):
    return _act(
        engagement_id,
        f"condition-{condition_id}",
        lambda expected: container().review.fulfil_condition(
            current_actor(), engagement_id, condition_id, comment=request.form.get("comment", ""), expected_version=expected
        ),
        "条件の充足を記録しました。",
        "decision",
    )


@bp.post("/<engagement_id>/review-cycles")
@roles_required(Role.REVIEWER)
def start_cycle(engagement_id: str):
    def command(expected: int | None) -> Any:
        try:
            items = [int(n) for n in request.form.getlist("items")]
        except ValueError:
            raise Invalid("対象の通番を選択してください。", field="items") from None
        return container().engagements.start_review_cycle(
            current_actor(),
            engagement_id,
            reason=request.form.get("reason"),
            items=items,
            note=request.form.get("note", ""),
            expected_version=expected,
        )

    return _act(engagement_id, "cycle", command, "モニタリングの審査サイクルを開始しました。")


@bp.post("/<engagement_id>/edition")
@roles_required(Role.REVIEWER)
def adopt_edition(engagement_id: str):
    return _act(
        engagement_id,
        "edition",
        lambda expected: container().engagements.adopt_edition(current_actor(), engagement_id, expected_version=expected),
        "最新のチェックリストの版に移行しました。",
    )


@bp.post("/<engagement_id>/withdraw")
@roles_required(Role.REVIEWER, Role.CONNECTOR)
def withdraw(engagement_id: str):
    return _act(
        engagement_id,
        "withdraw",
        lambda expected: container().engagements.withdraw(
            current_actor(), engagement_id, request.form.get("reason", ""), expected_version=expected
        ),
        "案件を取り下げました。",
    )


# ---------------------------------------------------------------- files, Excel and the answer library


@bp.post("/<engagement_id>/items/<int:number>/evidence")
@roles_required(Role.CONNECTOR, Role.REVIEWER)
def attach_evidence(engagement_id: str, number: int):
    upload = request.files.get("file")

    def command(expected: int | None) -> Any:
        if upload is None or not upload.filename:
            raise Invalid("添付するファイルを選択してください。", field="file")
        return container().files.attach_evidence(
            current_actor(), engagement_id, number, data=upload.read(), filename=upload.filename, expected_version=expected
        )

    return _act(engagement_id, f"evidence-{number}", command, f"通番{number}に証跡を添付しました。", f"item-{number}")


@bp.get("/<engagement_id>/evidence/<sha256>")
@roles_required(*READERS)
def evidence(engagement_id: str, sha256: str):
    data, record = container().files.evidence_file(current_actor(), engagement_id, sha256)
    return file_response(data, record)


@bp.get("/<engagement_id>/export.xlsx")
@roles_required(*READERS)
def export_xlsx(engagement_id: str):
    data, engagement = container().files.export_xlsx(current_actor(), engagement_id)
    return file_response(data, {"filename": xlsx_filename(engagement), "content_type": XLSX_TYPE})


@bp.post("/<engagement_id>/import")
@roles_required(Role.CONNECTOR, Role.REVIEWER)
def import_xlsx(engagement_id: str):
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise XlsxImportError.single("取り込むExcelファイルを選択してください。")
        container().files.import_xlsx(
            current_actor(), engagement_id, upload.read(), expected_version=_int(request.form.get("expected_version"))
        )
    except XlsxImportError as error:
        flash("Excelファイルを取り込めませんでした。内容は変更していません。", "error")
        status = 413 if isinstance(error, XlsxTooLarge) else 422
        return _render(engagement_id, import_errors=error.errors, status=status)
    except DomainError as error:
        if error.code == "engagement_not_found":
            raise
        flash(f"{error_message(error)} 内容は変更していません。", "error")
        return _render(engagement_id, status=409 if error.kind == "conflict" else 422)
    flash("Excelファイルの回答を取り込みました。")
    return redirect(url_for(".show", engagement_id=engagement_id), 303)


@bp.post("/<engagement_id>/prefill")
@roles_required(Role.CONNECTOR)
def prefill(engagement_id: str):
    c = container()
    before = c.store.engagement(current_actor(), engagement_id).version

    def done(engagement: Engagement) -> str:
        filled = engagement.version - before  # one event per item filled
        return f"回答ライブラリの内容を{filled}項目に反映しました。" if filled else "反映できる項目はありませんでした。"

    return _act(
        engagement_id,
        "library",
        lambda expected: c.library.prefill_from_library(current_actor(), engagement_id, expected_version=expected),
        done,
    )


@bp.post("/<engagement_id>/library")
@roles_required(Role.CONNECTOR)
def save_to_library(engagement_id: str):
    c = container()
    library = c.library.library(current_actor())
    before = library.version if library else 1  # a library begins with the event that starts it

    def done(saved: Any) -> str:
        changed = saved.version - before  # one event per entry that changed
        return f"{changed}項目の回答を回答ライブラリに保存しました。" if changed else "回答ライブラリと同じ内容のため、保存した項目はありませんでした。"

    return _act(
        engagement_id,
        "library",
        lambda _expected: c.library.save_answers_to_library(current_actor(), engagement_id),
        done,
    )


# ---------------------------------------------------------------- audit views


@bp.get("/<engagement_id>/timeline")
@roles_required(*READERS)
def timeline(engagement_id: str):
    c = container()
    actor = current_actor()
    engagement = c.store.engagement(actor, engagement_id)
    return render_template("timeline.html", e=engagement, rows=c.views.timeline(actor, engagement_id))


@bp.get("/<engagement_id>/diff/<int:cycle>")
@roles_required(*READERS)
def diff(engagement_id: str, cycle: int):
    engagement = container().store.engagement(current_actor(), engagement_id)
    return render_template("diff.html", e=engagement, cycle=cycle, rows=engagement.cycle_diff(cycle))
