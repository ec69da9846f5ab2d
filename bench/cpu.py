"""CPU time per request by process, while a load runs (docs/performance.md, "CPU per request").

On a machine whose speed drifts, requests per second move from run to run; what each request cost
each process does not, or much less. `CpuMeter` reads the CPU time of every process from /proc
when the measured window opens and when it closes, and charges it to: the web server (the process
groups of the gunicorns the bench started), PostgreSQL, Redis, the load generator (locust, from
its own accounting) and anything else on the machine. Linux only: elsewhere it measures nothing.
"""

import os
import resource
from pathlib import Path

PROC = Path("/proc")
KINDS = ("web", "postgres", "redis", "load", "other")


def _tick() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (AttributeError, ValueError, OSError):
        return 100


def processes() -> dict[int, tuple[str, int, float]]:
    """{pid: (command name, process group, CPU seconds so far)} of every process we can read, its
    reaped children's included: a process that ends during a window (a PostgreSQL backend whose
    connection reached CONN_MAX_AGE, a recycled worker) leaves its CPU to its parent, of its kind."""
    tick, found = _tick(), {}
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        # after the name: state, ppid, pgrp, …, utime, stime, cutime, cstime (fields 14–17 of the line)
        found[int(entry.name)] = (name, int(rest[2]), sum(int(value) for value in rest[11:15]) / tick)
    return found


def _kind(name: str, group: int, web_groups: set[int]) -> str:
    if group in web_groups:
        return "web"
    if name.startswith("postgres"):
        return "postgres"
    if name.startswith("redis"):
        return "redis"
    return "other"


class CpuMeter:
    """`start()` when the window opens (any thread), `stop(requests)` once the load generator
    `load_pid` has been reaped: {kind: µs of CPU per request}, or None without /proc."""

    def __init__(self, web_groups: set[int], load_pid: int):
        self.web_groups, self.load_pid = web_groups, load_pid
        self.before: dict | None = None
        self.children_before = self._children_cpu()

    @staticmethod
    def _children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def start(self) -> None:
        self.before = processes()

    def stop(self, requests: int) -> dict | None:
        if not self.before or not requests:
            return None
        after, spent = processes(), dict.fromkeys(KINDS, 0.0)
        # Per kind, what its processes hold now less what they held: a process that ended took its
        # CPU to its parent's reaped-children account (same kind), so its count before is taken off.
        for sign, snapshot in ((1, after), (-1, self.before)):
            for pid, (name, group, cpu) in snapshot.items():
                if pid not in (self.load_pid, os.getpid()):
                    spent[_kind(name, group, self.web_groups)] += sign * cpu
        # The load generator has been reaped: its whole CPU is in our children's account.
        load_total = self._children_cpu() - self.children_before
        spent["load"] = max(load_total - self.before.get(self.load_pid, ("", 0, 0.0))[2], 0.0)
        # (a process and its parent both gone leave nothing to count: never below zero)
        per_request = {kind: round(max(seconds, 0.0) / requests * 1e6) for kind, seconds in spent.items()}
        per_request["total"] = sum(per_request.values())
        return per_request
