"""The bench's CPU meter (bench/cpu.py): each process's CPU over the window goes to its kind."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.cpu import CpuMeter, processes

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


def burn(seconds: float, then_sleep: float = 0.0) -> list[str]:
    """A Python process that spends `seconds` of CPU (by its own clock), then sleeps."""
    code = (
        "import time\n"
        f"end = time.process_time() + {seconds}\n"
        "while time.process_time() < end: pass\n"
        f"time.sleep({then_sleep})\n"
    )
    return [sys.executable, "-c", code]


def metered(load_command: list[str], web_command: list[str], web_cpu: float) -> dict:
    """As bench/run.py: the load generator started, then the meter, the window opened; the server
    is known by its process group (gunicorn runs in a session of its own). The window closes once
    the load has ended and the server holds `web_cpu` seconds; the cost of 10 requests."""
    load = subprocess.Popen(load_command)  # noqa: S603
    web = subprocess.Popen(web_command, start_new_session=True)  # noqa: S603
    meter = CpuMeter({web.pid}, load.pid)
    meter.start()
    try:
        load.wait()
        deadline = time.monotonic() + 10
        while processes().get(web.pid, ("", 0, 0.0))[2] < web_cpu and time.monotonic() < deadline:
            time.sleep(0.02)
        return meter.stop(requests=10)
    finally:
        web.kill()
        web.wait()


def test_the_web_servers_cpu_and_the_load_generators_are_charged_to_them_per_request():
    # each sleeps first: the window is open before it burns
    load = [sys.executable, "-c", "import time; time.sleep(0.1)\n" + burn(0.3)[2]]
    web = [sys.executable, "-c", "import time; time.sleep(0.2)\n" + burn(0.2, then_sleep=5)[2]]
    cost = metered(load, web, web_cpu=0.2)
    # per request (10 of them): the server's 0.2 s (and whatever of its start fell in the window),
    # the load generator's 0.3 s and its start
    assert 19_000 <= cost["web"] <= 30_000, cost
    assert 29_000 <= cost["load"] <= 45_000, cost
    assert cost["total"] == sum(cost[kind] for kind in ("web", "postgres", "redis", "load", "other"))


def test_without_a_window_or_requests_it_measures_nothing():
    meter = CpuMeter({1}, 1)
    assert meter.stop(requests=10) is None
    meter.start()
    assert meter.stop(requests=0) is None


def test_a_process_that_ends_in_the_window_leaves_its_cpu_to_its_kind():
    # A PostgreSQL backend whose connection reached CONN_MAX_AGE ends mid-run: its CPU must still
    # count (its parent reaps it), and what it had spent before the window must not.
    child = burn(0.2)
    parent_code = (
        "import subprocess, sys, time\n"
        "time.sleep(0.3)\n"  # the window opens first
        f"subprocess.run({child!r})\n"
        "time.sleep(5)\n"
    )
    cost = metered([sys.executable, "-c", "pass"], [sys.executable, "-c", parent_code], web_cpu=0.2)
    assert 20_000 <= cost["web"] <= 35_000, cost
