"""/healthz, /metrics, request ids, JSON access logs and the gunicorn worker settings."""

from __future__ import annotations

import ctypes
import logging
import runpy

from tests.jobs.test_jobs import run_job


def test_healthz_reports_database_lag_and_clock(client, store, people):
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.json
    assert body["database"] == "ok" and body["projection_lag"] == 0
    assert body["status"] == "degraded" and body["scheduler_heartbeat_age_seconds"] is None  # no clock has run


def test_metrics_for_the_local_host_with_latency_lag_and_job_runs(client, store, people, app):
    run_job(store, "reminders", app.extensions["container"].store.today())
    client.get("/login")
    local = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert local.status_code == 200
    text = local.get_data(as_text=True)
    assert 'fisc_http_request_seconds_bucket{le="0.005",method="GET",route="/login",status="200"}' in text
    assert "fisc_projection_lag_events 0.0" in text
    assert 'fisc_job_runs_total{job="reminders",outcome="ok"} 1.0' in text
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403


def test_every_response_carries_a_request_id_and_one_access_line(client, caplog, people):
    caplog.set_level(logging.INFO, logger="access")
    response = client.get("/login", headers={"X-Request-ID": "abc12345-test"})
    assert response.headers["X-Request-ID"] == "abc12345-test"
    generated = client.get("/login", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
    assert len(generated) == 16 and generated.isalnum()  # a forged id is replaced, never echoed
    lines = [record.msg for record in caplog.records if record.name == "access"]  # the fields, rendered by the handler
    assert {"request_id": "abc12345-test", "path": "/login", "status": 200} .items() <= lines[0].items()


def test_gunicorn_workers_cap_their_malloc_arenas(monkeypatch):
    calls = []

    class Libc:
        def __init__(self, name):
            self.mallopt = lambda parameter, value: calls.append((parameter, value)) or 1

    monkeypatch.setattr(ctypes, "CDLL", Libc)
    settings = runpy.run_path("gunicorn.conf.py")
    settings["post_fork"](server=None, worker=None)
    assert calls == [(settings["M_ARENA_MAX"], 2)]


def test_a_request_refused_before_any_view_still_carries_its_id(client, caplog, people):
    """The body, CSRF and second-factor checks run after the request has its id and timer."""
    caplog.set_level(logging.INFO, logger="access")
    refused = client.put(
        "/api/v1/engagements/x/items/1/answer",
        data="{not json",
        content_type="application/json",
        headers={"X-Request-ID": "refused-early-1"},
    )
    assert refused.status_code == 400 and refused.headers["X-Request-ID"] == "refused-early-1"
    lines = [record.msg for record in caplog.records if record.name == "access"]
    assert {"request_id": "refused-early-1", "status": 400}.items() <= lines[-1].items()
