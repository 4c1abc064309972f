"""Requests/s of the engagement page under gunicorn (2 workers, 127.0.0.1 only).

gunicorn is started from the repository root with the production settings file
(``gunicorn.conf.py``: gthread workers, 4 threads, access log) and ``-w 2 -b
127.0.0.1:<free port> 'service.app:create_app()'``, pointed at the bench database
through the environment. This process logs in through ``/login`` to get a session
cookie, then runs a bounded load: ``threads`` keep-alive connections, each sending
a fixed number of requests or stopping at the deadline. gunicorn is stopped by
its process id at the end.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from .report import REPO, percentile

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cookie(response: http.client.HTTPResponse) -> str | None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return None


class Gunicorn:
    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.log_path = workdir / "gunicorn.log"
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> None:
        command = [
            sys.executable, "-m", "gunicorn",
            "--config", str(REPO / "gunicorn.conf.py"),
            "-w", "2",
            "-b", f"127.0.0.1:{self.port}",
            "service.app:create_app()",
        ]  # fmt: skip
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.log_tail()}")
            try:
                status, _, _ = self.get("/login")
                if status == 200 and len(self.workers()) >= 2:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s: {self.log_tail()}")

    def log_tail(self) -> str:
        """The worker's exception if the log has one (the master's last words otherwise)."""
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        errors = [line.strip() for line in lines if re.match(r"^\w+(\.\w+)*(Error|Exception)\b", line.strip())]
        return errors[-1] if errors else " / ".join(lines[-2:])

    def get(self, path: str, cookie: str | None = None) -> tuple[int, str, http.client.HTTPResponse]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace"), response
        finally:
            connection.close()

    def login(self, email: str, password: str, totp: str | None = None) -> str:
        status, html, response = self.get("/login")
        cookie = _cookie(response)
        match = CSRF.search(html)
        if status != 200 or not cookie or not match:
            raise RuntimeError(f"GET /login answered {status} without a form and a session cookie")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            form = {"csrf_token": match.group(1), "email": email, "password": password}
            if totp:
                form["totp"] = totp
            body = urlencode(form)
            connection.request(
                "POST", "/login", body=body, headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
            )
            response = connection.getresponse()
            response.read()
            session = _cookie(response)
            location = response.getheader("Location", "")
            if response.status != 302 or not session or location.endswith("/account"):
                raise RuntimeError(f"POST /login answered {response.status} to {location or 'nowhere'}")
            return session
        finally:
            connection.close()

    def workers(self) -> list[int]:
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def worker_rss_mb(self) -> list[float]:
        found = []
        for pid in self.workers():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        found.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return found

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.workers()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in workers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.kill()
            self.process.wait(timeout=10)


def load(
    port: int, paths: list[str], cookie: str, threads: int, per_thread: int, deadline_s: float, seed: int, *, in_order: bool = False
) -> LoadResult:
    """``threads`` keep-alive connections, each ``per_thread`` GETs or until the deadline: of
    random paths, or (``in_order``) of every path in turn, each connection from its own start."""
    timings: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    barrier = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def worker(index: int) -> None:
        rng = random.Random(seed + index)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        start = index * len(paths) // threads
        for k in range(per_thread):
            if time.perf_counter() > stop_at[0]:
                break
            path = paths[(start + k) % len(paths)] if in_order else rng.choice(paths)
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    timings[index].append((time.perf_counter() - started) * 1000)
                else:
                    errors[index] += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    started = time.perf_counter()
    stop_at[0] = started + deadline_s
    barrier.wait()
    for thread in pool:
        thread.join(deadline_s + 60)
    seconds = time.perf_counter() - started
    flat = [t for per in timings for t in per]
    if not flat:
        raise RuntimeError(f"no request succeeded ({sum(errors)} errors)")
    return LoadResult(len(flat), sum(errors), seconds, percentile(flat, 50), percentile(flat, 95))
