"""Checks of uploaded files, shared by every app that stores them (product images, retailer
documents, later proofs of delivery): the content decides, never the file name or the
client's content type, and a file is accepted only once it has been decoded in full.
A refusal is a 400 VALIDATION_ERROR naming the form field; nothing is stored before."""

import re
import warnings

from django.utils.translation import gettext as _
from PIL import Image

from livrili.core.errors import DomainError, validation_error

# Far above any product photo or scanned document (a 24-megapixel camera), far below what
# would exhaust a worker's memory once decoded (40 MP of RGBA is 160 MB).
MAX_IMAGE_PIXELS = 40_000_000
# Pillow format name → MIME type. Only these decoders are ever tried on an upload.
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}

PDF_HEADER = re.compile(rb"%PDF-\d\.\d")
PDF_OBJECT_START = re.compile(rb"\d\s+\d+\s+obj$")  # "1 0 obj", matched on a short window
PDF_END = re.compile(rb"%%EOF\s*$")


def _too_many_pixels(field: str) -> DomainError:
    return validation_error(
        field,
        _("The image is too large: at most %(megapixels)d megapixels.") % {"megapixels": MAX_IMAGE_PIXELS // 10**6},
    )


def image_check(upload, *, field: str, formats: tuple[str, ...] = tuple(IMAGE_FORMATS)) -> str:
    """Decode the whole image, within `MAX_IMAGE_PIXELS`, and return its MIME type. Only the
    decoders of `formats` are tried (Pillow format names); the dimensions are checked from the
    header before any pixel is decoded, so a decompression bomb is refused without being
    expanded. Any decoding error is a refusal."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(formats)) as image:
                image_format = image.format
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(field)
                image.verify()  # structure and checksums
            upload.seek(0)
            with Image.open(upload, formats=[image_format]) as image:
                image.load()  # every pixel, which verify() does not decode
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(field) from exc
    except Exception as exc:  # Pillow reports broken data with many exception types
        raise validation_error(field, _("The file is not a valid image.")) from exc
    finally:
        upload.seek(0)
    return IMAGE_FORMATS[image_format]


def pdf_check(upload, *, field: str) -> str:
    """A PDF by its structure, minimally parsed: the `%PDF-x.y` header, at least one
    indirect object (`n g obj … endobj`) and the `%%EOF` marker ending the file. Returns the
    MIME type."""
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    # The first object: its "n g obj" header just before the first "endobj" (searching a short
    # window keeps the work constant whatever the file holds).
    first_end = content.find(b"endobj")
    header_at = content.rfind(b"obj", 0, first_end) if first_end > 0 else -1
    window = content[max(0, header_at - 24) : header_at + 3]
    if PDF_HEADER.match(content) and PDF_END.search(content[-1024:]) and PDF_OBJECT_START.search(window):
        return "application/pdf"
    raise validation_error(field, _("The file is not a valid PDF document."))
