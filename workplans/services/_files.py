"""Uploaded files: the type is read from the content, never from the name or the browser."""

import os
import uuid

import filetype
from django.core.files.base import File

from ctportal.exceptions import DomainError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


def uploaded_file_check(uploaded_file, *, field: str) -> tuple[str, str, int]:
    """(mime type, extension, size) of an allowed file: PDF, PNG, JPEG, DOCX or XLSX by
    content, at most 10 MB."""
    if uploaded_file is None:
        raise DomainError("Choose a file to upload.", field=field, code="required")
    size = uploaded_file.size
    if size is None:
        uploaded_file.seek(0, os.SEEK_END)
        size = uploaded_file.tell()
    if size == 0:
        raise DomainError("The file is empty.", field=field, code="file_empty")
    if size > MAX_UPLOAD_BYTES:
        raise DomainError(
            f"The file is {size / 1024 / 1024:.1f} MB; files of at most 10 MB are accepted.",
            field=field,
            code="file_too_large",
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        found = f" (it looks like {kind.extension.upper()})" if kind else ""
        raise DomainError(
            f"Only PDF, PNG, JPEG, Word (DOCX) and Excel (XLSX) files are accepted{found}.",
            field=field,
            code="file_type_not_allowed",
        )
    return kind.mime, ALLOWED_TYPES[kind.mime], size


def original_name_of(uploaded_file) -> str:
    return os.path.basename(getattr(uploaded_file, "name", "") or "upload")[:255]


def stored_file(uploaded_file, *, extension: str) -> File:
    """The upload under a random name with the extension of its real type, so a stored
    name never comes from the user."""
    uploaded_file.seek(0)
    return File(uploaded_file, name=f"{uuid.uuid4().hex}.{extension}")
