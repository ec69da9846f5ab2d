"""Demo catalog: a trilingual Algerian grocery wholesaler (semolina, oil, milk, coffee, sugar,
pasta, detergents…). Deterministic (seeded random, ids included) and written with bulk_create;
opening stock goes through the stock owner's bulk writer (`StockHistory`) as `import` stock
movements, so the ledger invariant holds.

Sizes: small ≈ 200 products / 40 categories; standard = 20 000 products in 300 categories;
large = 100 000 products in 1 000 categories.
"""

import random
import uuid
from decimal import Decimal
from itertools import zip_longest
from types import SimpleNamespace

from django.utils import timezone

from livrili.core.money import to_money

from .models import Category, PriceTier, Product, StockMovement, StockReason, Supplier, Tag
from .search import product_search_text
from .services.cache import catalog_changed
from .services.stock import STOCK_MOVEMENT_COLUMNS, StockHistory

SIZES = {"small": (200, 40), "standard": (20_000, 300), "large": (100_000, 1_000)}
SEED = 20260101
BATCH = 2000

# slug, (ar, fr, en), subcategories: slug → (ar, fr, en)
DEPARTMENTS = [
    (
        "epicerie",
        ("بقالة", "Épicerie", "Grocery"),
        {
            "semoule": ("سميد", "Semoule", "Semolina"),
            "farine": ("فرينة", "Farine", "Flour"),
            "pates": ("عجائن", "Pâtes", "Pasta"),
            "couscous": ("كسكس", "Couscous", "Couscous"),
            "riz-legumes-secs": ("أرز وبقول جافة", "Riz et légumes secs", "Rice and pulses"),
            "sucre-sel": ("سكر وملح", "Sucre et sel", "Sugar and salt"),
        },
    ),
    (
        "huiles",
        ("زيوت ودهون", "Huiles et matières grasses", "Oils and fats"),
        {
            "huile-table": ("زيت المائدة", "Huile de table", "Table oil"),
            "margarine": ("مارغرين وسمن", "Margarine et smen", "Margarine and smen"),
        },
    ),
    (
        "cremerie",
        ("ألبان", "Crémerie", "Dairy"),
        {
            "lait": ("حليب", "Lait", "Milk"),
            "yaourts": ("ياغورت", "Yaourts", "Yogurts"),
            "fromages": ("أجبان", "Fromages", "Cheese"),
        },
    ),
    (
        "cafe-the",
        ("قهوة وشاي", "Café et thé", "Coffee and tea"),
        {
            "cafe": ("قهوة", "Café", "Coffee"),
            "the": ("شاي", "Thé", "Tea"),
        },
    ),
    (
        "conserves",
        ("معلبات", "Conserves", "Canned food"),
        {
            "tomate": ("طماطم مصبرة", "Tomate", "Tomato"),
            "poisson": ("سمك معلب", "Poisson", "Fish"),
            "confitures": ("مربى", "Confitures", "Jams"),
        },
    ),
    (
        "boissons",
        ("مشروبات", "Boissons", "Drinks"),
        {
            "eaux": ("مياه", "Eaux", "Water"),
            "sodas": ("مشروبات غازية", "Sodas", "Soft drinks"),
            "jus": ("عصائر", "Jus", "Juices"),
        },
    ),
    (
        "biscuiterie",
        ("بسكويت وحلويات", "Biscuiterie et confiserie", "Biscuits and sweets"),
        {
            "biscuits": ("بسكويت", "Biscuits", "Biscuits"),
            "chocolat": ("شوكولاتة", "Chocolat", "Chocolate"),
            "chips": ("رقائق", "Chips", "Crisps"),
        },
    ),
    (
        "entretien",
        ("مواد التنظيف", "Entretien", "Household cleaning"),
        {
            "lessive": ("مسحوق الغسيل", "Lessive", "Laundry"),
            "vaisselle": ("غسيل الأواني", "Vaisselle", "Dishwashing"),
            "javel": ("جافيل ومطهرات", "Javel et désinfectants", "Bleach and disinfectants"),
        },
    ),
    (
        "hygiene",
        ("نظافة شخصية", "Hygiène", "Personal care"),
        {
            "savons": ("صابون", "Savons", "Soaps"),
            "shampooings": ("شامبو", "Shampooings", "Shampoos"),
            "bebe": ("الرضع", "Bébé", "Baby"),
        },
    ),
]

# subcategory, (ar, fr, en), unit, sizes, price per size step (DZD), tax rate, brands
FAMILIES = [
    (
        "semoule",
        ("سميد رقيق", "Semoule fine", "Fine semolina"),
        "bag",
        ["1 kg", "5 kg", "10 kg", "25 kg"],
        70,
        "0",
        ["Sim", "Safina", "Mahbouba", "Amor Benamor"],
    ),
    (
        "semoule",
        ("سميد متوسط", "Semoule moyenne", "Medium semolina"),
        "bag",
        ["1 kg", "10 kg", "25 kg"],
        68,
        "0",
        ["Sim", "Mahbouba", "Ifri Blé"],
    ),
    ("farine", ("فرينة", "Farine", "Flour"), "bag", ["1 kg", "10 kg", "25 kg"], 55, "0", ["Sim", "Metidji", "Safina"]),
    (
        "pates",
        ("معكرونة سباغيتي", "Spaghetti", "Spaghetti"),
        "pack",
        ["500 g", "1 kg"],
        90,
        "9",
        ["Sim", "Safina", "La Belle", "Amor Benamor"],
    ),
    (
        "pates",
        ("معكرونة مرفقة", "Coquillettes", "Elbow pasta"),
        "pack",
        ["500 g"],
        85,
        "9",
        ["Sim", "La Belle", "Extra"],
    ),
    ("couscous", ("كسكس", "Couscous", "Couscous"), "pack", ["1 kg", "5 kg"], 140, "9", ["Sim", "Mama", "Amor Benamor"]),
    ("riz-legumes-secs", ("أرز", "Riz", "Rice"), "bag", ["1 kg", "5 kg"], 190, "9", ["Taj", "Bellara", "Mahbouba"]),
    ("riz-legumes-secs", ("عدس", "Lentilles", "Lentils"), "bag", ["1 kg", "5 kg"], 260, "9", ["Taj", "El Bahdja"]),
    ("riz-legumes-secs", ("حمص", "Pois chiches", "Chickpeas"), "bag", ["1 kg", "5 kg"], 320, "9", ["Taj", "El Bahdja"]),
    (
        "sucre-sel",
        ("سكر أبيض", "Sucre blanc", "White sugar"),
        "bag",
        ["1 kg", "5 kg", "50 kg"],
        95,
        "9",
        ["Cevital", "Tafadis"],
    ),
    ("sucre-sel", ("ملح طعام", "Sel de table", "Table salt"), "pack", ["1 kg"], 30, "9", ["Enasel"]),
    (
        "huile-table",
        ("زيت المائدة", "Huile de table", "Table oil"),
        "bottle",
        ["1 L", "2 L", "5 L"],
        210,
        "9",
        ["Elio", "Fleurial", "Afia", "Safia"],
    ),
    (
        "margarine",
        ("مارغرين", "Margarine", "Margarine"),
        "piece",
        ["250 g", "500 g"],
        120,
        "19",
        ["Fleurial", "Matina", "Smen Medina"],
    ),
    ("lait", ("حليب معقم", "Lait UHT", "UHT milk"), "pack", ["1 L"], 110, "0", ["Candia", "Soummam", "Lahda", "Hodna"]),
    (
        "lait",
        ("حليب مجفف", "Lait en poudre", "Powdered milk"),
        "pack",
        ["500 g", "1 kg"],
        650,
        "9",
        ["Loya", "Celia", "Nido"],
    ),
    (
        "yaourts",
        ("ياغورت بالفراولة", "Yaourt à la fraise", "Strawberry yogurt"),
        "pack",
        ["4 x 110 g", "8 x 110 g"],
        120,
        "19",
        ["Soummam", "Danone", "Trèfle"],
    ),
    (
        "fromages",
        ("جبن ذائب", "Fromage fondu", "Processed cheese"),
        "box",
        ["8 portions", "16 portions"],
        180,
        "19",
        ["Président", "Le Berbère", "Picon"],
    ),
    (
        "cafe",
        ("قهوة مطحونة", "Café moulu", "Ground coffee"),
        "pack",
        ["250 g", "500 g", "1 kg"],
        330,
        "9",
        ["Bonal", "Facto", "Aroma", "Legal"],
    ),
    (
        "the",
        ("شاي أخضر", "Thé vert", "Green tea"),
        "box",
        ["25 sachets", "500 g"],
        160,
        "19",
        ["Lipton", "Tetley", "El Kef"],
    ),
    (
        "tomate",
        ("طماطم مركزة", "Concentré de tomate", "Tomato paste"),
        "piece",
        ["400 g", "800 g"],
        150,
        "19",
        ["Amor Benamor", "Zeriba", "Cirta"],
    ),
    (
        "poisson",
        ("سردين بالزيت", "Sardines à l'huile", "Sardines in oil"),
        "piece",
        ["125 g"],
        160,
        "19",
        ["Mama", "Sardinal"],
    ),
    ("poisson", ("تونة", "Thon", "Tuna"), "piece", ["160 g"], 350, "19", ["Mama", "Isabel"]),
    (
        "confitures",
        ("مربى المشمش", "Confiture d'abricot", "Apricot jam"),
        "piece",
        ["450 g"],
        220,
        "19",
        ["Amor Benamor", "Cirta"],
    ),
    (
        "eaux",
        ("مياه معدنية", "Eau minérale", "Mineral water"),
        "bottle",
        ["0,5 L", "1,5 L"],
        35,
        "19",
        ["Ifri", "Lalla Khedidja", "Saïda", "Guedila"],
    ),
    (
        "sodas",
        ("مشروب غازي", "Boisson gazeuse", "Soft drink"),
        "bottle",
        ["0,33 L", "1 L", "2 L"],
        90,
        "19",
        ["Hamoud Boualem", "Coca-Cola", "Pepsi"],
    ),
    (
        "jus",
        ("عصير برتقال", "Jus d'orange", "Orange juice"),
        "bottle",
        ["1 L"],
        160,
        "19",
        ["Rouiba", "Ngaous", "Tchina"],
    ),
    (
        "biscuits",
        ("بسكويت", "Biscuits", "Biscuits"),
        "pack",
        ["100 g", "300 g"],
        60,
        "19",
        ["Bimo", "Mauny", "Biscolade"],
    ),
    (
        "chocolat",
        ("شوكولاتة بالحليب", "Chocolat au lait", "Milk chocolate"),
        "piece",
        ["100 g"],
        150,
        "19",
        ["Bimo", "Tifra"],
    ),
    ("chips", ("رقائق البطاطا", "Chips", "Potato crisps"), "pack", ["45 g", "150 g"], 50, "19", ["Mahboul", "Chipsy"]),
    (
        "lessive",
        ("مسحوق الغسيل", "Lessive en poudre", "Washing powder"),
        "bag",
        ["1 kg", "3 kg", "5 kg"],
        280,
        "19",
        ["Isis", "Tide", "Ariel"],
    ),
    (
        "vaisselle",
        ("سائل غسيل الأواني", "Liquide vaisselle", "Dishwashing liquid"),
        "bottle",
        ["750 ml", "1,5 L"],
        170,
        "19",
        ["Pril", "Isis", "Mio"],
    ),
    ("javel", ("ماء جافيل", "Eau de Javel", "Bleach"), "bottle", ["1 L", "2 L"], 80, "19", ["La Croix", "Isis"]),
    ("savons", ("صابون", "Savon", "Soap"), "piece", ["125 g"], 70, "19", ["Venus", "Palmolive", "Lux"]),
    (
        "shampooings",
        ("شامبو", "Shampooing", "Shampoo"),
        "bottle",
        ["250 ml", "400 ml"],
        320,
        "19",
        ["Venus", "Head & Shoulders"],
    ),
    (
        "bebe",
        ("حفاضات الأطفال", "Couches bébé", "Baby diapers"),
        "pack",
        ["taille 3", "taille 4", "taille 5"],
        1450,
        "19",
        ["Bimo", "Pampers", "Molfix"],
    ),
]
PACKAGING = [
    ("piece", 1, ("", "", "")),
    ("pack", 6, (" - حزمة 6", " - pack de 6", " - pack of 6")),
    ("carton", 12, (" - كرتون 12", " - carton de 12", " - carton of 12")),
    ("carton", 24, (" - كرتون 24", " - carton de 24", " - carton of 24")),
]
SUPPLIERS = [
    ("CEV", "Cevital", "06"),
    ("SIM", "Groupe Sim", "09"),
    ("SOU", "Soummam", "06"),
    ("HBO", "Hamoud Boualem", "16"),
    ("HEN", "Henkel Algérie", "16"),
    ("VEN", "Venus", "16"),
    ("BIM", "Bimo", "09"),
    ("ABE", "Amor Benamor", "24"),
    ("IFR", "Ifri", "06"),
    ("TCH", "Tchin-Lait Candia", "06"),
]
BRAND_SUPPLIERS = {
    "Cevital": "CEV",
    "Elio": "CEV",
    "Fleurial": "CEV",
    "Matina": "CEV",
    "Sim": "SIM",
    "Soummam": "SOU",
    "Hamoud Boualem": "HBO",
    "Isis": "HEN",
    "Pril": "HEN",
    "Venus": "VEN",
    "Bimo": "BIM",
    "Amor Benamor": "ABE",
    "Ifri": "IFR",
    "Candia": "TCH",
    "Tchina": "TCH",
}
TAGS = [
    ("promo", ("عرض", "Promo", "Promotion"), "#DC2626"),
    ("nouveau", ("جديد", "Nouveau", "New"), "#2563EB"),
    ("best-seller", ("الأكثر مبيعا", "Meilleure vente", "Best seller"), "#F59E0B"),
    ("made-in-algeria", ("صنع في الجزائر", "Fabriqué en Algérie", "Made in Algeria"), "#16A34A"),
    ("bio", ("عضوي", "Bio", "Organic"), "#65A30D"),
    ("ramadan", ("رمضان", "Ramadan", "Ramadan"), "#7C3AED"),
]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _ean13(number: int) -> str:
    body = f"613{number:09d}"  # 613: GS1 Algeria
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _categories(rng, count: int) -> dict[str, list[Category]]:
    """The real tree, then brand ranges under each subcategory until `count` categories exist.
    Returns the categories that hold products, by family subcategory slug."""
    rows, holders = [], {}
    subcategories = []
    for order, (slug, (ar, fr, en), subs) in enumerate(DEPARTMENTS):
        root = Category(id=_uuid(rng), slug=slug, name=ar, name_ar=ar, name_fr=fr, name_en=en, sort_order=order)
        root.path, root.depth = root.id.hex, 0
        rows.append(root)
        for sub_order, (sub_slug, (sar, sfr, sen)) in enumerate(subs.items()):
            sub = Category(
                id=_uuid(rng), slug=sub_slug, name=sar, name_ar=sar, name_fr=sfr, name_en=sen, sort_order=sub_order
            )
            sub.parent, sub.path, sub.depth = root, f"{root.path}/{sub.id.hex}", 1
            rows.append(sub)
            subcategories.append(sub)
            holders[sub_slug] = [sub]
    brands_by_sub: dict[str, list[str]] = {}
    for sub_slug, _names, _unit, _sizes, _price, _tax, brands in FAMILIES:
        brands_by_sub.setdefault(sub_slug, [])
        brands_by_sub[sub_slug] += [b for b in brands if b not in brands_by_sub[sub_slug]]
    series = 0
    while len(rows) < count:
        series += 1
        for sub in subcategories:
            if len(rows) >= count:
                break
            brand = brands_by_sub[sub.slug][(series - 1) % len(brands_by_sub[sub.slug])]
            suffix = f" {brand}" if series <= len(brands_by_sub[sub.slug]) else f" {brand} {series}"
            leaf = Category(
                id=_uuid(rng),
                slug=f"{sub.slug}-{series}",
                name=sub.name_ar + suffix,
                name_ar=sub.name_ar + suffix,
                name_fr=sub.name_fr + suffix,
                name_en=sub.name_en + suffix,
                sort_order=series,
            )
            leaf.parent, leaf.path, leaf.depth = sub, f"{sub.path}/{leaf.id.hex}", 2
            rows.append(leaf)
            holders[sub.slug].append(leaf)
    Category.objects.bulk_create(rows, batch_size=BATCH)
    return holders


def run(*, size: str, out) -> list:
    if Category.objects.filter(slug="epicerie").exists():
        out.write("  catalog already seeded; kept as is")
        return []
    product_count, category_count = SIZES[size]
    rng = random.Random(SEED)
    holders = _categories(rng, category_count)
    suppliers = [Supplier(id=_uuid(rng), code=code, name=name, wilaya_id=wilaya) for code, name, wilaya in SUPPLIERS]
    Supplier.objects.bulk_create(suppliers)
    by_code = {s.code: s for s in suppliers}
    supplier_by_brand = {brand: by_code[code] for brand, code in BRAND_SUPPLIERS.items()}
    tags = [
        Tag(id=_uuid(rng), slug=slug, name=ar, name_ar=ar, name_fr=fr, name_en=en, color=color)
        for slug, (ar, fr, en), color in TAGS
    ]
    Tag.objects.bulk_create(tags)

    per_family = [
        [(family, brand, item, packaging) for brand in family[6] for item in family[3] for packaging in PACKAGING]
        for family in FAMILIES
    ]
    # Round-robin over the families, so even the small catalog has every kind of product.
    combos = [combo for group in zip_longest(*per_family) for combo in group if combo]
    products, opening, tiers, tag_links = [], [], [], []
    for n in range(product_count):
        (sub, (ar, fr, en), unit, sizes, price, tax, _brands), brand, item, packaging = combos[n % len(combos)]
        pack_unit, pack_size, (par, pfr, pen) = packaging
        edition = n // len(combos)
        suffix = f" #{edition + 1}" if edition else ""
        step = sizes.index(item) + 1
        base = to_money(Decimal(price) * step * pack_size * Decimal(rng.randint(90, 115)) / 100)
        stock = rng.choice([0, 0, 3, 8, 15, 40, 75, 120, 300, 800])
        product = Product(
            id=_uuid(rng),
            sku=f"LV-{n + 1:06d}",
            barcode=_ean13(n + 1),
            name=f"{ar} {brand} {item}{par}{suffix}",
            name_ar=f"{ar} {brand} {item}{par}{suffix}",
            name_fr=f"{fr} {brand} {item}{pfr}{suffix}",
            name_en=f"{en} {brand} {item}{pen}{suffix}",
            category=rng.choice(holders[sub]),
            supplier=supplier_by_brand.get(brand),
            brand=brand,
            unit=pack_unit if pack_size > 1 else unit,
            pack_size=pack_size,
            order_multiple=1,
            min_order_quantity=1 if pack_size > 1 else rng.choice([1, 1, 2, 5]),
            base_price=base,
            cost_price=to_money(base * Decimal("0.82")),
            tax_rate=Decimal(tax),
            low_stock_threshold=rng.choice([None, 5, 10, 20]),
            is_active=rng.random() > 0.03,
            is_featured=rng.random() < 0.05,
        )
        product.search_text = product_search_text(product)
        products.append(product)
        if stock:
            opening.append((product.pk, stock))
        if rng.random() < 0.3:
            tiers.append(PriceTier(product=product, min_quantity=10, unit_price=to_money(base * Decimal("0.97"))))
            tiers.append(PriceTier(product=product, min_quantity=50, unit_price=to_money(base * Decimal("0.94"))))
        for tag in tags:
            if rng.random() < 0.06:
                tag_links.append(Product.tags.through(product_id=product.id, tag_id=tag.id))
    Product.objects.bulk_create(products, batch_size=BATCH)
    rows: list[tuple] = []
    history = StockHistory(product_ids=[pk for pk, _stock in opening], sink=SimpleNamespace(add=rows.append))
    now = timezone.now()
    for pk, stock in opening:
        history.move(product_id=pk, delta=stock, reason=StockReason.IMPORT, at=now, note="demo seed")
    StockMovement.objects.bulk_create(
        [StockMovement(**dict(zip(STOCK_MOVEMENT_COLUMNS, row, strict=True))) for row in rows], batch_size=BATCH
    )
    history.write_stock()
    PriceTier.objects.bulk_create(tiers, batch_size=BATCH)
    Product.tags.through.objects.bulk_create(tag_links, batch_size=BATCH)
    catalog_changed()
    out.write(f"  catalog: {len(products)} products in {Category.objects.count()} categories")
    return []
