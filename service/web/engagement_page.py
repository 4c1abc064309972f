"""The engagement pages that read: opening one (tailoring), the item-by-item review page, the
timeline with its as-of picker, and the cycle-to-cycle diff. The review page offers a form
exactly when ``Engagement.allowed`` says its command would run; the forms post to the
handlers of engagements.py, which share this module's blueprint."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from ..domain.answer_library import AnswerLibrary, usable_on
from ..domain.actors import Side
from ..domain.answers import VOICE_LABELS, answer_gaps, leading_side
from ..domain.checklist import CheckItem, Method, Party, Reference
from ..domain.codes import CycleReason, Role, Verdict
from ..domain.engagement import Engagement
from ..domain.monitoring import Depth
from ..domain.errors import DomainError, Invalid
from ..domain.text import parse_instant
from ..messages import error_message
from .access import container, roles_required
from .forms import OpenEngagementForm, choices
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
                template_id=request.form.get("template_id") or None,
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
            templates=c.tailoring.templates_of_bank(current_actor()),
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
    return render_review(engagement_id, as_of=as_of)


def _as_of(value: str | None) -> datetime | None:
    """The past moment asked for, as UTC (typed without an offset: the deployment's zone)."""
    return parse_instant(value, "as_of", container().settings.timezone) if value else None


def render_review(
    engagement_id: str,
    *,
    as_of: datetime | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, MultiDict] | None = None,
    status: int = 200,
    import_errors: list[dict[str, str]] | None = None,
):
    """The review page (a form refused by its use case comes back with what was typed)."""
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
    connector_id = engagement.connector["id"]
    certifications = _usable_certifications(c, connector_id)
    body = _render_body(c, engagement, actor, as_of, certifications, current_edition, errors, values, import_errors)
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
    certifications: list[dict[str, Any]],
    current_edition: str,
    errors: dict[str, dict[str, str]] | None,
    values: dict[str, MultiDict] | None,
    import_errors: list[dict[str, str]] | None,
) -> str:
    """The review page's body; forms carry ``CSRF_SLOT`` in place of the session's token. A past
    moment offers nothing; now, what the engagement allows the viewer."""
    edition = c.editions.get(engagement.edition)
    catalogue = {item.number: item for item in edition.items}
    live = as_of is None
    items = [
        _item_view(engagement, item, custom_check_item(item) if item["custom"] else catalogue.get(item["number"]), actor, live, certifications)
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
        offered=engagement.allowed(actor) if live else frozenset(),
        keeps_library=AnswerLibrary.editable_by(actor),
        errors=errors or {},
        values=values or {},
        verdicts=list(Verdict),
        reasons=CycleReason.started_by_reviewer(),
        depths={depth.value: depth.label for depth in Depth},
        purposes={category.name: category.purpose for category in edition.categories},  # 区分 purposes, as the seed states them
        viewer_side=actor.side.value if actor.side else None,
        missing=engagement.missing_answers(),
        unjudged=engagement.unjudged(),
        open_questions=engagement.open_questions(),
        condition_rows=range(MAX_CONDITION_ROWS),
        today=c.store.today(),
        counts=_verdict_counts(engagement),
        current_edition=current_edition,
        import_errors=import_errors or [],
    )


def custom_check_item(item: dict[str, Any]) -> CheckItem:
    """A bank's own item in the shape of a catalogue item, so it reads like one."""
    return CheckItem(
        number=item["number"],
        chapter=0,
        category=item["category"],
        party=Party(item["party"]),
        objective=item["objective"],
        explanation=item.get("explanation", ""),
        methods=tuple(Method(**method) for method in item.get("methods", [])),
        references=tuple(Reference(**reference) for reference in item.get("references", [])),
    )


@functools.lru_cache(maxsize=1024)
def catalogue_html(item: CheckItem) -> Markup:
    """The checklist text of an item, rendered once per edition item (it never changes)."""
    return Markup(render_template("_catalogue_item.html", item=item))


def _usable_certifications(c: Any, connector_id: str) -> list[dict[str, Any]]:
    """The connector's certifications usable today (offered in the judgement form)."""
    today = c.store.today().isoformat()
    return [cert for cert in c.library_views.certifications(connector_id) if usable_on(cert, today)]


def _item_view(
    engagement: Engagement,
    item: dict[str, Any],
    catalogue_item: Any,
    actor: Any,
    live: bool,
    certifications: list[dict[str, Any]],
) -> dict[str, Any]:
    number = item["number"]
    offered = engagement.allowed(actor, number) if live else frozenset()
    sides = [Side.CONNECTOR, Side.BANK] if item["party"] == Party.COMMON.value else [leading_side(item["party"])]
    voices = [
        {"side": side.value, "label": VOICE_LABELS[side.value], "answer": item["answers"][side.value],
         "gaps": answer_gaps(item["answers"][side.value])}
        for side in sides
    ]
    return {
        **item,
        "category": item["category"],
        "catalogue_html": catalogue_html(catalogue_item) if catalogue_item else "",
        "in_cycle": number in engagement.cycle["items"],
        "questions": [q for q in engagement.questions if q["item"] == number],
        "voices": voices,  # each side's statement: both on a 共通 item
        "own": item["answers"][actor.side.value] if actor.side else None,  # what the actor's answer form starts from
        "own_label": VOICE_LABELS[actor.side.value] if actor.side else "",
        "offered": offered,
        "certifications": [c for c in certifications if number in c["items"]] if "judge" in offered else [],
        "evidence": item.get("evidence", []),
    }


def _verdict_counts(engagement: Engagement) -> dict[str, int]:
    counts = {verdict.value: 0 for verdict in Verdict} | {"none": 0}
    for number in engagement.active_numbers():
        judgement = engagement.item(number)["judgement"]
        counts[judgement["verdict"] if judgement else "none"] += 1
    return counts


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
