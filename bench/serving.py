"""What the load tools (bench/run.py, fuzz/run.py, chaos/run.py) share: the production-like
environment they run the app in, and a gunicorn they start, wait for and stop as a group.

Each tool imports it with the project root on sys.path (`from bench.serving import …`).
"""

import os
import secrets
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"  # the only address the tools start servers on and send requests to


def production_env(*, database_url: str, redis_url: str, **extra: str) -> dict:
    """The environment of a production server (DEBUG off, a fresh secret) on local services."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_TESTING": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def start_gunicorn(
    command: list[str],
    *,
    cwd: Path,
    env: dict,
    health_url: str,
    log_file: Path | None = None,
    ready: Callable[[subprocess.Popen], bool] = lambda process: True,
    timeout: float = 60,
) -> subprocess.Popen:
    """Start gunicorn in its own process group (so `stop` ends its workers too) and wait until
    `health_url` answers 200 and `ready(process)` holds; RuntimeError when it exits or times out."""
    env = {**env, "GUNICORN_ACCESSLOG": ""}  # gunicorn.conf.py logs every request by default
    if log_file is None:
        process = subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True)  # noqa: S603
    else:
        with log_file.open("ab") as out:  # the application's log too: 4xx warnings, 5xx tracebacks
            process = subprocess.Popen(  # noqa: S603
                command, cwd=cwd, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT
            )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode})")
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:  # noqa: S310 (our own server)
                if response.status == 200 and ready(process):
                    return process
        except OSError:
            pass
        time.sleep(0.3)
    stop(process)
    raise RuntimeError(f"gunicorn did not answer {health_url} within {timeout:.0f} s")


def stop(process: subprocess.Popen | None, timeout: float = 30) -> None:
    """SIGTERM to the server's process group, SIGKILL when it does not end in `timeout`."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
