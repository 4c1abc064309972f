"""Operations: request ids and JSON access logs, ``/healthz`` and Prometheus ``/metrics``."""

from __future__ import annotations

import re
import secrets
import time
from datetime import datetime, timezone

import structlog
from flask import Blueprint, Flask, abort, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

bp = Blueprint("ops", __name__)
access_log = structlog.get_logger("access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEARTBEAT_STALE_SECONDS = 180


class StoreCollector:
    """Figures read from the database at scrape time: projection lag and job runs."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        container = self.app.extensions["container"]
        lag = GaugeMetricFamily("fisc_projection_lag_events", "Events not yet applied by the slowest read model")
        lag.add_metric([], container.projections.lag())
        yield lag
        runs = CounterMetricFamily("fisc_job_runs", "Scheduled job runs recorded", labels=["job", "outcome"])
        for job, outcome, count in container.health.run_counts():
            runs.add_metric([job, outcome], count)
        yield runs


def init_ops(app: Flask) -> None:
    registry = CollectorRegistry()
    latency = Histogram(
        "fisc_http_request_seconds",
        "Request latency by route",
        ["method", "route", "status"],
        registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    )
    registry.register(StoreCollector(app))
    app.extensions["metrics_registry"] = registry

    @app.before_request
    def start_request() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else secrets.token_hex(8)
        g.started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=g.request_id)

    @app.after_request
    def finish_request(response):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        route = request.url_rule.rule if request.url_rule else "unmatched"
        latency.labels(request.method, route, str(response.status_code)).observe(elapsed)
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if not request.path.startswith("/static/"):
            access_log.info(
                "request",
                method=request.method,
                path=request.path,
                route=route,
                status=response.status_code,
                ms=round(elapsed * 1000, 1),
                client=request.remote_addr or "",
            )
        return response

    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz():
    """Database reachable, read models caught up, clock beating (200, or 503 when the database is down)."""
    container = current_app.extensions["container"]
    try:
        beat = container.health.last_beat()  # a query: it also proves the database answers
    except Exception as error:  # any database failure is what this endpoint reports
        return jsonify({"status": "down", "database": f"unreachable: {type(error).__name__}"}), 503
    lag = container.projections.lag()
    age = None if beat is None else round((datetime.now(timezone.utc) - beat).total_seconds())
    degraded = lag > 1000 or age is None or age > HEARTBEAT_STALE_SECONDS
    return jsonify(
        {
            "status": "degraded" if degraded else "ok",
            "database": "ok",
            "projection_lag": lag,
            "scheduler_heartbeat_age_seconds": age,
        }
    )


@bp.get("/metrics")
def metrics():
    """Prometheus metrics, for the local host or a bearer of METRICS_TOKEN."""
    token = current_app.extensions["container"].settings.metrics_token
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    local = request.remote_addr in ("127.0.0.1", "::1")
    if not (local and not token) and not (token and secrets.compare_digest(given, token)):
        abort(403)
    return generate_latest(current_app.extensions["metrics_registry"]), 200, {"Content-Type": CONTENT_TYPE_LATEST}
