"""An edition as a JSON-ready document: the API's and the CLI's shape, and the one
``edition_from_dict`` reads back."""

from __future__ import annotations

from typing import Any

from service.domain.checklist import Edition

__all__ = ["edition_to_dict"]


def edition_to_dict(edition: Edition) -> dict[str, Any]:
    """The JSON-ready form of an edition (party as its code, tuples as lists)."""
    return {
        "edition": edition.id,
        "title": edition.title,
        "published": edition.published,
        "categories": [
            {
                "chapter": category.chapter,
                "name": category.name,
                "purpose": category.purpose,
                "numbers": list(category.numbers),
            }
            for category in edition.categories
        ],
        "items": [
            {
                "number": item.number,
                "chapter": item.chapter,
                "category": item.category,
                "party": item.party.value,
                "objective": item.objective,
                "explanation": item.explanation,
                "methods": [{"group": m.group, "text": m.text} for m in item.methods],
                "notes": list(item.notes),
                "references": [{"source": r.source, "location": r.location} for r in item.references],
            }
            for item in edition.items
        ],
        "glossary": [
            {"term": term.term, "pages": term.pages, "description": term.description}
            for term in edition.glossary
        ],
    }
