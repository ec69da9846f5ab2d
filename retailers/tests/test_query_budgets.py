import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from livrili.core.tests.files import minimal_pdf
from retailers.services import address_create, document_upload

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_staff_retailer_list_does_not_grow_with_rows(client_for, make_user, make_retailer):
    staff = make_user(role="admin", perms=["retailers.view_retailer"])
    client = client_for(staff)
    make_user(role="retailer")
    one = queries(client, "/api/v1/retailers")
    for _ in range(5):
        make_user(role="retailer")

    assert queries(client, "/api/v1/retailers") == one <= 6


def test_self_service_lists_do_not_grow_with_rows(client_for, owner, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(owner)
    for n in range(4):
        address_create(retailer=owner.retailer, actor=owner, address=f"Rue {n}", wilaya_id="16")
        document_upload(
            retailer=owner.retailer, actor=owner, type="other", file=SimpleUploadedFile("a.pdf", minimal_pdf())
        )
        make_user(role="retailer", retailer=owner.retailer)

    for url, budget in (("addresses", 5), ("documents", 5), ("members", 6)):
        assert queries(client, f"/api/v1/retailers/{url}") <= budget, url
