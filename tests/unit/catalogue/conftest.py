"""The shipped edition file, loaded once a module, and its raw YAML for tests that change it."""

from __future__ import annotations

import pytest
import yaml

from service.catalogue import EDITIONS_DIR, load_edition
from service.domain.checklist import Edition

EDITION_FILE = EDITIONS_DIR / "fisc-2019.03.yaml"


@pytest.fixture(scope="module")
def edition() -> Edition:
    return load_edition(EDITION_FILE)


def raw_edition() -> dict:
    return yaml.safe_load(EDITION_FILE.read_text(encoding="utf-8"))
