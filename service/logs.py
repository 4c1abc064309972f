"""Logs through structlog over the standard library, with the request id bound for every
line written while a request is handled: JSON lines in production, readable lines on a
terminal (``LOG_FORMAT`` = ``json`` | ``console`` | ``auto``, the default: console when
standard error is a terminal)."""

from __future__ import annotations

import logging
import sys

import structlog

LOG_FORMATS = ("auto", "json", "console")
_configured = False


def configure_logging(log_format: str = "auto", level: int = logging.INFO) -> None:
    """Idempotent. Lines of other libraries (Werkzeug, APScheduler, the clock) go through
    the same renderer as the service's own."""
    global _configured
    if _configured:
        return
    _configured = True
    console = log_format == "console" or (log_format == "auto" and sys.stderr.isatty())
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=False) if console else structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        if console
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *([] if console else [structlog.processors.format_exc_info]),
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)


def keep_off_terminal(logger_name: str) -> None:
    """Info lines of ``logger_name`` are not printed (warnings still are): a command's own
    set-up (the demo's, the bench's sign-ups) stays recorded where it is kept, off the terminal."""
    logging.getLogger(logger_name).setLevel(logging.WARNING)
