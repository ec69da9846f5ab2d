from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from livrili.accounts.models import User
from livrili.core.testing.assertions import assert_error
from livrili.core.testing.passwords import DEFAULT_PASSWORD
from livrili.core.tests.files import PNG_HEADER_ONLY, bomb_png, minimal_pdf, png_bytes
from retailers.models import RetailerDocument

pytestmark = pytest.mark.django_db

DOCUMENTS = "/api/v1/retailers/documents"
PDF = minimal_pdf()
PNG = png_bytes()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def stored_files(retailer) -> list[Path]:
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "retailer-documents" / str(retailer.pk)
    return sorted(folder.glob("*")) if folder.exists() else []


def upload(client, name, content, type_="business_license", content_type="application/pdf"):
    return client.post(
        DOCUMENTS,
        {"type": type_, "file": SimpleUploadedFile(name, content, content_type=content_type)},
        format="multipart",
    )


def test_pdf_and_png_are_stored_privately_with_sniffed_types(client_for, pending_owner):
    client = client_for(pending_owner)

    pdf = upload(client, "licence.pdf", PDF)
    png = upload(client, "nif.PNG", PNG, type_="tax_certificate", content_type="application/octet-stream")

    assert pdf.status_code == 201, pdf.json()
    data = pdf.json()["data"]
    assert (data["type"], data["original_name"], data["content_type"], data["size"], data["is_verified"]) == (
        "business_license",
        "licence.pdf",
        "application/pdf",
        len(PDF),
        False,
    )
    assert data["uploaded_by"]["id"] == str(pending_owner.pk)
    assert png.json()["data"]["content_type"] == "image/png"
    files = stored_files(pending_owner.retailer)
    assert sorted(p.suffix for p in files) == [".pdf", ".png"]
    assert not str(files[0]).startswith(str(settings.MEDIA_ROOT))
    assert "url" not in data and "file" not in data
    assert client.get(DOCUMENTS).json()["pagination"]["total"] == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", EXE),  # an executable renamed .pdf
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024)),  # 6 MB
        ("notes.pdf", b"just some text, not a PDF"),
    ],
)
def test_refused_uploads_are_400_and_store_nothing(client_for, owner, name, content):
    response = upload(client_for(owner), name, content)

    assert "file" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert RetailerDocument.objects.count() == 0
    assert stored_files(owner.retailer) == []


def test_staff_verification_stamps_who_and_when(owner, make_user):
    from retailers.services import document_upload, document_verify

    staff = make_user(role="admin")
    document = document_upload(
        retailer=owner.retailer, actor=owner, type="id_document", file=SimpleUploadedFile("id.pdf", PDF)
    )

    document_verify(document=document, actor=staff)

    document.refresh_from_db()
    assert document.verified_by == staff and document.verified_at is not None


def test_owner_invites_and_deactivates_members(api_client, client_for, owner):
    client = client_for(owner)

    created = client.post(
        "/api/v1/retailers/members",
        {"full_name": "Sofiane Caissier", "phone": "0555 12 34 56", "password": "Member-Pass-2026", "role": "admin"},
        format="json",
    )

    assert created.status_code == 201, created.json()
    member = User.objects.get(pk=created.json()["data"]["id"])
    assert (member.role, member.retailer, member.phone, member.is_active) == (
        "retailer",
        owner.retailer,
        "+213555123456",
        True,
    )
    listed = client.get("/api/v1/retailers/members").json()["data"]
    assert [(m["full_name"], m["is_owner"]) for m in listed] == [("Amine Haddad", True), ("Sofiane Caissier", False)]
    login = api_client.post(
        "/api/v1/auth/login", {"identifier": "0555123456", "password": "Member-Pass-2026"}, format="json"
    )
    assert login.json()["data"]["user"]["retailer"]["id"] == str(owner.retailer_id)

    deactivated = client.patch(f"/api/v1/retailers/members/{member.pk}", {"is_active": False}, format="json")

    assert deactivated.json()["data"]["is_active"] is False
    again = api_client.post(
        "/api/v1/auth/login", {"identifier": "0555123456", "password": "Member-Pass-2026"}, format="json"
    )
    assert_error(again, 401, "UNAUTHORIZED")


def test_only_the_owner_manages_members_and_sees_the_statement(client_for, owner, make_user):
    member = make_user(role="retailer", retailer=owner.retailer)
    client = client_for(member)
    users = User.objects.count()

    for response in (
        client.get("/api/v1/retailers/members"),
        client.post(
            "/api/v1/retailers/members", {"full_name": "X", "phone": "0555000000", "password": DEFAULT_PASSWORD}
        ),
        client.patch(f"/api/v1/retailers/members/{owner.pk}", {"is_active": False}, format="json"),
        client.get("/api/v1/retailers/statement"),
    ):
        assert_error(response, 403, "FORBIDDEN")
    assert User.objects.count() == users
    owner.refresh_from_db()
    assert owner.is_active is True
    assert client.get("/api/v1/retailers/profile").status_code == 200


def test_the_owner_cannot_deactivate_itself(client_for, owner):
    response = client_for(owner).patch(f"/api/v1/retailers/members/{owner.pk}", {"is_active": False}, format="json")

    assert_error(response, 403, "FORBIDDEN")
    owner.refresh_from_db()
    assert owner.is_active is True


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("scan.png", lambda: bomb_png(20_000, 20_000), "The image is too large: at most 40 megapixels."),
        ("scan.png", lambda: PNG_HEADER_ONLY, "The file is not a valid image."),
        ("scan.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 64, "The file is not a valid image."),
        ("licence.pdf", lambda: b"%PDF-1.7\n" + b"0" * 1000, "The file is not a valid PDF document."),
        ("licence.pdf", lambda: b"%PDF-1.4\nstartxref\n9\n%%EOF\n", "The file is not a valid PDF document."),
    ],
    ids=["bomb-png", "png-header-only", "jpeg-magic-only", "pdf-without-trailer", "pdf-without-objects"],
)
def test_documents_are_checked_by_their_structure(client_for, owner, name, build, message):
    # when a file that only looks like an image or a PDF from its first bytes is uploaded
    response = client_for(owner).post(
        DOCUMENTS,
        {"type": "other", "file": SimpleUploadedFile(name, build())},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    # then it is refused naming the field, and neither a row nor a file is written
    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {"file": [message]}
    assert RetailerDocument.objects.count() == 0
    assert stored_files(owner.retailer) == []


def test_a_valid_small_png_and_a_minimal_pdf_are_accepted(client_for, owner):
    client = client_for(owner)

    png = upload(client, "nif.png", png_bytes((40, 30)), content_type="image/png")
    pdf = upload(client, "rc.pdf", minimal_pdf())

    assert (png.status_code, pdf.status_code) == (201, 201), (png.json(), pdf.json())
    assert (png.json()["data"]["content_type"], pdf.json()["data"]["content_type"]) == ("image/png", "application/pdf")
    assert len(stored_files(owner.retailer)) == 2


@pytest.mark.parametrize(
    ("lang", "message"),
    [("fr", "L'image est trop grande : 40 mégapixels au plus."), ("ar", "الصورة كبيرة جدًا: 40 ميغابكسل على الأكثر.")],
)
def test_upload_refusals_speak_the_request_language(client_for, owner, lang, message):
    response = client_for(owner).post(
        f"{DOCUMENTS}?lang={lang}",
        {"type": "other", "file": SimpleUploadedFile("scan.png", bomb_png(20_000, 20_000))},
        format="multipart",
    )

    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {"file": [message]}
