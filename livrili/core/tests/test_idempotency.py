"""The one idempotency mechanism: first answer stored with its key, replayed exactly."""

import pytest

from livrili.core.errors import DomainError
from livrili.core.idempotency import Answer, idempotent, request_fingerprint
from livrili.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def counting_work(answers):
    calls = []

    def work():
        calls.append(1)
        return answers[len(calls) - 1]

    return work, calls


def run(work, *, key="k", fingerprint="f", owner="o1", scope="test.scope"):
    return idempotent(scope=scope, owner=owner, key=key, fingerprint=fingerprint, work=work)


def test_a_replay_answers_the_stored_first_answer_without_working_again():
    work, calls = counting_work([Answer(201, {"n": 1}), Answer(201, {"n": 2})])

    first, replay = run(work), run(work)

    assert first == replay == Answer(201, {"n": 1})
    assert len(calls) == 1
    record = IdempotencyRecord.objects.get()
    assert (record.scope, record.owner, record.key, record.fingerprint, record.status_code, record.body) == (
        "test.scope",
        "o1",
        "k",
        "f",
        201,
        {"n": 1},
    )


def test_the_same_key_with_another_body_conflicts_and_works_nothing():
    work, calls = counting_work([Answer(201, {"n": 1})])
    run(work)

    with pytest.raises(DomainError) as refused:
        run(work, fingerprint="other")

    assert refused.value.code == "IDEMPOTENCY_CONFLICT"
    assert len(calls) == 1
    assert IdempotencyRecord.objects.count() == 1


def test_a_refusal_stores_nothing_and_the_next_try_works():
    def refuse():
        raise DomainError("CART_EMPTY")

    with pytest.raises(DomainError):
        run(refuse)
    work, calls = counting_work([Answer(201, {"n": 1})])

    assert not IdempotencyRecord.objects.exists()
    assert run(work) == Answer(201, {"n": 1}) and len(calls) == 1


def test_keys_belong_to_their_owner_and_scope():
    work, _calls = counting_work([Answer(201, {"n": i}) for i in range(3)])

    answers = [run(work), run(work, owner="o2"), run(work, scope="other.scope")]

    assert [a.body["n"] for a in answers] == [0, 1, 2]
    assert IdempotencyRecord.objects.count() == 3


def test_the_answer_is_stored_as_json_and_the_fingerprint_ignores_key_order():
    from decimal import Decimal
    from uuid import UUID

    pk = UUID("12345678-1234-5678-1234-567812345678")
    answer = run(lambda: Answer(200, {"id": pk, "total": Decimal("12.50")}))

    assert answer == Answer(200, {"id": str(pk), "total": "12.50"})
    assert request_fingerprint({"a": 1, "b": [1, 2]}) == request_fingerprint({"b": [1, 2], "a": 1})
    assert request_fingerprint({"a": 1}) != request_fingerprint({"a": 2})


def test_answers_past_the_retention_are_purged(settings):
    from datetime import timedelta

    from django.utils import timezone

    from livrili.core.idempotency import idempotency_records_purge
    from livrili.core.tasks import purge_idempotency_records

    # given answers of 31 and 29 days
    settings.IDEMPOTENCY_RETENTION = timedelta(days=30)
    now = timezone.now()
    for key, age in (("old", 31), ("recent", 29)):
        run(lambda: Answer(201, {"k": 1}), key=key)
        IdempotencyRecord.objects.filter(key=key).update(created_at=now - timedelta(days=age))

    # when the purge runs (twice: the daily task may run again)
    assert idempotency_records_purge(now=now) == 1
    assert purge_idempotency_records() == 0

    # then only the old answer is gone
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    # and its key is new again: the work runs once more
    work, calls = counting_work([Answer(201, {"n": 9})])
    assert run(work, key="old") == Answer(201, {"n": 9}) and calls == [1]


def test_a_new_key_is_claimed_and_answered_in_two_statements_and_a_replay_in_two(django_assert_num_queries):
    """The claim is one INSERT … ON CONFLICT DO NOTHING (no look-up first, no savepoint): every
    idempotent write (placement, payments, driver updates, proofs) pays it."""
    work, calls = counting_work([Answer(201, {"n": 1})])

    # + SAVEPOINT/RELEASE: in a test, the workflow's transaction is nested in the test's
    with django_assert_num_queries(2 + 2):  # claim, store the answer
        run(work)
    with django_assert_num_queries(2 + 2):  # claim refused by the unique key, read the stored answer
        assert run(work) == Answer(201, {"n": 1})
    assert len(calls) == 1 and IdempotencyRecord.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_with_one_key_work_once_and_all_answer_the_first_answer():
    import threading
    import time

    from livrili.core.testing.concurrency import run_together

    calls, lock = [], threading.Lock()

    def work():
        with lock:
            calls.append(1)
            attempt = len(calls)
        time.sleep(0.2)  # the others reach the claim while this one holds it
        if attempt == 1:
            raise DomainError("CONFLICT")  # the first claimer refuses: its claim rolls back
        return Answer(201, {"attempt": attempt})

    outcomes = run_together(8, lambda i: run(work), catch=(DomainError,))

    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert [o.code for o in refused] == ["CONFLICT"]
    assert [o for o in outcomes if not isinstance(o, DomainError)] == [Answer(201, {"attempt": 2})] * 7
    assert len(calls) == 2
    record = IdempotencyRecord.objects.get()
    assert (record.status_code, record.body) == (201, {"attempt": 2})
