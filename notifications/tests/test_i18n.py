import pytest
from django.utils import translation

from notifications.services import preferences_update


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ar", "لا يمكن إيقاف إشعارات المعاملات داخل التطبيق."),
        ("fr", "Les notifications transactionnelles dans l'application ne peuvent pas être désactivées."),
    ],
)
def test_refusals_are_translated(make_user, language, text):
    from livrili.core.errors import DomainError

    with translation.override(language), pytest.raises(DomainError) as refused:
        preferences_update(
            user=make_user(), preferences=[{"category": "orders", "channel": "in_app", "enabled": False}]
        )

    assert refused.value.details == {"preferences": [text]}
