"""Request body parsers: DRF's, plus one pass of input hygiene over every parsed string.

Every string key and value of a JSON, form or multipart body is checked
once, here, before any serializer or query sees it (docs/decisions.md, "Input hygiene"):
- control characters other than tab, line feed and carriage return are refused (NUL included:
  PostgreSQL text cannot hold it), and so are the bidirectional override and isolate
  characters (U+202A–U+202E, U+2066–U+2069), which can disguise what a text shows;
- the zero-width space U+200B and the byte-order mark U+FEFF are removed (ZWNJ and ZWJ,
  U+200C/U+200D, are kept: Arabic and other scripts need them);
- a string longer than `MAX_STRING_LENGTH` is refused (serializers set the real bounds; this
  is the backstop), and JSON nested deeper than `MAX_JSON_DEPTH` is refused.
Refusals are 400 VALIDATION_ERROR naming the dotted path of the field; malformed JSON is a
localized 400 instead of the parser's English text.
"""

import codecs
import json
import re

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import parsers

from livrili.core.errors import DomainError

MAX_JSON_DEPTH = 32
MAX_STRING_LENGTH = 10_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_ZERO_WIDTH = re.compile(r"[\u200b\ufeff]")


def _string_problem(value: str) -> str | None:
    if _CONTROL.search(value):
        return _("Control characters are not allowed.")
    if _BIDI.search(value):
        return _("Bidirectional override characters are not allowed.")
    if len(value) > MAX_STRING_LENGTH:
        return _("Ensure this value has at most %(limit)d characters.") % {"limit": MAX_STRING_LENGTH}
    return None


def _path(prefix: str, key) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


class _Cleaner:
    """Walks parsed data once: collects refusals by dotted path, returns the cleaned copy."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def string(self, value: str, path: str) -> str:
        problem = _string_problem(value)
        if problem:
            self.errors.setdefault(path or "non_field_errors", []).append(problem)
        return _ZERO_WIDTH.sub("", value) if ("\u200b" in value or "\ufeff" in value) else value

    def value(self, value, path: str, depth: int):
        if isinstance(value, str):
            return self.string(value, path)
        if isinstance(value, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise _too_deep()
            if isinstance(value, dict):
                return {
                    self.string(key, _path(path, key)): self.value(item, _path(path, key), depth + 1)
                    for key, item in value.items()
                }
            return [self.value(item, _path(path, index), depth + 1) for index, item in enumerate(value)]
        return value

    def raise_if_refused(self):
        if self.errors:
            raise DomainError("VALIDATION_ERROR", details=self.errors)


def _too_deep() -> DomainError:
    return DomainError(
        "VALIDATION_ERROR",
        message=_("The request body is nested too deeply."),
        details={
            "non_field_errors": [_("Nest objects and lists at most %(limit)d levels deep.") % {"limit": MAX_JSON_DEPTH}]
        },
    )


def _malformed(detail: str) -> DomainError:
    return DomainError(
        "VALIDATION_ERROR", message=_("The request body is not valid JSON."), details={"non_field_errors": [detail]}
    )


def clean_form(data: QueryDict) -> QueryDict:
    """Form fields through the same checks as JSON strings (Django already drops non-printable
    characters from uploaded file names)."""
    cleaner = _Cleaner()
    cleaned = QueryDict(mutable=True)
    for key, values in data.lists():
        cleaned.setlist(cleaner.string(key, key), [cleaner.string(value, key) for value in values])
    cleaner.raise_if_refused()
    cleaned._mutable = False
    return cleaned


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.decode(stream.read(), encoding)
        except UnicodeDecodeError as exc:
            raise _malformed(_("The body is not valid %(encoding)s text.") % {"encoding": encoding}) from exc
        try:
            data = json.loads(text, parse_constant=_refuse_constant if self.strict else None)
        except json.JSONDecodeError as exc:
            raise _malformed(
                _("Malformed JSON at line %(line)d, column %(column)d.") % {"line": exc.lineno, "column": exc.colno}
            ) from exc
        except ValueError as exc:  # NaN, Infinity, a number too long to convert
            raise _malformed(_("The body holds a number JSON does not allow.")) from exc
        except RecursionError as exc:
            raise _too_deep() from exc
        cleaner = _Cleaner()
        data = cleaner.value(data, "", 0)
        cleaner.raise_if_refused()
        return data


def _refuse_constant(name):
    raise ValueError(name)


def _too_many(exc) -> DomainError:
    if isinstance(exc, TooManyFilesSent):
        detail = _("The body has too many files (at most %(limit)d).") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    else:
        detail = _("The body has too many fields (at most %(limit)d).") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    return DomainError("VALIDATION_ERROR", message=detail, details={"non_field_errors": [detail]})


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return clean_form(super().parse(stream, media_type, parser_context))
        except (TooManyFieldsSent, TooManyFilesSent) as exc:  # Django's bound, raised as a 500 otherwise
            raise _too_many(exc) from exc


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            parsed = super().parse(stream, media_type, parser_context)
        except (TooManyFieldsSent, TooManyFilesSent) as exc:
            raise _too_many(exc) from exc
        return parsers.DataAndFiles(clean_form(parsed.data), parsed.files)
