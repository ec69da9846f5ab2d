"""Password reset codes: tries counted atomically, codes limited per account (silently)."""

import re

import pytest
from django.core import mail
from django.test import override_settings

from livrili.accounts import services
from livrili.accounts.models import PasswordResetCode, User
from livrili.core.errors import DomainError
from livrili.core.testing.concurrency import run_together
from livrili.core.testing.passwords import DEFAULT_PASSWORD

RESET = "/api/v1/auth/password/reset"
NEW_PASSWORD = "Brand-New-Pass-77"


def _sent_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def _wrong(code: str, n: int = 0) -> str:
    return next(c for c in (f"{(int(code) + k) % 10**6:06d}" for k in range(1 + n, 100)) if c != code)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_wrong_codes_count_five_tries_and_void_the_code(make_user):
    user = make_user(role="driver", username="target", email="target@livrili.dz")
    services.password_reset_request(identifier="target")
    code = _sent_code()

    outcomes = run_together(
        30,
        lambda i: services.password_reset_confirm(identifier="target", code=_wrong(code, i), new_password=NEW_PASSWORD),
        catch=(DomainError,),
    )

    assert [o.code for o in outcomes] == ["VALIDATION_ERROR"] * 30
    assert PasswordResetCode.objects.get().attempts == 5
    with pytest.raises(DomainError) as refused:
        services.password_reset_confirm(identifier="target", code=code, new_password=NEW_PASSWORD)
    assert refused.value.code == "VALIDATION_ERROR"
    assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_right_code_in_a_burst_of_wrong_ones_is_taken_only_within_five_tries(make_user):
    user = make_user(role="driver", username="target", email="target@livrili.dz")
    services.password_reset_request(identifier="target")
    code = _sent_code()
    guesses = [_wrong(code, i) for i in range(29)] + [code]

    outcomes = run_together(
        30,
        lambda i: services.password_reset_confirm(identifier="target", code=guesses[i], new_password=NEW_PASSWORD),
        catch=(DomainError,),
    )

    reset = PasswordResetCode.objects.get()
    accepted = [o for o in outcomes if isinstance(o, User)]
    assert 1 <= reset.attempts <= 5  # every guess, right or wrong, takes one of the five tries
    assert len(accepted) <= 1
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD) == bool(accepted)
    assert (reset.used_at is not None) == bool(accepted)


@pytest.mark.django_db
def test_the_fifth_try_may_be_the_right_one_the_sixth_may_not(make_user):
    make_user(role="driver", username="target", email="target@livrili.dz")
    services.password_reset_request(identifier="target")
    code = _sent_code()
    for i in range(4):
        with pytest.raises(DomainError):
            services.password_reset_confirm(identifier="target", code=_wrong(code, i), new_password=NEW_PASSWORD)

    services.password_reset_confirm(identifier="target", code=code, new_password=NEW_PASSWORD)

    assert User.objects.get(username="target").check_password(NEW_PASSWORD)


def _reset_from(api_client, identifier, n):
    """A reset request from its own IP address (the per-IP throttle stays out of the way)."""
    return api_client.post(RESET, {"identifier": identifier}, format="json", REMOTE_ADDR=f"198.51.100.{n}")


@pytest.mark.django_db
def test_twelve_requests_for_one_account_send_three_codes_and_answer_alike(api_client, make_user):
    make_user(role="retailer", username="shop", email="shop@livrili.dz", phone="0661 00 00 01")
    identifiers = ["shop@livrili.dz", "0661000001", "+213661000001", "shop"] * 3

    responses = [_reset_from(api_client, identifier, n) for n, identifier in enumerate(identifiers)]

    assert len(mail.outbox) == 3
    assert PasswordResetCode.objects.count() == 3
    unknown = _reset_from(api_client, "nobody@livrili.dz", 99)
    assert {(r.status_code, r.content) for r in responses} == {(200, unknown.content)}


@pytest.mark.django_db
def test_codes_are_sent_again_once_the_window_has_passed(api_client, make_user):
    from datetime import timedelta

    from django.utils import timezone

    make_user(role="driver", username="karim", email="karim@livrili.dz")
    for n in range(4):
        _reset_from(api_client, "karim", n)
    assert len(mail.outbox) == 3
    PasswordResetCode.objects.update(created_at=timezone.now() - timedelta(minutes=16))

    _reset_from(api_client, "karim", 10)

    assert len(mail.outbox) == 4
    assert PasswordResetCode.objects.filter(used_at__isnull=True).count() == 1


@pytest.mark.django_db
@override_settings(PASSWORD_RESET_CODES_PER_WINDOW=1)
def test_the_per_account_limit_comes_from_settings(make_user):
    make_user(role="driver", username="karim", email="karim@livrili.dz")

    services.password_reset_request(identifier="karim")
    services.password_reset_request(identifier="karim@livrili.dz")

    assert len(mail.outbox) == 1
