"""The engagement forms: every POST runs one use case through ``_act``, which answers a
refusal with the review page again (what was typed kept, the status from ``status_for``).
The routes join the blueprint of engagement_page.py, which draws the pages they return to."""

from __future__ import annotations

from typing import Any, Callable

from flask import flash, redirect, request, url_for

from ..domain.codes import Role
from ..domain.engagement import Engagement
from ..domain.errors import DomainError, Invalid
from ..http.errors import status_for
from ..http.files import XLSX_TYPE, file_response, xlsx_filename
from ..messages import error_message
from ..xlsx.errors import XlsxImportError, XlsxTooLarge
from .access import container, roles_required
from .engagement_page import MAX_CONDITION_ROWS, READERS, bp, render_review
from .forms import answer_from, custom_item_from, item_numbers_from
from .session import current_actor


# ---------------------------------------------------------------- the review's forms


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
        return render_review(
            engagement_id,
            errors={form_key: {field: error_message(error)}},
            values={form_key: request.form},
            status=status_for(error),
        )
    except DomainError as error:
        if error.kind == "not_found" and error.code == "engagement_not_found":
            raise
        flash(error_message(error), "error")
        return render_review(engagement_id, values={form_key: request.form}, errors={form_key: {}}, status=status_for(error))
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
        items = item_numbers_from(request.form, "対象の通番を選択してください。")
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
        return render_review(engagement_id, import_errors=error.errors, status=status)
    except DomainError as error:
        if error.code == "engagement_not_found":
            raise
        flash(f"{error_message(error)} 内容は変更していません。", "error")
        return render_review(engagement_id, status=status_for(error))
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


# ---------------------------------------------------------------- tailoring, until the decision


@bp.post("/<engagement_id>/custom-items")
@roles_required(Role.REVIEWER)
def add_custom_item(engagement_id: str):
    return _act(
        engagement_id,
        "custom",
        lambda expected: container().tailoring.add_custom_item(
            current_actor(), engagement_id, expected_version=expected, **custom_item_from(request.form)
        ),
        lambda result: f"独自項目を通番{result[0]}として追加しました。",
        "tailoring",
    )


@bp.post("/<engagement_id>/items/<int:number>/drop")
@roles_required(Role.REVIEWER)
def drop_item(engagement_id: str, number: int):
    return _act(
        engagement_id,
        f"drop-{number}",
        lambda expected: container().tailoring.drop_item(
            current_actor(), engagement_id, number, request.form.get("reason", ""), expected_version=expected
        ),
        f"通番{number}を審査対象から外しました。",
        f"item-{number}",
    )


@bp.post("/<engagement_id>/items/<int:number>/restore")
@roles_required(Role.REVIEWER)
def restore_item(engagement_id: str, number: int):
    return _act(
        engagement_id,
        f"drop-{number}",
        lambda expected: container().tailoring.restore_item(current_actor(), engagement_id, number, expected_version=expected),
        f"通番{number}を審査対象に戻しました。",
        f"item-{number}",
    )


@bp.post("/<engagement_id>/tailoring-template")
@roles_required(Role.REVIEWER)
def save_template(engagement_id: str):
    return _act(
        engagement_id,
        "template",
        lambda _expected: container().tailoring.template_from_engagement(
            current_actor(), engagement_id, name=request.form.get("name", "")
        ),
        f"この案件の項目の調整をテンプレート「{request.form.get('name', '').strip()}」として保存しました。",
        "tailoring",
    )


# ---------------------------------------------------------------- the monitoring plan, agreed by both sides


@bp.post("/<engagement_id>/monitoring-plan")
@roles_required(Role.REVIEWER, Role.CONNECTOR)
def propose_monitoring_plan(engagement_id: str):
    form = request.form
    return _act(
        engagement_id,
        "plan",
        lambda expected: container().engagements.propose_monitoring_plan(
            current_actor(),
            engagement_id,
            frequency_months=_int(form.get("frequency_months")),
            depth=form.get("depth"),
            items=item_numbers_from(form, "対象の通番を選択してください。"),
            note=form.get("note", ""),
            expected_version=expected,
        ),
        "モニタリング計画を提案しました。相手方の合意を待ちます。",
        "plan",
    )


@bp.post("/<engagement_id>/monitoring-plan/agree")
@roles_required(Role.REVIEWER, Role.CONNECTOR)
def agree_monitoring_plan(engagement_id: str):
    return _act(
        engagement_id,
        "plan",
        lambda expected: container().engagements.agree_monitoring_plan(current_actor(), engagement_id, expected_version=expected),
        "モニタリング計画に合意しました。",
        "plan",
    )
