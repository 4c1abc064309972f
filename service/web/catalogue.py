"""The checklist browser (every role) and the list of loaded editions."""

from __future__ import annotations

import yaml
from flask import Blueprint, flash, render_template, request
from flask_login import login_required

from ..domain.checklist import CheckItem
from ..domain.codes import Role
from ..domain.errors import DomainError
from ..http.errors import status_for
from ..messages import error_message
from .access import container, roles_required
from .session import current_actor

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


def matches(item: CheckItem, words: list[str]) -> bool:
    text = " ".join(
        [item.objective, item.explanation, item.category]
        + [m.group + m.text for m in item.methods]
        + list(item.notes)
        + [r.source + r.location for r in item.references]
    )
    return all(word in text for word in words)


@bp.get("/")
@login_required
def browse():
    c = container()
    editions = c.editions.ids()
    edition_id = request.args.get("edition")
    edition = c.editions.get(edition_id) if edition_id in editions else c.editions.current()
    query = (request.args.get("q") or "").strip()[:100]
    words = query.split()
    items = [item for item in edition.items if matches(item, words)] if words else list(edition.items)
    purposes = {category.name: category.purpose for category in edition.categories}
    return render_template("catalogue.html", edition=edition, items=items, query=query, editions=editions, purposes=purposes)


@bp.get("/glossary")
@login_required
def glossary():
    """The 解説書's 用語解説, each term with its explanation and the pages it appears on."""
    edition = container().editions.current()
    return render_template("glossary.html", edition=edition, terms=edition.glossary)


MAX_EDITION_BYTES = 2 * 1024 * 1024


def _editions_page(error: str | None = None, diff=None, status: int = 200):
    c = container()
    ids = c.editions.ids()
    diffs = {new: c.editions.diff(old, new) for old, new in zip(ids, ids[1:])}
    return (
        render_template(
            "editions.html",
            editions=[c.editions.get(edition_id) for edition_id in ids],
            diffs=diffs,
            error=error,
            published=diff,
        ),
        status,
    )


@bp.get("/editions")
@login_required
def editions():
    return _editions_page()


@bp.post("/editions")
@roles_required(Role.LIAISON)
def publish_edition():
    upload = request.files.get("document")
    data = upload.read(MAX_EDITION_BYTES + 1) if upload else b""
    if not data:
        return _editions_page("版のファイル（JSON または YAML）を選択してください。", status=422)
    if len(data) > MAX_EDITION_BYTES:
        return _editions_page("ファイルが大きすぎます（2 MB まで）。", status=413)
    try:
        document = yaml.safe_load(data.decode("utf-8"))
        edition, diff = container().editions.publish(current_actor(), document)
    except (UnicodeDecodeError, yaml.YAMLError):
        return _editions_page("JSON または YAML として読み取れません。", status=422)
    except DomainError as error:
        return _editions_page(error_message(error), status=status_for(error))
    flash(f"チェックリスト {edition.id}版を公表しました。モニタリング中の案件は順次移行します。")
    return _editions_page(diff=(edition.id, diff))
