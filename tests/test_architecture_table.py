"""The README's use-case table is generated from the code; it fails here when it is stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_names_every_use_case_as_the_code_wires_it():
    checked = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "architecture.py"), "--check"], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
