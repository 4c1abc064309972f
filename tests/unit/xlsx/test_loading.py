"""openpyxl is heavy to load, so it waits for the first Excel use."""

from __future__ import annotations


def test_openpyxl_is_loaded_on_the_first_excel_use_only():
    """The projector, the clock and a web worker that never exports do without it."""
    import subprocess
    import sys

    check = (
        "import sys; import service.app, service.projector, jobs.clock; from service.bootstrap import bootstrap; "
        "assert 'openpyxl' not in sys.modules, 'openpyxl imported at start'"
    )
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
