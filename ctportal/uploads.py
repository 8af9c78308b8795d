"""Uploaded files: the allowed types, a size limit enforced while the body streams, and
safe file names.

Django's own handlers store every byte of an upload (in memory or in a temporary file)
before any form or service can look at its size, so a 200 MB "evidence" file was read and
written whole before it was refused. FileSizeLimitUploadHandler stands first in
FILE_UPLOAD_HANDLERS: once a file passes UPLOAD_MAX_FILE_SIZE it stops passing the data on,
so the handlers behind it store at most the limit, and the form receives a stand-in that
carries the file's name and full size and no content; the ordinary size check then refuses
it with the usual message on the form's field. (Raising SkipFile instead would drop the
file silently: an optional field would save the form without it and say nothing.)

The body as a whole is limited before it is read at all, by
ctportal.middleware.RequestSizeLimitMiddleware.
"""

import io
import os
import re
import unicodedata

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

_MAX_STEM = 100

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The types an upload may have (found in its content, never its name) and the one
# extension a file of each type is stored and downloaded under.
ALLOWED_TYPES: dict[str, str] = {PDF: "pdf", PNG: "png", JPEG: "jpg", DOCX: "docx", XLSX: "xlsx"}


class TooLargeUpload(UploadedFile):
    """A file refused for its size while it streamed: its name and size, no content."""

    def __init__(self, *, name: str, content_type: str, size: int, charset=None):
        super().__init__(io.BytesIO(b""), name, content_type, size, charset)

    def open(self, mode=None):
        self.file.seek(0)
        return self


class FileSizeLimitUploadHandler(FileUploadHandler):
    """Stops storing a file at UPLOAD_MAX_FILE_SIZE; see the module's docstring."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.limit = settings.UPLOAD_MAX_FILE_SIZE
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        # None: the handlers behind this one (the ones that store) get nothing more.
        return raw_data if self.received <= self.limit else None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received <= self.limit:
            return None  # the next handler hands over the stored file
        return TooLargeUpload(
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
        )


def safe_file_name(name: str, *, extension: str) -> str:
    """`name` fit to show and to download as a file of type `extension`.

    The folders and the uploader's own extension are dropped; control and format
    characters (a right-to-left override, say) go; anything but letters, digits, spaces
    and -_.() becomes "_" (quotes, semicolons, slashes, colons); at most 100 characters
    stay before ".<extension>". Like django.utils.text.get_valid_filename, except that
    spaces stay, since people name files "attendance sheet" and Django quotes the name
    in Content-Disposition.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    stem = os.path.splitext(base)[0] if "." in base.lstrip(".") else base
    kept = []
    for char in unicodedata.normalize("NFC", stem):
        category = unicodedata.category(char)
        if category.startswith("C"):
            continue
        kept.append(char if category[0] in "LN" or char in " -_.()" else "_")
    stem = re.sub(r" +", " ", re.sub(r"_+", "_", "".join(kept)))
    stem = stem.strip(" ._")[:_MAX_STEM].rstrip(" .")
    return f"{stem or 'file'}.{extension}"
