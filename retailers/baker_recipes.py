"""model-bakery recipes (`baker.make_recipe("retailers.retailer")`) for tests.

A recipe retailer has a zero balance and no ledger entries; its balance only changes through
`retailers.services.ledger_post`."""

from model_bakery.recipe import Recipe, seq

from livrili.core.models import Wilaya
from retailers.models import Retailer


def algiers() -> Wilaya:
    # Transactional tests flush the wilayas loaded by migration; put back the one used here.
    return Wilaya.objects.get_or_create(
        code="16", defaults={"name_ar": "الجزائر", "name_fr": "Alger", "name_en": "Algiers"}
    )[0]


retailer = Recipe(
    Retailer,
    business_name=seq("Shop "),
    wilaya=algiers,
    status="active",
)
