import threading

import pytest
from django.db import connection, transaction

from livrili.core.models import Sequence
from livrili.core.numbering import current_year, next_number


@pytest.mark.django_db
def test_numbers_are_formatted_by_prefix_and_year():
    with transaction.atomic():
        first = next_number("FAC", gap_free=True)
        second = next_number("FAC", gap_free=True)

    year = current_year()
    assert (first, second) == (f"FAC-{year}-000001", f"FAC-{year}-000002")


@pytest.mark.django_db(transaction=True)
def test_gap_free_numbers_need_a_transaction():
    with pytest.raises(RuntimeError):
        next_number("FAC", gap_free=True)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_does_not_consume_a_gap_free_number():
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        next_number("FAC", gap_free=True)
        raise Abort

    with transaction.atomic():
        number = next_number("FAC", gap_free=True)

    assert number.endswith("-000001")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_threads_take_two_hundred_consecutive_gap_free_numbers():
    barrier = threading.Barrier(20)
    taken, errors = [], []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    number = next_number("FAC", gap_free=True)
                with lock:
                    taken.append(int(number.rsplit("-", 1)[1]))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(taken) == list(range(1, 201))
    assert Sequence.objects.get(prefix="FAC", year=current_year()).last_value == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_increasing_numbers_are_unique_under_concurrency_without_a_lock_row():
    barrier = threading.Barrier(10)
    taken, lock = [], threading.Lock()

    def worker():
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    number = next_number("ORD", gap_free=False)
                with lock:
                    taken.append(number)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(taken)) == 100
    assert not Sequence.objects.filter(prefix="ORD").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sequence_created_in_a_rolled_back_transaction_is_created_again():
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        next_number("DEL", gap_free=False)  # creates the sequence, then rolls it back
        raise Abort

    with transaction.atomic():
        number = next_number("DEL", gap_free=False)

    assert number.startswith(f"DEL-{current_year()}-")
