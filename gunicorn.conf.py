"""Gunicorn settings (read from the working directory by default). Measured on the 2-core bench
machine (docs/performance.md): sync workers, three per core, had the highest throughput and by
far the shortest tails (threads of one process queue behind the GIL after each database round
trip). Sync workers serve one request each and close the connection: run them behind a
buffering reverse proxy (nginx), which holds slow clients and keep-alive connections."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("GUNICORN_WORKERS", 3 * len(os.sched_getaffinity(0))))  # cores this process may use
threads = int(os.environ.get("GUNICORN_THREADS", "1"))  # above 1, gunicorn switches to gthread
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))  # gthread only; longer than client think time
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # "" turns it off (the bench)
# Gunicorn refuses longer request lines and headers with its own HTML 414/431, before the app can
# answer the JSON envelope: allow its maximum line and 16 KB headers (long filters and tokens then
# reach the app, which bounds what it reads); beyond, see docs/decisions.md ("API input hygiene").
limit_request_line = 8190
limit_request_field_size = 16384
# Peers allowed to set X-Forwarded-Proto and the forwarder headers: the local proxy only by
# default; list the proxy's address (or network) when it runs elsewhere, never "*".
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
