"""Latency through the real Flask app, in a fresh process (like one web worker).

Run by ``python -m bench`` as ``python -m bench.webproc`` with a JSON spec on stdin;
prints one JSON document on stdout. The process builds its own container (cold
aggregate cache, as a newly started worker), logs in through ``/login`` (CSRF form)
and ``POST /api/v1/auth/token``, times the requests, reads its VmRSS, then times
the substrate calls (the same data access without Flask) on a second, fresh
container in the same order, so cold and warm cache hits line up.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = call()
    return (time.perf_counter() - started) * 1000, value


def main() -> None:
    spec = json.load(sys.stdin)
    from .report import structured_logs_to_stderr

    structured_logs_to_stderr()
    from flask_login import login_required

    from service.bootstrap import bootstrap
    from service.config import Settings
    from service.app import create_app

    s = spec["settings"]
    settings = Settings(
        database_url=s["database_url"],
        database_schema=s["database_schema"],
        secret_key=s["secret_key"],
        blob_dir=Path(s["blob_dir"]),
        aggregate_cache_size=s["aggregate_cache_size"],
        argon2_time_cost=s["argon2_time_cost"],
        argon2_memory_kib=s["argon2_memory_kib"],
        project_synchronously=True,  # as in production; these requests only read
    )
    container = bootstrap(settings)
    container.init()
    app = create_app(container)

    @login_required
    def noop() -> str:
        return "ok"

    app.add_url_rule("/__bench/noop", "bench_noop", noop)  # the HTTP floor: routing, session, user load
    client = app.test_client()

    from .totp import next_code

    state = Path(spec["totp_state"]) if spec.get("totp_state") else None
    page = client.get("/login")
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "email": spec["email"], "password": spec["password"]}
    code = next_code(spec.get("totp_secret"), state)
    if code:
        form["totp"] = code
    response = client.post("/login", data=form)
    if response.status_code != 302 or response.headers.get("Location", "").endswith("/account"):
        raise RuntimeError(f"page login answered {response.status_code} to {response.headers.get('Location')}")
    credentials = {"email": spec["email"], "password": spec["password"]}
    code = next_code(spec.get("totp_secret"), state)
    if code:
        credentials["totp"] = code
    response = client.post("/api/v1/auth/token", json=credentials)
    if response.status_code != 200:
        raise RuntimeError(f"token login answered {response.status_code}: {response.get_data(as_text=True)[:200]}")
    bearer = {"Authorization": f"Bearer {response.json['token']}"}
    rss_after_start = rss_mb()

    rng = random.Random(spec["seed"])
    ids: list[str] = spec["engagement_ids"]
    n, warmup = spec["requests"], spec["warmup"]
    sequences = {name: [rng.choice(ids) for _ in range(n + warmup)] for name in ("page", "timeline", "api")}

    def run(path_for: Callable[[int], str], headers: dict[str, str] | None = None) -> list[float]:
        timings = []
        for k in range(n + warmup):
            path = path_for(k)
            elapsed, response = timed(lambda: client.get(path, headers=headers))
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}")
            response.get_data()
            if k >= warmup:
                timings.append(elapsed)
        return timings

    results: dict[str, Any] = {}
    results["noop"] = run(lambda k: "/__bench/noop")
    results["board"] = run(lambda k: "/")
    results["page"] = run(lambda k: f"/engagements/{sequences['page'][k]}")
    results["timeline"] = run(lambda k: f"/api/v1/engagements/{sequences['timeline'][k]}/timeline", bearer)
    results["inbox"] = run(lambda k: "/api/v1/inbox", bearer)
    results["api"] = run(lambda k: f"/api/v1/engagements/{sequences['api'][k]}", bearer)
    asof = spec.get("asof")
    if asof:
        instants = asof["instants"]
        results["asof_api"] = run(
            lambda k: f"/api/v1/engagements/{asof['id']}?as_of={quote(instants[k % len(instants)])}", bearer
        )
    results["rss_mb"] = rss_mb()
    results["rss_after_start_mb"] = rss_after_start
    results["engagements"] = len(ids)

    # ---------------------------------------------------------------- substrate: the data access alone
    from sqlalchemy import select

    from service.projections.timeline import timeline
    from service.views import BoardFilter

    fresh = bootstrap(settings)
    actor = fresh.accounts.authenticate(spec["email"], spec["password"])
    views, repository = fresh.views, fresh.store.repository

    def board_calls() -> None:
        today = fresh.store.today()
        fresh.accounts.actor(actor.id)
        views.board(actor, BoardFilter(), limit=50)
        views.state_counts(actor)
        views.connectors(actor)
        views.inbox(actor, today)
        views.notifications(actor)

    def timeline_rows(engagement_id: str) -> None:
        with fresh.engine.connect() as connection:
            list(connection.execute(select(timeline).where(timeline.c.engagement_id == engagement_id).order_by(timeline.c.position)))

    def direct(call: Callable[[int], Any]) -> list[float]:
        timings = []
        for k in range(n + warmup):
            elapsed, _ = timed(lambda: call(k))
            if k >= warmup:
                timings.append(elapsed)
        return timings

    substrate: dict[str, Any] = {}
    substrate["board"] = direct(lambda k: board_calls())
    substrate["page"] = direct(lambda k: repository.get(uuid.UUID(sequences["page"][k])))
    substrate["timeline"] = direct(lambda k: timeline_rows(sequences["timeline"][k]))
    substrate["inbox"] = direct(lambda k: views.inbox(actor, fresh.store.today()))
    substrate["api"] = direct(lambda k: repository.get(uuid.UUID(sequences["api"][k])))
    results["substrate"] = substrate
    fresh.close()

    if spec.get("profile"):  # untimed: which functions dominate each request kind
        import cProfile

        from .profiling import summary

        results["profiles"] = []
        for label, path_for, headers in (
            ("GET / (board) ×30", lambda k: "/", None),
            ("GET /engagements/<id> ×30", lambda k: f"/engagements/{sequences['page'][k]}", None),
            ("GET timeline ×30", lambda k: f"/api/v1/engagements/{sequences['timeline'][k]}/timeline", bearer),
            ("GET /api/v1/inbox ×30", lambda k: "/api/v1/inbox", bearer),
        ):
            profile = cProfile.Profile()
            profile.enable()
            for k in range(30):
                client.get(path_for(k), headers=headers).get_data()
            profile.disable()
            results["profiles"].append(f"profile {label} — {summary(profile)}")
    container.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
