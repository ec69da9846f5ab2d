import pytest
from django.utils import translation

from billing.pdf import pdf_unavailable


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ar", "لا يمكن إنشاء الفواتير بصيغة PDF حاليا. أعد المحاولة لاحقا."),
        ("fr", "Les factures PDF ne peuvent pas être produites pour le moment. Réessayez plus tard."),
    ],
)
def test_the_pdf_refusal_is_translated(language, text):
    with translation.override(language):
        assert str(pdf_unavailable().message) == text
