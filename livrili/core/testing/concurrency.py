import threading
from contextlib import contextmanager

from django.db import connection as thread_connection
from django.db import transaction


def run_together(count: int, work, catch=()):
    """Run `work(i)` in `count` threads released together by a barrier (PostgreSQL concurrency
    tests). Returns each thread's result, or the exception it raised when it is one of `catch`;
    any other exception fails the test. Each thread closes its own database connection."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count
    unexpected: list = []

    def worker(index):
        try:
            barrier.wait()
            outcomes[index] = work(index)
        except catch as exc:
            outcomes[index] = exc
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            unexpected.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == [], unexpected
    return outcomes


@contextmanager
def held_open(work):
    """Runs `work()` inside a transaction on another thread's connection and keeps that
    transaction open (its locks held, its writes uncommitted) for the `with` block; it commits
    when the block ends (PostgreSQL concurrency tests)."""
    done, release, failed = threading.Event(), threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                work()
                done.set()
                release.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failed.append(exc)
            done.set()
        finally:
            thread_connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert done.wait(10) and not failed, failed
        yield
    finally:
        release.set()
        thread.join()
