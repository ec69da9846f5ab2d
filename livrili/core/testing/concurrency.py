import threading

from django.db import connection as thread_connection


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
