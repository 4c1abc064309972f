"""The checklist browser (every role) and the list of loaded editions."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from ..domain.checklist import CheckItem
from .access import container

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
    return render_template("catalogue.html", edition=edition, items=items, query=query, editions=editions)


@bp.get("/editions")
@login_required
def editions():
    c = container()
    return render_template("editions.html", editions=[c.editions.get(edition_id) for edition_id in c.editions.ids()])
