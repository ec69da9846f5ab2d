"""Product images: uploaded through the API, given as absolute URLs, served back."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from products.services.categories import category_create
from products.services.products import product_create

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def product(db):
    category = category_create(actor=None, parent=None, name_ar="فئة", name_fr="Catégorie", name_en="Cat")
    return product_create(
        actor=None,
        sku="IMG-1",
        name_ar="منتج",
        name_fr="Produit",
        name_en="Product",
        category=category,
        base_price=Decimal("10.00"),
    )


def test_an_uploaded_image_has_an_absolute_url_that_serves_its_bytes(make_user, client_for, api_client, product):
    # given an image uploaded by catalog staff
    staff = client_for(make_user(is_superuser=True))
    content = png_bytes()
    upload = SimpleUploadedFile("shelf.png", content, content_type="image/png")
    created = staff.post(f"/api/v1/products/{product.pk}/images", {"image": upload}, format="multipart")
    assert created.status_code == 201, created.json()
    url = created.json()["data"]["url"]

    # when a retailer reads the product and anyone fetches the image
    retailer = client_for(make_user(role="retailer"))
    detail_url = retailer.get(f"/api/v1/products/{product.pk}").json()["data"]["images"][0]["url"]
    staff_url = staff.get(f"/api/v1/products/{product.pk}").json()["data"]["images"][0]["url"]
    served = api_client.get(url.removeprefix("http://testserver"))

    # then the URLs are absolute and the bytes come back
    assert url.startswith("http://testserver/media/products/")
    assert detail_url == staff_url == url
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == content
    assert served["Content-Type"] == "image/png"


def test_the_url_follows_the_scheme_behind_the_tls_proxy(make_user, client_for, product):
    staff = client_for(make_user(is_superuser=True))
    upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")

    created = staff.post(
        f"/api/v1/products/{product.pk}/images",
        {"image": upload},
        format="multipart",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_HOST="localhost",
    )

    assert created.json()["data"]["url"].startswith("https://localhost/media/products/")


@pytest.mark.parametrize(
    ("path", "status"),
    [("/media/../livrili/settings.py", 400), ("/media/%2e%2e/manage.py", 400), ("/media/nothing.png", 404)],
)
def test_nothing_outside_the_media_root_is_served(api_client, path, status):
    assert api_client.get(path).status_code == status
