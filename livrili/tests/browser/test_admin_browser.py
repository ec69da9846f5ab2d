"""The back office in a real browser, in Arabic: every main page is right to left, runs without
a JavaScript error and shows none of the project's English strings; a manual order is placed
end to end through the autocompletes and the live quote."""

import re
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from analytics.models import ReportExport
from livrili.core.testing.passwords import DEFAULT_PASSWORD
from orders.models import CartItem, Order
from orders.services.lifecycle import order_confirm
from orders.services.placement import order_place

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 15  # seconds a page or a script may take on a loaded CI machine


def project_english(language: str = "ar") -> set[str]:
    """The project's own English words and sentences that have a different translation in
    `language`, lower case: if one shows on a page in that language, something on it escaped
    translation (a verbose name, a raw status code)."""
    sentences = set()
    for pattern in (
        f"*/locale/{language}/LC_MESSAGES/django.po",
        f"livrili/*/locale/{language}/LC_MESSAGES/django.po",
        f"locale/{language}/LC_MESSAGES/django.po",
    ):
        for path in Path(settings.BASE_DIR).glob(pattern):
            sentences |= _sentences(path)
    return sentences


def _sentences(path: Path) -> set[str]:
    return {
        entry.msgid.lower()
        for entry in polib.pofile(str(path))
        if entry.msgstr
        and entry.msgstr != entry.msgid
        and not re.search(r"[%{(]", entry.msgid)
        and len(entry.msgid) >= 4
    }


# Shown in English on purpose: the language switcher names each language in itself. And English
# words that are French words too ("route": a road; "description"; "balance" in "Balance âgée").
SAME_WORDS = {"ar": {"english"}, "fr": {"english", "route", "description", "balance"}}


def untranslated(text: str, english: set[str], language: str) -> list[str]:
    """The catalog's English found in the page's text, as whole words."""
    english = english - SAME_WORDS[language]
    words = text.lower()
    return sorted(sentence for sentence in english if re.search(rf"(?<![\w.-]){re.escape(sentence)}(?![\w.-])", words))


@pytest.fixture
def world(make_user, make_product):
    """An operator with every permission, an active retailer, products, a placed order and a
    confirmed one (which has its delivery)."""
    boss = make_user(role="admin", is_superuser=True, username="boss")
    shop = make_user(role="retailer", username="shop.owner")
    shop.retailer.credit_limit = Decimal("500000.00")
    shop.retailer.business_name = "Épicerie du Port"
    shop.retailer.save(update_fields=["credit_limit", "business_name"])
    oil = make_product(stock=500, base_price=Decimal("120.00"), name_ar="زيت المائدة", name_fr="Huile de table")
    orders = []
    for key in ("a", "b"):
        CartItem.objects.create(retailer=shop.retailer, product=oil, quantity=20)
        order, _replayed = order_place(
            retailer=shop.retailer, actor=shop, payment_method="credit", idempotency_key=key, fingerprint=key
        )
        orders.append(order)
    order_confirm(order=orders[1], actor=boss)
    return {"boss": boss, "shop": shop, "oil": oil, "orders": orders}


def log_in_arabic(browser, live_server, language="ar"):
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/admin/login/")
    Select(browser.find_element(By.ID, "admin-language")).select_by_value(language)
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.TAG_NAME, "html").get_attribute("lang") == language)
    browser.find_element(By.ID, "id_username").send_keys("boss")
    browser.find_element(By.ID, "id_password").send_keys(DEFAULT_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    # the login page has a #user-tools too (its language switcher): wait for the logout form, which
    # only a signed-in page has, or the next get() races the login's redirect to /admin/
    WebDriverWait(browser, WAIT).until(EC.presence_of_element_located((By.ID, "logout-form")))


# The page's text without what operators typed into its fields (a time slot named "morning").
VISIBLE_TEXT = """
const page = document.body.cloneNode(true);
page.querySelectorAll("textarea, input").forEach((field) => field.remove());
document.body.appendChild(page); page.style.position = "absolute";
const text = page.innerText; page.remove(); return text;
"""


def script_errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("fr", "ltr")])
def test_every_main_page_is_in_the_language_chosen_and_error_free(
    browser, live_server, world, screenshot, language, direction
):
    log_in_arabic(browser, live_server, language)
    english = project_english(language)
    placed, confirmed = world["orders"]
    pages = {
        "home": "/admin/",
        "orders": "/admin/orders/order/",
        "order": f"/admin/orders/order/{placed.pk}/change/",
        "order-confirmed": f"/admin/orders/order/{confirmed.pk}/change/",
        "place-order": "/admin/orders/order/place/",
        "retailers": "/admin/retailers/retailer/",
        "retailer": f"/admin/retailers/retailer/{world['shop'].retailer.pk}/change/",
        "products": "/admin/products/product/",
        "product-add": "/admin/products/product/add/",
        "deliveries": "/admin/deliveries/delivery/",
        "invoices": "/admin/billing/invoice/",
        "payments": "/admin/billing/payment/",
        "record-payment": "/admin/billing/payment/add/",
        "cash-handovers": "/admin/billing/cashhandover/",
        "alerts": "/admin/analytics/alert/",
        "report-exports": "/admin/analytics/reportexport/",
        "report-run": "/admin/analytics/reportexport/run/",
        "report-progress": f"/admin/analytics/reportexport/{running_export().pk}/progress/",
        "ledger": "/admin/retailers/ledgerentry/",
        "business-settings": "/admin/core/businesssettings/",
        "users": "/admin/accounts/user/",
    }
    browser.get_log("browser")  # what the log-in pages wrote is not this test's concern
    problems = {}
    for name, path in pages.items():
        browser.get(live_server.url + path)
        WebDriverWait(browser, WAIT).until(lambda b: b.execute_script("return document.readyState") == "complete")
        screenshot(f"{language}-{name}")
        text = browser.execute_script(VISIBLE_TEXT)
        found = {
            "dir": browser.find_element(By.TAG_NAME, "html").get_attribute("dir"),
            "errors": script_errors(browser),
            "english": untranslated(text, english, language),
            "server error": "Server Error" in text or "Traceback" in text,
        }
        if found != {"dir": direction, "errors": [], "english": [], "server error": False}:
            problems[name] = found
    assert problems == {}


def running_export() -> ReportExport:
    return ReportExport.objects.create(
        report_type="sales",
        format="xlsx",
        source="admin",
        status="running",
        progress=40,
        parameters={"language": "ar", "date_from": "2026-11-01", "date_to": "2026-11-30"},
    )


def test_a_report_is_run_in_the_background_and_downloaded_from_its_page(browser, live_server, world, screenshot):
    log_in_arabic(browser, live_server)
    browser.get(f"{live_server.url}/admin/analytics/reportexport/run/")
    Select(browser.find_element(By.ID, "id_report_type")).select_by_value("tax")
    Select(browser.find_element(By.ID, "id_file_format")).select_by_value("csv")
    browser.find_element(By.CSS_SELECTOR, ".submit-row input[type=submit]").click()
    WebDriverWait(browser, WAIT).until(EC.url_contains("/progress/"))
    # Celery runs eagerly here: the export is stored by the time its page opens
    link = WebDriverWait(browser, WAIT).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "a[href$='/download/']"))
    )
    screenshot("ar-report-ready")

    export = ReportExport.objects.get(report_type="tax")
    assert (export.status, export.format, export.source) == ("done", "csv", "admin")
    assert link.get_attribute("href").endswith(f"/admin/analytics/reportexport/{export.pk}/download/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert script_errors(browser) == []


def test_a_manual_order_is_placed_in_the_browser(browser, live_server, world, screenshot):
    log_in_arabic(browser, live_server)
    before = Order.objects.count()
    browser.get(f"{live_server.url}/admin/orders/order/place/")
    wait = WebDriverWait(browser, WAIT)

    def pick(field_id: str, term: str):
        # select2 builds its box after the page has loaded (admin/js/autocomplete.js): wait for it
        box = (By.CSS_SELECTOR, f"#{field_id} + .select2 .select2-selection")
        wait.until(EC.element_to_be_clickable(box)).click()
        search = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".select2-search__field")))
        search.send_keys(term)
        option = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, ".select2-results__option--highlighted")))
        option.click()

    pick("id_retailer", "Port")
    Select(browser.find_element(By.ID, "id_payment_method")).select_by_value("cash")
    pick("id_lines-0-product", world["oil"].sku)
    browser.find_element(By.ID, "id_lines-0-quantity").send_keys("12")
    # the live quote shows the line and the five totals, priced by the server
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#quote-totals tr")) == 5)
    wait.until(lambda b: b.find_element(By.CSS_SELECTOR, "tr[data-line] [data-quote=total]").text != "")
    screenshot("ar-place-order-quoted")
    browser.find_element(By.CSS_SELECTOR, "#manual-order .submit-row input[type=submit]").click()
    wait.until(EC.url_contains("/change/"))
    screenshot("ar-place-order-placed")

    assert Order.objects.count() == before + 1
    order = Order.objects.order_by("-created_at").first()
    assert (order.channel, order.payment_method, order.retailer_id) == ("admin", "cash", world["shop"].retailer.pk)
    assert [(item.product_id, item.quantity) for item in order.items.all()] == [(world["oil"].pk, 12)]
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert script_errors(browser) == []


def test_the_pages_operators_use_on_a_phone_fit_412_pixels(browser, live_server, world, screenshot):
    log_in_arabic(browser, live_server)
    placed, confirmed = world["orders"]
    pages = {
        "orders": "/admin/orders/order/",
        "order": f"/admin/orders/order/{placed.pk}/change/",
        "retailers": "/admin/retailers/retailer/",
        "retailer": f"/admin/retailers/retailer/{world['shop'].retailer.pk}/change/",
        "deliveries": "/admin/deliveries/delivery/",
        "delivery": f"/admin/deliveries/delivery/{confirmed.delivery.pk}/change/",
    }
    width, height = browser.get_window_size().values()
    browser.set_window_size(412, 900)
    try:
        overflowing = {}
        for name, path in pages.items():
            browser.get(live_server.url + path)
            WebDriverWait(browser, WAIT).until(lambda b: b.execute_script("return document.readyState") == "complete")
            screenshot(f"ar-412-{name}")
            # the page itself never scrolls sideways (wide tables scroll inside their own box)
            page_width, viewport = browser.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if page_width > viewport:
                overflowing[name] = page_width
        assert overflowing == {}
    finally:
        browser.set_window_size(width, height)
