"""``python -m jobs``: the clock (one APScheduler process); ``python -m jobs run JOB
--today YYYY-MM-DD`` runs one job once and prints what it did as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import Sequence

from service.bootstrap import bootstrap

from . import SCHEDULES, run_job
from .clock import run_clock

BAD_INPUT = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {message}", file=sys.stderr)
        sys.exit(BAD_INPUT)


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m jobs", description="scheduled jobs of the review service")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run one job once")
    run.add_argument("job", choices=sorted(SCHEDULES))
    run.add_argument("--today", type=parse_day, help="the business day to run for (default: today in APP_TIMEZONE)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    container = bootstrap()
    try:
        container.init()
        if args.command == "run":
            today = args.today or datetime.now(container.settings.timezone).date()
            result = run_job(container, args.job, today)
            print(json.dumps({"job": args.job, "today": today.isoformat(), **result}, ensure_ascii=False))
            return 0
        return run_clock(container)
    finally:
        container.close()


if __name__ == "__main__":
    sys.exit(main())
