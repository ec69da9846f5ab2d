"""Private file storage: files never served from MEDIA_URL (retailer documents, proofs of
delivery, signatures), read back only through views that check ownership."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)
