"""``python -m bench``: measure, print one table per store, write Markdown."""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from service.config import Settings

from .dataset import PASSWORD, Dataset, load
from .report import (
    json_rows,
    REPO,
    Row,
    StoreResult,
    header_lines,
    machine,
    markdown,
    ms,
    not_measured,
    percentile,
    rate,
    ratio,
    structured_logs_to_stderr,
    table,
    verdict,
    versions,
)

STORE_LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
TOTP_STATE = "totp-last-step"

# (key, measure, target) of every row a step produces, so a failed step still prints its rows with the reason
LATENCY = (
    ("board", "p50/p95 ms: board page GET /", "p95 ≤ 50 ms"),
    ("page", "p50/p95 ms: engagement page GET /engagements/<id>", "p95 ≤ 30 ms"),
    ("timeline", "p50/p95 ms: timeline GET /api/v1/engagements/<id>/timeline", "p95 ≤ 20 ms"),
    ("inbox", "p50/p95 ms: inbox GET /api/v1/inbox", "none stated (info)"),
    ("api", "p50/p95 ms: GET /api/v1/engagements/<id>", "none stated (info)"),
)
LATENCY_LIMITS = {"board": 50.0, "page": 30.0, "timeline": 20.0}
SUBSTRATE_IS = {
    "board": "the handler's Views calls made directly on a fresh container (board page of 50, state counts, connectors, inbox, notices, session user)",
    "page": "eventsourcing repository.get(id) of the same engagements in the same order on a fresh container (same cache size)",
    "timeline": "SQLAlchemy SELECT of the engagement's rm_timeline rows, same engagements",
    "inbox": "Views.inbox(actor, today) called directly (its SQL and row mapping)",
    "api": "eventsourcing repository.get(id), same engagements and order as the API run",
}
LEGEND = [
    "ours: the figure through this project's code; substrate: what eventsourcing / SQLAlchemy / Flask alone do for "
    "the same work in the same run, on the same store; ours/substrate: rates ours÷substrate (higher is better), "
    "latencies ours÷substrate at p95 (lower is better).",
    "status: met / MISSED against the issue's target; info: context without a target; not measured: the reason is in the cells.",
    "Latencies are measured in a fresh process through Flask's test client (no network); p50/p95 are nearest-rank "
    "percentiles after warm-up requests; engagements are drawn at random from the logged-in reviewer's bank.",
    "gunicorn: production gunicorn.conf.py (gthread, 4 threads per worker; the app's JSON request log to a file) with "
    "-w 2; every client first asks for every page once (warm-up), so the timed load is the steady state; the load "
    "client runs in the bench process on the same 2-core machine, so it competes with the workers for CPU.",
    "PostgreSQL, when it follows SQLite in the same run, gets the same dataset by copying the SQLite store as loaded "
    "(maintenance.copy_store, the copy step of `migrate --to`) instead of replaying the domain verbs again, and the "
    "read models as SQLite built them; its own projection code is timed by the rebuild row, measured last.",
    "Full size (--engagements 20000, ~2.1M events) took 17–21 min for both stores with --rebuild-budget 30 on a "
    "2-vCPU AMD EPYC (bench/README.md); loading, the first catch-up of the read models and the budgeted "
    "rebuilds take most of it.",
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure the review service against its substrate (eventsourcing, SQLAlchemy, Flask) on SQLite "
        "and PostgreSQL; print one table per store and write them as Markdown. "
        "The default (300 engagements, ~32k events) takes 1–1.5 minutes for both stores on 2 cores; "
        "the issue's full size, --engagements 20000 (~2.1M events), 17–21 minutes with --rebuild-budget 30.",
    )
    parser.add_argument("--engagements", type=int, default=300, help="engagements to generate (default 300; the issue's full size is 20000)")
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated: sqlite, postgres (default both, in that order)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the dataset and request mix")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "latest.md", help="Markdown output file")
    parser.add_argument("--commands", type=int, default=500, help="commands per repeat (default 500)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the command measurement (median)")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per endpoint (default 60)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per endpoint first")
    parser.add_argument("--asof-events", type=int, default=1000, help="events of the as-of engagement (default 1000)")
    parser.add_argument("--asof-samples", type=int, default=30, help="as-of calls timed")
    parser.add_argument("--rebuild-budget", type=float, default=120.0, help="seconds per read model rebuild before it is cut (default 120)")
    parser.add_argument("--load-threads", type=int, default=4, help="client threads of the gunicorn load (default 4)")
    parser.add_argument("--load-requests", type=int, default=1000, help="requests per client thread (default 1000)")
    parser.add_argument("--load-seconds", type=float, default=20.0, help="deadline of the gunicorn load (default 20 s)")
    parser.add_argument("--fanout", type=int, default=1000, help="monitoring engagements one change report reaches (default 1000, the issue's; 0 skips)")
    parser.add_argument("--cache-size", type=int, default=Settings.aggregate_cache_size, help=f"AGGREGATE_CACHE_MAXSIZE of every container and of the bare substrate application (default {Settings.aggregate_cache_size}, the product's)")
    parser.add_argument("--postgres-url", default=None, help="PostgreSQL server (default BENCH_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/test)")
    parser.add_argument("--profile", action="store_true", help="after measuring, profile commands, as-of, the web requests and the slowest rebuild (cProfile; untimed) and add the dominating functions to the notes")
    args = parser.parse_args(argv)
    args.stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    for store in args.stores:
        if store not in STORE_LABELS:
            parser.error(f"unknown store {store!r} (sqlite, postgres)")
    if args.engagements < 10:
        parser.error("--engagements must be at least 10")
    args.repeats_rebuild_raw = 3
    return args


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError as error:
        return f"unknown ({error})"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def guarded(result: StoreResult, rows: list[tuple[str, str]], step: str, call: Callable[[], Any]) -> Any:
    """Run a step; if it fails, its rows carry the reason instead of figures."""
    started = time.perf_counter()
    log(f"{result.store}: {step} …")
    try:
        value = call()
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        reason = f"{step} failed: {type(error).__name__}: {error}"
        for measure, target in rows:
            result.rows.append(not_measured(measure, target, reason))
        return None
    log(f"{result.store}: {step} done in {time.perf_counter() - started:.1f} s")
    return value


# ------------------------------------------------------------------ web latency (subprocess) and gunicorn


def latency_rows(data: dict[str, Any], result: StoreResult) -> None:
    substrate = data["substrate"]
    for key, measure, target in LATENCY:
        mine, base = data[key], substrate[key]
        p50, p95, b50, b95 = percentile(mine, 50), percentile(mine, 95), percentile(base, 50), percentile(base, 95)
        limit = LATENCY_LIMITS.get(key)
        result.rows.append(
            Row(
                f"{measure} (n={len(mine)})",
                f"p50 {ms(p50)} / p95 {ms(p95)}",
                f"p50 {ms(b50)} / p95 {ms(b95)}",
                SUBSTRATE_IS[key],
                ratio(p95, b95),
                target,
                verdict(p95 <= limit) if limit else "info",
            )
        )
    noop = data["noop"]
    result.rows.append(
        Row(
            f"p50/p95 ms: HTTP floor, no-op route with login_required (n={len(noop)})",
            f"p50 {ms(percentile(noop, 50))} / p95 {ms(percentile(noop, 95))}",
            "same figure",
            "Flask routing + session + user load + security headers through the test client (added by the bench at runtime)",
            "1.00×",
            "info",
            "info",
        )
    )
    if "asof_api" in data:
        asof = data["asof_api"]
        result.rows.append(
            Row(
                f"p50/p95 ms: as-of via GET /api/v1/engagements/<id>?as_of= at ~1,000 events (n={len(asof)})",
                f"p50 {ms(percentile(asof, 50))} / p95 {ms(percentile(asof, 95))}",
                "see as-of row",
                "the in-process as-of reconstruction above",
                "not computed",
                "info",
                "info",
            )
        )


def rss_row(data: dict[str, Any], result: StoreResult) -> None:
    mine, base = data["rss_mb"], data["rss_after_start_mb"]
    result.rows.append(
        Row(
            "web process RSS MB after the latency runs (VmRSS)",
            f"{mine:.1f} MB",
            f"{base:.1f} MB",
            "the same process right after bootstrap + create_app() + login, before the timed requests",
            ratio(mine, base),
            "≤ 150 MB",
            verdict(mine <= 150),
        )
    )


def run_web(store: Any, dataset: Dataset, asof: tuple[str, list[str]] | None, args: argparse.Namespace, result: StoreResult) -> None:
    bank = dataset.banks[0]
    ids = [e.id for e in dataset.of_bank(0)]
    spec = {
        "settings": store.settings_json(),
        "email": bank.reviewer_email,
        "password": PASSWORD,
        "engagement_ids": ids,
        "requests": args.requests,
        "warmup": args.warmup,
        "seed": args.seed + 7,
        "asof": {"id": asof[0], "instants": asof[1]} if asof else None,
        "profile": args.profile,
        "totp_secret": store.totp_secret,
        "totp_state": str(store.workdir / TOTP_STATE),
    }
    process = subprocess.run(
        [sys.executable, "-m", "bench.webproc"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=1800,
    )
    if process.returncode != 0:
        lines = process.stderr.strip().splitlines() or ["no output"]
        raise RuntimeError(f"bench.webproc exited with {process.returncode}: {lines[-1].strip()}")
    data = json.loads(process.stdout.strip().splitlines()[-1])
    latency_rows(data, result)
    rss_row(data, result)
    result.notes.append(
        f"latency: {args.requests} timed requests per endpoint after {args.warmup} warm-up, over the {len(ids)} engagements "
        f"of bank 1 (reviewer), fresh process with a cold aggregate cache"
    )
    for note in data.get("profiles", []):
        result.notes.append(note)


def run_gunicorn(container: Any, store: Any, dataset: Dataset, args: argparse.Namespace, result: StoreResult, exclude: set[str]) -> None:
    from .loadtest import Gunicorn, load
    from .totp import enrol, next_code

    bank = dataset.banks[0]
    paths = [f"/engagements/{e.id}" for e in dataset.of_bank(0) if e.id not in exclude]
    # a second reviewer of the same bank with a second factor of its own: the latency process
    # has just used the first reviewer's fresh TOTP steps, and a login must not wait for the next
    email = bank.reviewer_email.replace("reviewer@", "reviewer2@")
    accounts = container.accounts
    reviewer = accounts.actor(accounts.add_user(email=email, name="審査 負荷", org_id=bank.org_id, role="reviewer", password=PASSWORD))
    state = store.workdir / f"{TOTP_STATE}-gunicorn"
    secret = enrol(container, reviewer, state)
    server = Gunicorn(store.env(), store.workdir)
    try:
        server.start()
        cookie = server.login(email, PASSWORD, next_code(secret, state))
        # warm-up: every connection asks for every page once, so each worker has rendered what it
        # will serve; the timed run is the steady state (the cold render is the engagement-page row)
        load(server.port, paths, cookie, args.load_threads, len(paths), 600, args.seed, in_order=True)
        pages = load(server.port, paths, cookie, args.load_threads, args.load_requests, args.load_seconds, args.seed + 1)
        floor = load(server.port, ["/static/app.css"], cookie, args.load_threads, args.load_requests, min(5.0, args.load_seconds), args.seed + 2)
        rss = server.worker_rss_mb()
    finally:
        server.stop()
    result.rows.append(
        Row(
            f"requests/s: engagement page under gunicorn -w 2 ({args.load_threads} keep-alive clients; "
            f"{pages.requests:,} ok, {pages.errors} errors in {pages.seconds:.1f} s; p50 {ms(pages.p50_ms)} / p95 {ms(pages.p95_ms)})",
            rate(pages.rate).replace("/s", " req/s"),
            rate(floor.rate).replace("/s", " req/s"),
            f"GET /static/app.css from the same gunicorn, same clients and session ({floor.requests:,} in {floor.seconds:.1f} s): "
            "the server + Flask floor with the app's before/after-request hooks, no engagement data",
            ratio(pages.rate, floor.rate),
            "≥ 300 req/s",
            verdict(pages.rate >= 300 and pages.errors == 0),
        )
    )
    if rss:
        result.rows.append(
            Row(
                "gunicorn worker RSS MB after the load (VmRSS of each worker)",
                " / ".join(f"{value:.1f} MB" for value in rss),
                "see web process RSS",
                "the fresh web process above",
                "not computed",
                "≤ 150 MB (same target)",
                verdict(max(rss) <= 150),
            )
        )


# ------------------------------------------------------------------ one store


@dataclass
class LoadedStore:
    """The SQLite run's store as loaded and caught up (a backup taken before any measurement),
    for the PostgreSQL run to copy instead of replaying the domain verbs and projecting again."""

    directory: Path
    dataset: Dataset


def load_or_copy(container: Any, store: Any, loaded: LoadedStore | None, args: argparse.Namespace, label: str, notes: list[str]) -> Dataset:
    """The dataset on this store: copied from ``loaded`` when there is one (what ``migrate``
    does before its catch-up, with the same events at the same positions), else loaded."""
    if loaded is None:
        step = max(1, args.engagements // 10)

        def progress(done: int, total: int) -> None:
            if done % step == 0 or done == total:
                log(f"{label}: loaded {done:,}/{total:,} engagements")

        dataset = load(container, args.engagements, random.Random(args.seed), progress)
        notes.append(dataset.summary())
        return dataset
    from service.bootstrap import bootstrap
    from service.maintenance import analyze, copy_store

    source = bootstrap(replace(store.settings, database_url=f"sqlite:///{loaded.directory / 'app.db'}", database_schema=None, blob_dir=loaded.directory / "blobs"))
    try:
        started = time.perf_counter()
        events, snapshots, _ = copy_store(source, container)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        rows = copy_read_models(source, container)
        analyze(container)  # as `migrate` does after its bulk load
        read_model_seconds = time.perf_counter() - started
    finally:
        source.close()
    notes.append(loaded.dataset.summary() + " (on SQLite)")
    notes.append(
        f"the same dataset here: the SQLite store as loaded, copied with maintenance.copy_store (the copy step of "
        f"`migrate --to`): {events:,} events at the same positions and {snapshots:,} snapshots in {seconds:.0f} s "
        f"({events / max(seconds, 1e-9):,.0f} events/s); its read models as caught up there ({rows:,} rows with their "
        f"tracking positions) copied with COPY, and every table analysed as `migrate` does, in {read_model_seconds:.0f} s, so that this "
        "store's projection code is timed by the rebuild row rather than by a second first catch-up"
    )
    return loaded.dataset


def copy_read_models(source: Any, target: Any) -> int:
    """Every read-model row and tracking position of the SQLite ``source`` into the
    PostgreSQL ``target`` with COPY, in one transaction; returns the rows copied. SQLite
    keeps timestamps as UTC text without a zone, read here in a UTC session."""
    import sqlite3
    from contextlib import closing

    from psycopg.sql import Identifier

    from service.maintenance import copy_rows
    from service.projections.runner import tracking, versions
    from service.storage import sqlite_path

    tables = [table for projection in source.projections.projections.values() for table in projection.tables]
    tables += [tracking, versions]
    copied = 0
    with closing(sqlite3.connect(sqlite_path(source.settings))) as reader, target.engine.begin() as writer:
        with writer.connection.cursor() as cursor:
            cursor.execute("SET LOCAL TIME ZONE 'UTC'")
            for table in tables:
                columns = tuple(column.name for column in table.columns)
                cursor.execute(f"DELETE FROM {table.name}")
                selected = ", ".join(f'"{name}"' for name in columns)
                copied += copy_rows(reader.execute(f"SELECT {selected} FROM {table.name}"), cursor, Identifier(table.name), columns)
    return copied


def first_catch_up(container: Any, notes: list[str]) -> int:
    """Build the read models of a freshly loaded store in one pass, each event decoded once."""
    started = time.perf_counter()
    applied = container.projections.catch_up()
    seconds = time.perf_counter() - started
    notes.append(
        f"first catch-up of all {len(container.projections.projections)} read models after loading (one pass, each event "
        f"decoded once, what `migrate` and a new projector do): {applied:,} events in {seconds:.1f} s ({applied / max(seconds, 1e-9):,.0f} events/s)"
    )
    return applied


def run_store(kind: str, args: argparse.Namespace, loaded: LoadedStore | None = None, keep_copy: Path | None = None) -> tuple[StoreResult, str | None, LoadedStore | None]:
    """One store's table; with ``keep_copy``, the loaded store is also backed up there (and
    returned) for a later store to copy."""
    from . import fanout, measures
    from .profiling import maybe_profile
    from .stores import DEFAULT_POSTGRES_URL, make_store

    label = STORE_LABELS[kind]
    result = StoreResult(label)
    started = time.perf_counter()
    planned = {
        "commands": [("commands/s: review.save_answer", measures.COMMAND_TARGET)],
        "rebuild": [("projection rebuild events/s", measures.REBUILD_TARGET)],
        "web": [(measure, target) for _, measure, target in LATENCY] + [("web process RSS MB", "≤ 150 MB")],
        "asof": [("as-of reconstruction ms at 1,000 events", measures.ASOF_TARGET)],
        "gunicorn": [("requests/s: engagement page under gunicorn -w 2", "≥ 300 req/s")],
        "xlsx": [("xlsx export ms (44 items)", measures.XLSX_EXPORT_TARGET), ("xlsx import ms (44 items)", measures.XLSX_IMPORT_TARGET)],
        "fanout": [("change report fan-out s", fanout.FANOUT_TARGET)] if args.fanout else [],
    }
    all_rows = [row for rows in planned.values() for row in rows]
    try:
        store = make_store(kind, cache_size=args.cache_size, postgres_url=args.postgres_url or DEFAULT_POSTGRES_URL)
    except Exception as error:
        for measure, target in all_rows:
            result.rows.append(not_measured(measure, target, f"{label} unavailable: {type(error).__name__}: {error}"))
        return result, None, None
    pg_version = None
    container = None
    kept = None
    try:
        pg_version = store.postgres_version()
        result.notes.append(f"load average at start (other processes share the 2 cores): {loadavg()}")
        container = store.container(project_synchronously=False)
        dataset = guarded(result, all_rows, "load dataset", lambda: load_or_copy(container, store, loaded, args, label, result.notes))
        if dataset is None:
            return result, pg_version, None
        if loaded is None and guarded(result, all_rows, "first catch-up", lambda: first_catch_up(container, result.notes)) is None:
            return result, pg_version, None
        if keep_copy is not None:
            from service.maintenance import backup

            kept = LoadedStore(backup(container, keep_copy), dataset)
        from .totp import enrol

        # reviewers must use a second factor: enrol one for the bench reviewer through the real use case
        store.totp_secret = enrol(container, dataset.banks[0].reviewer, store.workdir / TOTP_STATE)
        section: dict[str, list[Row]] = {}

        def collect(name: str, rows: list[tuple[str, str]], title: str, call: Callable[[StoreResult], Any]) -> Any:
            sub = StoreResult(label)
            value = guarded(sub, rows, title, lambda: call(sub))
            section[name] = sub.rows
            result.notes.extend(sub.notes)
            return value

        collect("commands", planned["commands"], "commands", lambda sub: measures.measure_commands(container, dataset, store.bare_env(), args, sub))
        asof = collect("asof", planned["asof"], "as-of", lambda sub: measures.measure_as_of(container, dataset, args, sub))
        full = [e for e in dataset.of_story("submitted", "under_review", "monitoring") if e.active_items == 44]
        if full:
            collect("xlsx", planned["xlsx"], "xlsx", lambda sub: sub.rows.extend(measures.measure_xlsx(container, full[0].id)))
        else:
            section["xlsx"] = [not_measured(measure, target, "no engagement with all 44 items answered") for measure, target in planned["xlsx"]]
        if args.profile:
            profile_in_process(container, dataset, asof, result)
        container.projections.catch_up()
        collect(
            "web",
            planned["web"],
            "latency through Flask (fresh process)",
            lambda sub: run_web(store, dataset, asof, args, sub),
        )
        exclude = {asof[0]} if asof else set()
        collect("gunicorn", planned["gunicorn"], "gunicorn load", lambda sub: run_gunicorn(container, store, dataset, args, sub, exclude))
        if args.fanout:  # adds its engagements to the log: after the latency runs, before the rebuild
            collect("fanout", planned["fanout"], "change report fan-out", lambda sub: fanout.measure_change_report(container, dataset, store.bare_env(), args.fanout, sub))
        # last: a rebuild cut by --rebuild-budget leaves its read model behind, and the store is dropped next
        slowest = collect("rebuild", planned["rebuild"], "projection rebuild", lambda sub: measures.measure_rebuild(container, args, sub))
        if args.profile and slowest:
            with maybe_profile(True, f"rebuild({slowest}) for up to 30 s", result.notes):
                measures.bounded_rebuild(container, slowest, 30.0)

        web_rows = section.get("web", [])
        latency = [r for r in web_rows if not r.measure.startswith("web process RSS")]
        rss = [r for r in web_rows if r.measure.startswith("web process RSS")]
        gunicorn = section.get("gunicorn", [])
        result.rows = (
            section.get("commands", [])
            + section.get("rebuild", [])
            + latency
            + section.get("asof", [])
            + rss
            + [r for r in gunicorn if "RSS" in r.measure]
            + section.get("fanout", [])
            + [r for r in gunicorn if "RSS" not in r.measure]
            + section.get("xlsx", [])
        )
        result.notes.append(f"load average at end: {loadavg()}")
    finally:
        if container is not None:
            container.close()
        store.drop()
        result.seconds = time.perf_counter() - started
    return result, pg_version, kept


def profile_in_process(container: Any, dataset: Dataset, asof: Any, result: StoreResult) -> None:
    """Untimed profiles of the in-process paths (figures are measured without the profiler)."""
    from .profiling import maybe_profile

    drafts = dataset.of_story("draft")
    if drafts:
        info = drafts[0]
        staff = dataset.connectors[info.connector].staff
        with maybe_profile(True, "save_answer ×200", result.notes):
            for k in range(200):
                container.review.save_answer(staff, info.id, 1, status="implemented", current_state=f"profile {k}")
    if asof:
        from datetime import datetime

        reviewer = dataset.banks[0].reviewer
        with maybe_profile(True, "as-of ×30", result.notes):
            for k in range(30):
                container.store.engagement(reviewer, asof[0], as_of=datetime.fromisoformat(asof[1][k % len(asof[1])]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    structured_logs_to_stderr()
    started = time.perf_counter()
    info = machine()
    results: list[StoreResult] = []
    pg_version = None
    args_line = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    print(f"FISC review service vs substrate — {args.engagements:,} engagements, seed {args.seed}", flush=True)
    loaded: LoadedStore | None = None
    copy_dir = Path(tempfile.mkdtemp(prefix="fisc-bench-loaded-"))
    try:
        for index, kind in enumerate(args.stores):
            keep = copy_dir / "sqlite" if kind == "sqlite" and "postgres" in args.stores[index + 1 :] else None
            result, version, kept = run_store(kind, args, loaded if kind == "postgres" else None, keep)
            loaded = kept or loaded
            pg_version = version or pg_version
            results.append(result)
            print(f"\n## {result.store} ({result.seconds:.0f} s)\n", flush=True)
            print(table(result.rows), flush=True)
            for note in result.notes:
                print(f"- {note}", flush=True)
    finally:
        shutil.rmtree(copy_dir, ignore_errors=True)
    header = header_lines(info, versions(pg_version), args_line)
    header.append(f"total time: {time.perf_counter() - started:.0f} s")
    print("\n" + "\n".join(header), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        markdown(f"Benchmark: {args.engagements:,} engagements", header, results, LEGEND), encoding="utf-8"
    )
    args.out.with_suffix(".json").write_text(json.dumps(json_rows(results), ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwritten: {args.out} and {args.out.with_suffix('.json')}", flush=True)
    return 0
