"""An edition as JSON: the catalogue file's own shape, field for field."""

from __future__ import annotations

import json

from service.catalogue import edition_to_dict
from service.domain.checklist import Edition
from tests.unit.catalogue.conftest import raw_edition


def test_edition_to_dict_round_trip(edition: Edition) -> None:
    data = json.loads(json.dumps(edition_to_dict(edition), ensure_ascii=False))
    assert list(data) == ["edition", "title", "published", "categories", "items", "glossary"]
    assert data["edition"] == "2019.03"
    assert len(data["categories"]) == 9
    assert all(list(c) == ["chapter", "name", "purpose", "numbers"] for c in data["categories"])
    assert data["categories"][0]["numbers"] == [1, 9]
    assert len(data["items"]) == 44
    for item in data["items"]:
        assert list(item) == [
            "number", "chapter", "category", "party", "objective", "explanation", "methods", "notes", "references",
        ]
        assert item["party"] in {"connector", "bank", "common"}
        assert all(list(m) == ["group", "text"] for m in item["methods"])
        assert all(isinstance(n, str) for n in item["notes"])
        assert all(list(r) == ["source", "location"] for r in item["references"])
    assert all(list(g) == ["term", "pages", "description"] for g in data["glossary"])
    assert data["items"][21]["references"][1] == {"source": "FISC「安全対策基準」", "location": "実務基準 ２ システム運用共通 実 26"}
    # the dict is the catalogue file's content: loading the YAML gives the same data
    assert data == raw_edition()
