"""Demo retailers for `manage.py seed_demo`: deterministic (fixed random seed), bulk inserts,
idempotent (a second run keeps the existing demo rows)."""

import random
import uuid
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from livrili.accounts.models import Role, User
from livrili.accounts.seed import DEMO_PASSWORD

from .models import BusinessType, DeliveryAddress, LedgerEntry, LedgerEntryKind, Retailer, RetailerStatus

SIZES = {"small": 20, "standard": 2000, "large": 10000}
SEED_NOTE = "demo seed"
# (code, centre latitude, centre longitude, communes)
WILAYAS = [
    ("16", 36.7538, 3.0588, ["Bab Ezzouar", "Hydra", "El Harrach", "Bir Mourad Raïs", "Kouba"]),
    ("31", 35.6971, -0.6308, ["Oran", "Es Sénia", "Bir El Djir"]),
    ("25", 36.3650, 6.6147, ["Constantine", "El Khroub", "Hamma Bouziane"]),
    ("09", 36.4700, 2.8277, ["Blida", "Boufarik", "Ouled Yaïch"]),
    ("19", 36.1911, 5.4137, ["Sétif", "El Eulma"]),
    ("06", 36.7509, 5.0567, ["Béjaïa", "Akbou"]),
    ("15", 36.7118, 4.0459, ["Tizi Ouzou", "Azazga"]),
    ("35", 36.7664, 3.4772, ["Boumerdès", "Bordj Menaïel"]),
    ("23", 36.9000, 7.7667, ["Annaba", "El Bouni"]),
    ("13", 34.8783, -1.3150, ["Tlemcen", "Maghnia"]),
]
NAME_PARTS = (
    ["Supérette", "Alimentation", "Épicerie", "Magasin", "Boutique", "Market", "Dépôt"],
    ["El Amel", "Ennour", "Essalam", "El Baraka", "Les Oliviers", "Du Centre", "Ezzahra", "El Fadjr", "Sahel", "Atlas"],
)
FIRST_NAMES = ["Amine", "Yacine", "Karim", "Sofiane", "Nabil", "Samir", "Leila", "Nadia", "Amel", "Sonia", "Rachid"]
LAST_NAMES = ["Haddad", "Benali", "Bouzid", "Cherif", "Mansouri", "Khelifi", "Saidi", "Belkacem", "Zerrouki"]
SEGMENTS = ["", "", "vip", "new", "horeca"]
STATUS_WEIGHTS = [
    (RetailerStatus.ACTIVE, 80),
    (RetailerStatus.PENDING, 12),
    (RetailerStatus.SUSPENDED, 5),
    (RetailerStatus.REJECTED, 3),
]
BATCH = 1000


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _coordinate(rng: random.Random, centre: float) -> Decimal:
    return Decimal(f"{centre + rng.uniform(-0.08, 0.08):.6f}")


def _demo_account() -> tuple[str, str, str]:
    """The owner account of the walkthrough: active, credit limit 200 000.00."""
    if not User.objects.filter(username="retailer").exists():
        now = timezone.now()
        retailer = Retailer.objects.create(
            business_name="Supérette Livrili Démo",
            business_type=BusinessType.CONVENIENCE,
            rc_number="16/00-0123456B24",
            nif="001616012345678",
            nis="001616012345678",
            ai_number="16012345678",
            phone="+213550000001",
            address="12 rue Didouche Mourad",
            commune="Alger Centre",
            wilaya_id="16",
            latitude=Decimal("36.768600"),
            longitude=Decimal("3.054100"),
            status=RetailerStatus.ACTIVE,
            approved_at=now,
            credit_limit=Decimal("200000.00"),
            notes=SEED_NOTE,
        )
        owner = User(
            username="retailer",
            full_name="Mourad Demo",
            phone="+213550000001",
            email="retailer@livrili.dz",
            role=Role.RETAILER,
            retailer=retailer,
        )
        owner.set_password(DEMO_PASSWORD)
        owner.save()
        retailer.owner = owner
        retailer.save(update_fields=["owner", "updated_at"])
        DeliveryAddress.objects.create(
            retailer=retailer,
            label="Magasin",
            address=retailer.address,
            commune=retailer.commune,
            wilaya_id="16",
            latitude=retailer.latitude,
            longitude=retailer.longitude,
            contact_name=owner.full_name,
            contact_phone=owner.phone,
            is_default=True,
        )
    return ("retailer (owner)", "retailer", DEMO_PASSWORD)


def run(*, size: str, out) -> list[tuple[str, str, str]]:
    account = _demo_account()
    if Retailer.objects.filter(notes=SEED_NOTE).exclude(owner__username="retailer").exists():
        out.write("  retailers: demo retailers already present, kept")
        return [account]
    rng = random.Random(20260101)
    count = SIZES[size]
    password = make_password(DEMO_PASSWORD)
    now = timezone.now()
    retailers, users, addresses, entries = [], [], [], []
    for index in range(count):
        code, lat, lng, communes = WILAYAS[index % len(WILAYAS)]
        status = rng.choices([s for s, _w in STATUS_WEIGHTS], weights=[w for _s, w in STATUS_WEIGHTS])[0]
        approved = status in (RetailerStatus.ACTIVE, RetailerStatus.SUSPENDED)
        commune = rng.choice(communes)
        latitude, longitude = _coordinate(rng, lat), _coordinate(rng, lng)
        phone = f"+2135{60000000 + index:08d}"
        retailer = Retailer(
            id=_uuid(rng),
            business_name=f"{rng.choice(NAME_PARTS[0])} {rng.choice(NAME_PARTS[1])} {index + 1}",
            business_type=rng.choice(BusinessType.values),
            rc_number=f"{code}/00-{index:07d}B{rng.randint(10, 24)}" if approved else "",
            nif=f"00{code}{index:011d}" if approved else "",
            phone=phone,
            address=f"{rng.randint(1, 120)} rue {rng.choice(NAME_PARTS[1])}",
            commune=commune,
            wilaya_id=code,
            latitude=latitude,
            longitude=longitude,
            status=status,
            status_reason="Documents incomplets" if status == RetailerStatus.REJECTED else "",
            approved_at=now if approved else None,
            credit_limit=Decimal(rng.choice([0, 20000, 50000, 100000, 200000])) if approved else Decimal("0.00"),
            payment_terms_days=rng.choice([0, 15, 30]),
            segment=rng.choice(SEGMENTS),
            notes=SEED_NOTE,
        )
        owner = User(
            id=_uuid(rng),
            username=f"shop{index + 1:05d}",
            full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            phone=phone,
            role=Role.RETAILER,
            retailer_id=retailer.id,
            password=password,
        )
        retailer.owner_id = owner.id
        users.append(owner)
        if index % 3 == 0:
            users.append(
                User(
                    id=_uuid(rng),
                    username=f"shop{index + 1:05d}.staff",
                    full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    phone=f"+2136{60000000 + index:08d}",
                    role=Role.RETAILER,
                    retailer_id=retailer.id,
                    password=password,
                )
            )
        for number in range(1 if index % 4 else 2):
            addresses.append(
                DeliveryAddress(
                    id=_uuid(rng),
                    retailer_id=retailer.id,
                    label="Magasin" if number == 0 else "Dépôt",
                    address=retailer.address if number == 0 else f"Zone d'activité, lot {rng.randint(1, 90)}",
                    commune=commune,
                    wilaya_id=code,
                    latitude=latitude if number == 0 else _coordinate(rng, lat),
                    longitude=longitude if number == 0 else _coordinate(rng, lng),
                    contact_name=owner.full_name,
                    contact_phone=phone,
                    is_default=number == 0,
                )
            )
        if approved and rng.random() < 0.5:  # debts and prepayments carried over from before Livrili
            opening = Decimal(rng.randrange(-50000, 150000, 100)) or Decimal("100.00")
            retailer.balance = opening.quantize(Decimal("0.01"))
            entries.append(
                LedgerEntry(
                    id=_uuid(rng),
                    retailer_id=retailer.id,
                    position=1,
                    kind=LedgerEntryKind.OPENING_BALANCE,
                    amount=retailer.balance,
                    balance_after=retailer.balance,
                    reason="Solde d'ouverture (démo)",
                )
            )
        retailers.append(retailer)
    owners = {r.id: r.owner_id for r in retailers}
    for retailer in retailers:  # the owner rows are inserted after their retailer
        retailer.owner_id = None
    Retailer.objects.bulk_create(retailers, batch_size=BATCH)
    User.objects.bulk_create(users, batch_size=BATCH)
    for retailer in retailers:
        retailer.owner_id = owners[retailer.id]
    Retailer.objects.bulk_update(retailers, ["owner"], batch_size=BATCH)
    DeliveryAddress.objects.bulk_create(addresses, batch_size=BATCH)
    LedgerEntry.objects.bulk_create(entries, batch_size=BATCH)
    out.write(
        f"  retailers: {len(retailers)} retailers, {len(users)} members, {len(addresses)} addresses, "
        f"{len(entries)} opening balances"
    )
    return [account]
