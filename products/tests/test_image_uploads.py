"""Product images are decoded in full and bounded before anything is stored."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from livrili.core.testing.assertions import assert_error
from livrili.core.tests.files import PNG_HEADER_ONLY, bomb_png, png_bytes
from products.models import ProductImage

pytestmark = pytest.mark.django_db


def stored_product_images() -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT, "products").rglob("*") if p.is_file())


def post_image(client, product, name, content):
    return client.post(
        f"/api/v1/products/{product.pk}/images",
        {"image": SimpleUploadedFile(name, content, content_type="image/png")},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: bomb_png(20_000, 20_000), "The image is too large: at most 40 megapixels."),  # Pillow: error
        (lambda: bomb_png(10_000, 10_000), "The image is too large: at most 40 megapixels."),  # Pillow: warning
        (lambda: bomb_png(8_000, 6_000), "The image is too large: at most 40 megapixels."),  # below Pillow's limit
        (lambda: PNG_HEADER_ONLY, "The file is not a valid image."),
    ],
    ids=["bomb-20000x20000", "bomb-10000x10000", "8000x6000", "png-header-only"],
)
def test_oversize_or_broken_images_are_400_and_store_nothing(client_for, catalog_staff, make_product, content, message):
    # given a product and the files already stored
    product = make_product()
    files_before = stored_product_images()

    # when an image that would decode to too many pixels (or does not decode) is uploaded
    response = post_image(client_for(catalog_staff), product, "bomb.png", content())

    # then it is refused naming the field, and neither a row nor a file is written
    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {"image": [message]}
    assert ProductImage.objects.count() == 0
    assert stored_product_images() == files_before


def test_a_small_valid_png_is_stored(client_for, catalog_staff, make_product):
    product = make_product()

    response = post_image(client_for(catalog_staff), product, "ok.png", png_bytes((64, 48)))

    assert response.status_code == 201, response.json()
    assert ProductImage.objects.get().product == product


@pytest.mark.parametrize("action", ["create", "update"])
def test_a_category_image_goes_through_the_same_check(catalog_staff, make_category, action):
    """The admin is the only way to give a category an image: the service checks it."""
    from livrili.core.errors import DomainError
    from products.models import Category
    from products.services.categories import category_create, category_update

    category = make_category()
    bomb = SimpleUploadedFile("bomb.png", bomb_png(8_000, 6_000), content_type="image/png")

    with pytest.raises(DomainError) as refused:
        if action == "create":
            category_create(actor=catalog_staff, name_ar="فئة", name_fr="Rayon", name_en="Aisle", image=bomb)
        else:
            category_update(actor=catalog_staff, category=category, image=bomb)

    assert (refused.value.code, list(refused.value.details)) == ("VALIDATION_ERROR", ["image"])
    assert Category.objects.count() == 1
    assert not Category.objects.get().image
