"""Rows, tables (console and Markdown) and the machine/version header."""

from __future__ import annotations

import math
import os
import platform
import re
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One figure beside its substrate figure.

    ``status`` is ``met`` / ``MISSED`` when a target from the issue applies,
    ``info`` for context rows, or the reason the figure could not be measured.
    """

    measure: str
    ours: str
    substrate: str
    substrate_is: str
    ratio: str
    target: str
    status: str


@dataclass
class StoreResult:
    store: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # dataset shape, details, profiles
    seconds: float = 0.0


def not_measured(measure: str, target: str, reason: str) -> Row:
    """A row whose figure could not be measured: the reason goes into the cells."""
    reason = " ".join(str(reason).split())[:300]
    return Row(measure, f"not measured: {reason}", "not measured (see ours)", "-", "not computed", target, "not measured")


def structured_logs_to_stderr() -> None:
    """structlog prints to stdout unless configured; keep stdout for the tables
    (same cost per line, so measured paths that log pay the same). The security lines of
    the bench's own sign-ups (users, second factors) stay off the terminal between the
    progress lines; they are still recorded in each store's security log."""
    import sys

    from service.logs import keep_off_terminal

    keep_off_terminal("security")
    try:
        import structlog
    except ImportError:
        return
    if not structlog.is_configured():
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))


# ------------------------------------------------------------------ number formatting


def rate(value: float) -> str:
    return f"{value:,.0f}/s"


def ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def ratio(ours: float, substrate: float) -> str:
    if not substrate:
        return "substrate is zero"
    return f"{ours / substrate:.2f}×"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


# ------------------------------------------------------------------ tables

HEADERS = ("measure", "ours", "substrate (same run)", "substrate is", "ours/substrate", "target (issue)", "status")


def _cells(row: Row) -> tuple[str, ...]:
    return (row.measure, row.ours, row.substrate, row.substrate_is, row.ratio, row.target, row.status)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: list[Row]) -> str:
    """A Markdown table, padded so that it also reads well on a terminal."""
    cells = [HEADERS] + [tuple(_escape(c) for c in _cells(r)) for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS))]
    lines = []
    for index, line in enumerate(cells):
        lines.append("| " + " | ".join(text.ljust(widths[i]) for i, text in enumerate(line)) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


# ------------------------------------------------------------------ machine and versions


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError as error:
        return f"unknown ({error})"
    return platform.processor() or "unknown"


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError as error:
        return f"unknown ({error})"
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        return f"{head}{' + uncommitted changes' if dirty else ''}" if head else "unknown"
    except (OSError, subprocess.SubprocessError) as error:
        return f"unknown ({error})"


def machine() -> dict[str, str]:
    return {
        "date": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": _cpu_model(),
        "ram": _ram(),
        "os": platform.platform(),
        "git": _git(),
    }


def versions(postgres_version: str | None) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("eventsourcing", "Flask", "Werkzeug", "Jinja2", "SQLAlchemy", "psycopg", "gunicorn", "spectree", "pydantic"):
        found[package] = _version(package)
    found["sqlite"] = sqlite3.sqlite_version
    found["postgresql server"] = postgres_version or "not reached"
    return found


def header_lines(info: dict[str, str], vers: dict[str, str], args_line: str) -> list[str]:
    return [
        f"date: {info['date']}",
        f"machine: nproc {info['nproc']}, CPU {info['cpu']}, RAM {info['ram']}, {info['os']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()),
        f"code: {info['git']}",
        f"run: {args_line}",
    ]


def markdown(title: str, header: list[str], results: list[StoreResult], legend: list[str]) -> str:
    out = [f"# {title}", ""]
    out += [f"- {line}" for line in header]
    out.append("")
    for result in results:
        out.append(f"## {result.store} ({result.seconds:.0f} s)")
        out.append("")
        out.append(table(result.rows))
        out.append("")
        for note in result.notes:
            out.append(f"- {note}")
        out.append("")
    out.append("## Legend")
    out.append("")
    out += [f"- {line}" for line in legend]
    out.append("")
    return "\n".join(out)


NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def _number(text: str) -> float | None:
    """The figure a cell reports (the p95 of a "p50 … / p95 …" cell)."""
    if "p95" in text:
        text = text.split("p95", 1)[1]
    found = NUMBER.search(text)
    return float(found.group().replace(",", "")) if found else None


def _unit(text: str) -> str:
    for unit in ("req/s", "/s", "ms", "MB"):
        if unit in text:
            return "events/s" if unit == "/s" and "rebuild" in text else unit
    return ""


def json_rows(results: list[StoreResult]) -> list[dict[str, object]]:
    """Every figure as {"name","store","value","unit","substrate","ratio","target","met"},
    so later runs can be compared with this one."""
    rows = []
    for result in results:
        for row in result.rows:
            rows.append(
                {
                    "name": row.measure,
                    "store": result.store,
                    "value": _number(row.ours),
                    "unit": _unit(row.ours) or _unit(row.measure),
                    "substrate": _number(row.substrate),
                    "ratio": _number(row.ratio),
                    "target": row.target,
                    "met": {"met": True, "MISSED": False}.get(row.status),
                }
            )
    return rows
