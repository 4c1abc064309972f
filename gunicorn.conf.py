"""gunicorn settings for production (Procfile: web)."""

import os

import gunicorn

gunicorn.SERVER = "fisc-review"  # no server name and version banner in responses

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 50000  # a safety net only: memory is bounded by the LRU caches, and a recycled worker starts cold
max_requests_jitter = 5000
accesslog = None  # the app writes one JSON line per request, with its request id (service/web/ops.py)
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # the workers' heartbeat file, off the disk
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

M_ARENA_MAX = -8  # glibc's mallopt parameter
WORKER_MALLOC_ARENAS = 2


def post_fork(server, worker):  # noqa: ANN001, ARG001 - gunicorn's hook signature
    """Cap glibc's malloc arenas in each worker: every request thread would otherwise get an
    arena of its own, and memory freed in one is not reused by the others (5–7 MB less per
    worker after the bench's load, the same requests/s). Elsewhere than glibc, nothing to do."""
    import ctypes
    import ctypes.util

    libc = ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(libc), "mallopt", None) if libc else None
    if mallopt is not None:
        mallopt(M_ARENA_MAX, WORKER_MALLOC_ARENAS)
