"""Long request lines and headers reach the app (its JSON envelope), not gunicorn's HTML page."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn_url():
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "livrili.test_settings", "DJANGO_DEBUG": "0"}
    env.update({"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "GUNICORN_ACCESSLOG": ""})
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn from the venv
        [str(Path(sys.executable).with_name("gunicorn")), "livrili.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/health", timeout=1)  # noqa: S310 - a local http URL
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def status_and_type(request):
    try:
        response = urllib.request.urlopen(request, timeout=5)  # noqa: S310 - a local http URL
    except urllib.error.HTTPError as error:
        response = error
    return response.status, response.headers.get("Content-Type", "").split(";")[0]


def test_a_long_api_url_and_a_long_header_get_the_envelope(gunicorn_url):
    long_path = "/api/v1/" + "x" * 6000
    long_header = urllib.request.Request(  # noqa: S310 - a local http URL
        gunicorn_url + "/api/v1/nothing", headers={"X-Long": "y" * 12_000}
    )

    assert status_and_type(gunicorn_url + long_path) == (404, "application/json")
    assert status_and_type(long_header) == (404, "application/json")
