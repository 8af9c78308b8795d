"""Uploaded files: the type is read from the content, never from the name or the browser,
and the type alone gives the extension under which a file is stored and downloaded.

A check of the first bytes is not enough on its own: a file can start with "%PDF" and
still be HTML or a script, so a name ending in .hta, .bat or .html must never reach the
person who downloads it. Names are therefore rebuilt: the uploader's base name, cleaned,
plus the extension of the detected type (ALLOWED_TYPES). Word and Excel files are ZIP
packages: they are accepted only when their [Content_Types].xml declares a plain
(macro-free) document whose main part is in the package.
"""

import functools
import logging
import os
import uuid
import zipfile
from contextvars import ContextVar
from xml.etree import ElementTree

import filetype
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models.fields.files import FieldFile

from ctportal.exceptions import DomainError
from ctportal.uploads import ALLOWED_TYPES, DOCX, JPEG, PDF, PNG, XLSX, safe_file_name

__all__ = [
    "ALLOWED_TYPES",
    "atomic_with_files",
    "original_name_of",
    "save_with_file",
    "stored_file",
    "uploaded_file_check",
]

logger = logging.getLogger(__name__)

_MAGIC = [(b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG)]
# The main part's content type in [Content_Types].xml; the macro-enabled variants
# (docm, xlsm) have other content types and are therefore refused.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_MAX_CONTENT_TYPES_BYTES = 256 * 1024
_REFUSED = (
    "Only PDF, PNG, JPEG, Word (DOCX) and Excel (XLSX) files are accepted{found}. "
    "Word and Excel files with macros are not."
)


def max_upload_bytes() -> int:
    return settings.UPLOAD_MAX_FILE_SIZE


def _size_of(uploaded_file) -> int:
    size = uploaded_file.size
    if size is None:
        uploaded_file.seek(0, os.SEEK_END)
        size = uploaded_file.tell()
    return size


def _ooxml_type(uploaded_file) -> str | None:
    """DOCX or XLSX when the package declares a plain document whose main part it holds."""
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _MAX_CONTENT_TYPES_BYTES:
                return None
            # A DOCTYPE (entity expansion) has no place in a content-types part.
            data = archive.read(info)
            if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
                return None
            types = ElementTree.fromstring(data)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError, ValueError):
        return None
    finally:
        uploaded_file.seek(0)
    found = set()
    for override in types.iter(f"{_CONTENT_TYPES_NS}Override"):
        kind = _OOXML_MAIN.get(override.get("ContentType", ""))
        if kind and override.get("PartName", "").lstrip("/") in names:
            found.add(kind)
    return found.pop() if len(found) == 1 else None


def _detect(uploaded_file) -> str | None:
    uploaded_file.seek(0)
    head = uploaded_file.read(8)
    uploaded_file.seek(0)
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_type(uploaded_file)
    return None


def uploaded_file_check(uploaded_file, *, field: str) -> tuple[str, str, int]:
    """(mime type, extension, size) of an allowed file: PDF, PNG, JPEG, DOCX or XLSX by
    content, at most UPLOAD_MAX_FILE_SIZE (10 MB)."""
    if uploaded_file is None:
        raise DomainError("Choose a file to upload.", field=field, code="required")
    size = _size_of(uploaded_file)
    if size == 0:
        raise DomainError("The file is empty.", field=field, code="file_empty")
    limit = max_upload_bytes()
    if size > limit:
        raise DomainError(
            f"The file is {size / 1024 / 1024:.1f} MB; files of at most "
            f"{limit / 1024 / 1024:g} MB are accepted.",
            field=field,
            code="file_too_large",
        )
    mime = _detect(uploaded_file)
    if mime is None:
        uploaded_file.seek(0)
        kind = filetype.guess(uploaded_file.read(8192))
        uploaded_file.seek(0)
        found = f" (it looks like {kind.extension.upper()})" if kind else ""
        raise DomainError(_REFUSED.format(found=found), field=field, code="file_type_not_allowed")
    return mime, ALLOWED_TYPES[mime], size


def original_name_of(uploaded_file, *, extension: str) -> str:
    """The name to show for an upload: safe_file_name with the extension its content was
    found to have (uploaded_file_check's), so that the type is detected once."""
    return safe_file_name(getattr(uploaded_file, "name", "") or "", extension=extension)


def stored_file(uploaded_file, *, extension: str) -> File:
    """The upload under a random name with the extension of its real type, so a stored
    name never comes from the user."""
    uploaded_file.seek(0)
    return File(uploaded_file, name=f"{uuid.uuid4().hex}.{extension}")


# The files stored by the innermost running atomic_with_files service: (storage, name).
_stored: ContextVar[list[tuple] | None] = ContextVar("workplans_stored_files", default=None)


def save_with_file(instance, *, field: str) -> None:
    """Save a row whose FileField `field` stores its upload as the row is saved, within an
    atomic_with_files service: the stored file is deleted if the service then fails, the
    row's own insert included."""
    stored = _stored.get()
    if stored is None:
        raise RuntimeError("save_with_file is for atomic_with_files services.")
    try:
        instance.save()
    finally:
        field_file: FieldFile = getattr(instance, field)
        if field_file.name and field_file.storage.exists(field_file.name):
            stored.append((field_file.storage, field_file.name))


def atomic_with_files(service):
    """transaction.atomic for a service that stores uploaded files: when the service fails,
    its rows roll back and the files it stored (save_with_file) are deleted.

    A service made of others (a draft saved with its evidence, then submitted) hands the
    files of the ones that succeeded up to its own block, so a later step's failure removes
    them too. Django has no hook for the rollback of a caller's own transaction after the
    service returned; interfaces therefore call the service and add nothing after it.
    """

    @functools.wraps(service)
    def run(*args, **kwargs):
        stored: list[tuple] = []
        token = _stored.set(stored)
        try:
            with transaction.atomic():
                result = service(*args, **kwargs)
        except BaseException:
            for storage, name in stored:
                try:
                    storage.delete(name)
                except Exception:  # the refusal, not a cleanup failure, is what to report
                    logger.exception("Could not delete %s after a refused change", name)
            raise
        finally:
            _stored.reset(token)
        enclosing = _stored.get()
        if enclosing is not None:
            enclosing.extend(stored)
        return result

    return run
