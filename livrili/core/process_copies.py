"""Values a process keeps in memory beside the shared cache, for the hot reads whose freshness a
tag or an immutable key proves (docs/performance.md, pass 2): the token's user row under its
revision (accounts/copies.py), rendered product representations (products/representations.py)."""

import time
import weakref
from collections.abc import Callable, Hashable

_every = weakref.WeakSet()


class ProcessCopies:
    """At most `size` values by key, each used while its tag is the one asked for and for at most
    `max_age()` seconds; past `size` they start again from none (no LRU bookkeeping on a hit)."""

    def __init__(self, *, size: int, max_age: Callable[[], float]):
        self.size, self.max_age = size, max_age
        self._entries: dict = {}
        _every.add(self)

    def get(self, key: Hashable, tag: Hashable = None):
        entry = self._entries.get(key)
        if entry is None or entry[0] != tag or time.monotonic() - entry[1] > self.max_age():
            return None
        return entry[2]

    def get_many(self, keys) -> dict:
        """{key: value} of the untagged `keys` kept and not too old."""
        found = {}
        for key in keys:
            value = self.get(key)
            if value is not None:
                found[key] = value
        return found

    def keep(self, key: Hashable, value, tag: Hashable = None) -> None:
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[key] = (tag, time.monotonic(), value)

    def keep_many(self, values: dict) -> None:
        for key, value in values.items():
            self.keep(key, value)

    def __len__(self) -> int:
        return len(self._entries)


def forget_all() -> None:
    """Drops every copy this process keeps (tests: none may outlive the rows it copied)."""
    for copies in list(_every):
        copies._entries.clear()
