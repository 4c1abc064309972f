"""Command line: ``python -m service …`` (also installed as ``fisc-review``).

Exit code 0 on success, 2 on bad input with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

import psycopg
from sqlalchemy.exc import OperationalError

from .bootstrap import Container, bootstrap
from .catalogue import CatalogueError, edition_to_dict
from .config import ConfigError, checked_schema
from .domain.codes import OrgKind, Role
from .domain.errors import DomainError
from .logs import keep_off_terminal
from .messages import error_message

BAD_INPUT = 2


class CliError(Exception):
    """Bad input noticed by the command itself."""


class Parser(argparse.ArgumentParser):
    """argparse with the contract's one-line error and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {message}", file=sys.stderr)
        sys.exit(BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="fisc-review", description="FISC API接続チェックリスト review service")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("init", help="create the schema and load the bundled checklist edition")

    org = commands.add_parser("org", help="organisations").add_subparsers(dest="action", required=True)
    org_add = org.add_parser("add", help="add an organisation; prints its id")
    org_add.add_argument("--name", required=True)
    org_add.add_argument("--kind", required=True, choices=[kind.value for kind in OrgKind])

    user = commands.add_parser("user", help="users").add_subparsers(dest="action", required=True)
    user_add = user.add_parser("add", help="add a user; the password is read from stdin")
    user_add.add_argument("--email", required=True)
    user_add.add_argument("--name", required=True)
    user_add.add_argument("--org", required=True, help="organisation id")
    user_add.add_argument("--role", required=True, choices=[role.value for role in Role.assignable()])
    for action, text in (("disable", "disable a user (ends its sessions and tokens)"), ("enable", "enable a user again")):
        user.add_parser(action, help=text).add_argument("--email", required=True)

    catalogue = commands.add_parser("catalogue", help="checklist editions").add_subparsers(dest="action", required=True)
    export = catalogue.add_parser("export", help="print an edition as JSON")
    export.add_argument("--edition", help="edition id (default: the current edition)")

    commands.add_parser("demo", help="load demo organisations, users and engagements; prints the logins")

    projections = commands.add_parser("projections", help="read models").add_subparsers(dest="action", required=True)
    rebuild = projections.add_parser("rebuild", help="rebuild read models from the event log (resumes if interrupted)")
    rebuild.add_argument("name", nargs="?", help="one read model (default: all)")

    audit = commands.add_parser("audit", help="audit trail").add_subparsers(dest="action", required=True)
    audit.add_parser("verify", help="recompute the audit hash chain; exit 1 naming the first broken position")

    projector = commands.add_parser("projector", help="keep the read models up to date (Procfile: projector)")
    projector.add_argument("--interval", type=float, default=0.5, help="seconds between polls when idle")

    migrate = commands.add_parser("migrate", help="copy this SQLite store to PostgreSQL and verify it")
    migrate.add_argument("--to", required=True, help="postgresql://USER@HOST:PORT/DB")
    migrate.add_argument("--schema", help="PostgreSQL schema to create and use (default: public)")

    backup = commands.add_parser("backup", help="consistent copy of the SQLite store and the evidence files")
    backup.add_argument("--to", required=True, help="an empty directory")
    restore = commands.add_parser("restore", help="replace the SQLite store and evidence files with a backup")
    restore.add_argument("--from", dest="source", required=True, help="a directory written by backup")

    serve = commands.add_parser("serve", help="development server (production: gunicorn, see Procfile)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    return parser


def cmd_init(container: Container, _args: argparse.Namespace) -> None:
    loaded = container.init()
    for edition_id in loaded:
        print(f"loaded checklist edition {edition_id}", file=sys.stderr)


def cmd_org(container: Container, args: argparse.Namespace) -> None:
    container.init()
    print(container.accounts.add_org(args.name, args.kind))


def cmd_user(container: Container, args: argparse.Namespace) -> None:
    container.init()
    accounts = container.accounts
    if args.action in ("disable", "enable"):
        # the operator's recovery path: no admin rule applies (it may enable an org's last admin again)
        accounts.set_active(accounts.user_id_for(args.email), args.action == "enable")
        print(f"{args.email.strip()} を{'有効' if args.action == 'enable' else '無効'}にしました。")
        return
    password = sys.stdin.readline().rstrip("\r\n")
    user_id = container.accounts.add_user(
        email=args.email, name=args.name, org_id=args.org, role=args.role, password=password
    )
    print(user_id)


def cmd_catalogue(container: Container, args: argparse.Namespace) -> None:
    container.init()
    edition = container.editions.get(args.edition) if args.edition else container.editions.current()
    json.dump(edition_to_dict(edition), sys.stdout, ensure_ascii=False, indent=2)
    print()


def cmd_demo(container: Container, _args: argparse.Namespace) -> None:
    from .demo import load_demo

    container.init()
    keep_off_terminal("security")  # the demo's own sign-ups stay in the security log, not above the logins
    for line in load_demo(container):
        print(line)


def cmd_projections(container: Container, args: argparse.Namespace) -> None:
    from tqdm import tqdm

    runner = container.projections
    container.init()
    names = [args.name] if args.name else list(runner.projections)
    unknown = [name for name in names if name not in runner.projections]
    if unknown:
        raise CliError(f"読み取りモデル {unknown[0]!r} はありません（{'、'.join(runner.projections)} のいずれか）。")
    head = container.store.recorder.max_notification_id() or 0
    for name in names:
        start = runner.positions()[name] if runner.is_rebuilding(name) else 0
        with tqdm(total=head - start, desc=name, unit="event", file=sys.stderr) as bar:
            runner.rebuild(name, progress=bar.update)


def cmd_audit(container: Container, _args: argparse.Namespace) -> int:
    from .projections.audit_chain import verify_chain

    container.init()
    result = verify_chain(container.engine, container.store.recorder)
    if result.broken_at is None:
        print(f"audit chain intact: {result.checked} events")
        return 0
    print(f"audit chain broken at position {result.broken_at}: {result.reason}", file=sys.stderr)
    return 1


def cmd_projector(container: Container, args: argparse.Namespace) -> None:
    from .projector import run_projector

    container.init()
    run_projector(container, interval=args.interval)


def cmd_migrate(container: Container, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .maintenance import migrate

    if not args.to.startswith(("postgresql://", "postgres://")):
        raise CliError("--to には postgresql:// の URL を指定してください。")
    container.init()
    schema = checked_schema(args.schema or None, "--schema")
    target_settings = replace(container.settings, database_url=args.to, database_schema=schema)
    target = bootstrap(target_settings)
    try:
        total = container.store.recorder.max_notification_id() or 0
        with tqdm(total=total, desc="events", unit="event", file=sys.stderr) as bar:
            report = migrate(container, target, progress=bar.update)
    finally:
        target.close()
    print(json.dumps({"events": report.events, "snapshots": report.snapshots, "rows": report.rows, "audit_chain_intact": report.chain_intact, "same_positions": report.same_positions}, ensure_ascii=False))
    return 0 if report.chain_intact else 1


def cmd_backup(container: Container, args: argparse.Namespace) -> None:
    from .maintenance import backup

    container.init()
    print(backup(container, Path(args.to)))


def cmd_restore(container: Container, args: argparse.Namespace) -> None:
    from .maintenance import restore

    restore(container, Path(args.source))
    print(f"restored from {args.source}")


def cmd_serve(container: Container, args: argparse.Namespace) -> None:
    from werkzeug.serving import WSGIRequestHandler

    from .app import create_app

    class QuietBanner(WSGIRequestHandler):
        server_version = "fisc-review"  # no server version banner
        sys_version = ""

    container.init()
    create_app(container).run(host=args.host, port=args.port, debug=False, request_handler=QuietBanner)


COMMANDS: dict[str, Callable[[Container, argparse.Namespace], int | None]] = {
    "init": cmd_init,
    "org": cmd_org,
    "user": cmd_user,
    "catalogue": cmd_catalogue,
    "demo": cmd_demo,
    "projections": cmd_projections,
    "audit": cmd_audit,
    "projector": cmd_projector,
    "migrate": cmd_migrate,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "serve": cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        container = bootstrap()
    except (ConfigError, CatalogueError) as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return BAD_INPUT
    except (OperationalError, psycopg.OperationalError) as error:
        print(f"error: cannot reach the database: {one_line(str(error))}", file=sys.stderr)
        return 1
    try:
        return COMMANDS[args.command](container, args) or 0
    except DomainError as error:  # the domain's own sentence (Japanese), else the text for its code
        print(f"error: {one_line(error.detail or error_message(error))}", file=sys.stderr)
        return BAD_INPUT
    except (CatalogueError, CliError, ConfigError) as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:  # e.g. `catalogue export | head`
        sys.stderr.close()
    finally:
        container.close()
    return 0


def one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
