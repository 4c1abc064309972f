"""The projector process: keeps every read model caught up with the event log.

Several may run (and the web process catches up after its own writes); the
tracking rows make each event apply exactly once. Stops cleanly on SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import threading

from .bootstrap import Container

log = logging.getLogger(__name__)


def run_projector(container: Container, *, interval: float = 0.5, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("projector started at positions %s", container.projections.positions())
    while not stop.is_set():
        try:
            applied = container.projections.catch_up()
        except Exception:
            log.exception("projection failed; retrying")
            applied = 0
        if not applied:
            stop.wait(interval)
    log.info("projector stopped at positions %s", container.projections.positions())
