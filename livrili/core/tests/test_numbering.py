import pytest
from django.db import transaction

from livrili.core.models import Sequence
from livrili.core.numbering import current_year, next_number
from livrili.core.testing.concurrency import run_together


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
    def take_ten(_index):
        taken = []
        for _ in range(10):
            with transaction.atomic():
                taken.append(int(next_number("FAC", gap_free=True).rsplit("-", 1)[1]))
        return taken

    outcomes = run_together(20, take_ten)

    assert sorted(n for taken in outcomes for n in taken) == list(range(1, 201))
    assert Sequence.objects.get(prefix="FAC", year=current_year()).last_value == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_increasing_numbers_are_unique_under_concurrency_without_a_lock_row():
    def take_ten(_index):
        taken = []
        for _ in range(10):
            with transaction.atomic():
                taken.append(next_number("ORD", gap_free=False))
        return taken

    outcomes = run_together(10, take_ten)

    assert len({n for taken in outcomes for n in taken}) == 100
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
