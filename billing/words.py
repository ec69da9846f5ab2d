"""The total of an invoice in words (workflows.md §7), in French and in Arabic, by num2words.

The amount is already rounded to the centime: the dinars are its integer part, the centimes
its two decimals, each spelled out as a whole number; zero centimes are not spelled out."""

from decimal import Decimal

from num2words import num2words

from livrili.core.money import to_money


def _split(amount: Decimal) -> tuple[int, int]:
    amount = to_money(amount)
    dinars = int(amount)
    return dinars, int((amount - dinars) * 100)


def amount_in_words_fr(amount: Decimal) -> str:
    dinars, centimes = _split(amount)
    text = f"{num2words(dinars, lang='fr')} {'dinar algérien' if dinars < 2 else 'dinars algériens'}"
    if centimes:
        text += f" et {num2words(centimes, lang='fr')} {'centime' if centimes < 2 else 'centimes'}"
    return f"Arrêtée la présente facture à la somme de {text}."


def amount_in_words_ar(amount: Decimal) -> str:
    dinars, centimes = _split(amount)
    text = f"{num2words(dinars, lang='ar')} دينار جزائري"
    if centimes:
        text += f" و{num2words(centimes, lang='ar')} سنتيم"
    return f"أوقفت هذه الفاتورة بمبلغ قدره {text}."
