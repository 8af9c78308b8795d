"""Uploads: a file is stored and downloaded under the extension of the type its content
has (an allow-list), never the uploader's; Content-Disposition is built by Django; size
limits bite while the body streams, before anything is stored whole."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.urls import reverse

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.factories import EvidenceFileFactory, ProgressUpdateFactory, user_with_role
from tests.workplans import (
    approved_version,
    counterpart,
    counterpart_user,
    planned_activity,
    snapshot,
)
from workplans import services
from workplans.models import EvidenceFile
from workplans.services.files import uploaded_file_check

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
# Starts like a PDF, so a check of the first bytes takes it for one; is HTML as well.
POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def activity():
    return planned_activity(approved_version(), lead=counterpart("CTD-PB"))


@pytest.fixture
def reporter(activity):
    return counterpart_user(activity.lead_counterpart, username="pb-officer")


@pytest.fixture
def manager(db):
    return user_with_role(Role.PROGRAMME_MANAGER, username="pm")


def form_url(activity) -> str:
    return reverse("workplans:progress-form", args=[activity.pk, 2])


def download_url(evidence) -> str:
    return reverse("workplans:evidence-download", args=[evidence.pk])


def post_evidence(client, activity, reporter, uploaded):
    client.force_login(reporter)
    data = {
        "status": "on_track",
        "percent_complete": "40",
        "narrative": "",
        "challenges": "",
        "revision": "0",
        "action": "save",
        f"value__{activity.plain.pk}__all__all": "1",
        "evidence": uploaded,
    }
    return client.post(form_url(activity), data)


def download(client, user, evidence):
    client.force_login(user)
    response = client.get(download_url(evidence))
    assert response.status_code == 200
    return response


def ooxml(main: str, content_type: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Office Open XML package whose [Content_Types].xml declares `main` with
    `content_type`."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main}" ContentType="{content_type}"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(main, "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


# --- The extension comes from the content -------------------------------------------------


@pytest.mark.parametrize("name", ["update.hta", "invoice.bat", "minutes.html"])
def test_a_pdf_polyglot_is_stored_and_downloaded_as_pdf_whatever_its_name(
    client, activity, reporter, manager, name
):
    response = post_evidence(client, activity, reporter, SimpleUploadedFile(name, POLYGLOT))
    assert response.status_code == 302

    evidence = EvidenceFile.objects.get()
    stem = name.rsplit(".", 1)[0]
    assert (evidence.original_name, evidence.content_type) == (f"{stem}.pdf", "application/pdf")
    assert Path(evidence.file.name).suffix == ".pdf"
    response = download(client, manager, evidence)
    assert response["Content-Disposition"] == f'attachment; filename="{stem}.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == POLYGLOT


def test_a_name_smuggling_a_second_filename_parameter_is_kept_as_a_pdf(
    client, activity, reporter, manager
):
    smuggled = 'quote"; filename=evil.html; x=".pdf'
    response = post_evidence(client, activity, reporter, SimpleUploadedFile(smuggled, POLYGLOT))
    assert response.status_code == 302

    evidence = EvidenceFile.objects.get()
    assert evidence.original_name.endswith(".pdf")
    assert ".html" not in evidence.original_name
    assert not set('";/\\') & set(evidence.original_name)
    disposition = download(client, manager, evidence)["Content-Disposition"]
    assert disposition == f'attachment; filename="{evidence.original_name}"'


def test_the_service_stores_a_clean_name_with_the_detected_extension(activity, reporter):
    update = services.progress_update_save(
        activity=activity,
        quarter=2,
        user=reporter,
        status="on_track",
        percent_complete=10,
        values=[],
    )
    uploaded = SimpleUploadedFile('quote"; filename=evil.html; x=".pdf', POLYGLOT)
    evidence = services.evidence_attach(update=update, user=reporter, uploaded_file=uploaded)
    assert evidence.original_name == "quote_ filename_evil.html_ x.pdf"


def test_evidence_is_read_for_its_type_once_and_named_after_it(activity, reporter, monkeypatch):
    from workplans.services import files

    detected = []
    real_detect = files._detect

    def counting_detect(uploaded_file):
        detected.append(uploaded_file.name)
        return real_detect(uploaded_file)

    monkeypatch.setattr(files, "_detect", counting_detect)
    update = services.progress_update_save(
        activity=activity,
        quarter=2,
        user=reporter,
        status="on_track",
        percent_complete=10,
        values=[],
    )
    uploaded = SimpleUploadedFile("attendance.hta", POLYGLOT)

    evidence = services.evidence_attach(update=update, user=reporter, uploaded_file=uploaded)

    assert detected == ["attendance.hta"]
    assert (evidence.original_name, Path(evidence.file.name).suffix) == ("attendance.pdf", ".pdf")


def test_a_file_stored_before_the_fix_is_downloaded_under_its_types_extension(client, manager):
    evidence = EvidenceFileFactory(
        update=ProgressUpdateFactory(state="submitted"),
        original_name='evil.html"; x=".hta',
        content_type="application/pdf",
    )
    response = download(client, manager, evidence)
    assert response["Content-Disposition"] == 'attachment; filename="evil.html_ x.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_name_that_is_not_ascii_is_sent_in_the_rfc_5987_form(client, manager):
    evidence = EvidenceFileFactory(
        update=ProgressUpdateFactory(state="submitted"),
        original_name="حاضری.exe",
        content_type="application/pdf",
    )
    response = download(client, manager, evidence)
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%D8%AD%D8%A7%D8%B6%D8%B1%DB%8C.pdf"
    )


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("attendance sheet.pdf", "pdf", "attendance sheet.pdf"),
        ("scan.PNG", "png", "scan.png"),
        ("photo.jpeg", "jpg", "photo.jpg"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("C:\\Users\\amna\\minutes.docx", "docx", "minutes.docx"),
        (".htaccess", "pdf", "htaccess.pdf"),
        ("report\u202egpj.exe", "pdf", "reportgpj.pdf"),  # a right-to-left override
        ("line\r\nSet-Cookie: x=1.pdf", "pdf", "lineSet-Cookie_ x_1.pdf"),
        ("", "xlsx", "file.xlsx"),
        ('";.', "pdf", "file.pdf"),
        ("a" * 300 + ".pdf", "pdf", "a" * 100 + ".pdf"),
    ],
)
def test_a_file_name_is_made_safe_and_given_the_detected_extension(name, extension, expected):
    from ctportal.uploads import safe_file_name

    assert safe_file_name(name, extension=extension) == expected


# --- Office files are checked inside ------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "mime", "extension"),
    [
        (ooxml("word/document.xml", WORD_MAIN), DOCX, "docx"),
        (ooxml("xl/workbook.xml", EXCEL_MAIN), XLSX, "xlsx"),
    ],
)
def test_a_real_office_package_is_accepted(content, mime, extension):
    uploaded = SimpleUploadedFile("anything.bin", content)
    assert uploaded_file_check(uploaded, field="file") == (mime, extension, len(content))


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(_zip({"payload.exe": b"MZ" + b"\0" * 64}), id="a plain zip"),
        pytest.param(
            _zip({"word/document.xml": b"<document/>", "payload.js": b"x"}), id="no content types"
        ),
        pytest.param(
            _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"}),
            id="main part not declared",
        ),
        pytest.param(
            ooxml(
                "word/document.xml",
                "application/vnd.ms-word.document.macroEnabled.main+xml",
            ),
            id="a macro-enabled document",
        ),
        pytest.param(
            ooxml("word/document.xml", WORD_MAIN, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
            id="macros inside a docx",
        ),
        pytest.param(ooxml("xl/workbook.xml", EXCEL_MAIN)[:-30], id="a truncated archive"),
        pytest.param(b"PK\x03\x04" + b"\0" * 64, id="zip magic only"),
    ],
)
def test_a_zip_that_is_not_a_plain_word_or_excel_file_is_refused(content):
    with pytest.raises(DomainError) as error:
        uploaded_file_check(SimpleUploadedFile("minutes.docx", content), field="file")
    assert (error.value.field, error.value.domain_code) == ("file", "file_type_not_allowed")


# --- Size limits while the body streams ---------------------------------------------------


class _Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    reads = 0

    def read(self, size=-1):
        type(self).reads += 1
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/auth/token/", "/workplans/"])
def test_an_anonymous_300_mb_post_is_refused_before_its_body_is_read(client, path):
    _Unreadable.reads = 0
    response = client.generic(
        "POST",
        path,
        b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(300 * MB),
        **{"wsgi.input": _Unreadable()},
    )
    assert response.status_code == 413
    assert _Unreadable.reads == 0


def test_an_api_request_over_the_limit_gets_the_documented_error_shape(client):
    response = client.generic(
        "POST",
        "/api/v1/auth/token/",
        b"",
        content_type="application/json",
        CONTENT_LENGTH=str(settings.REQUEST_MAX_BODY_SIZE + 1),
        **{"wsgi.input": _Unreadable()},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_a_json_body_over_the_field_limit_is_refused_before_it_is_parsed(client):
    # DRF parses JSON in memory whole and does not apply Django's field limit itself.
    response = client.generic(
        "POST",
        "/api/v1/auth/token/",
        b"",
        content_type="application/json",
        CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        **{"wsgi.input": _Unreadable()},
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "request_too_large",
        "message": "The request is too large: at most 2.5 MB may be sent at once "
        "(and 10.0 MB per file).",
        "fields": {},
    }


def test_a_body_at_the_limit_passes_and_one_byte_more_is_refused(client, settings):
    body = "username=someone&password=wrong"
    settings.REQUEST_MAX_BODY_SIZE = len(body)
    form = "application/x-www-form-urlencoded"
    assert client.post("/accounts/login/", body, content_type=form).status_code == 200
    assert client.post("/accounts/login/", body + "x", content_type=form).status_code == 413


class RecordingHandler(FileUploadHandler):
    """Stands after the size limit: counts the bytes that reach the handlers that store."""

    received = 0

    def receive_data_chunk(self, raw_data, start):
        type(self).received += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


def test_an_evidence_file_over_the_limit_is_a_field_error_and_is_not_stored_whole(
    client, activity, reporter, settings
):
    settings.UPLOAD_MAX_FILE_SIZE = 1 * MB
    settings.FILE_UPLOAD_HANDLERS = [
        settings.FILE_UPLOAD_HANDLERS[0],
        "tests.security.test_uploads.RecordingHandler",
        *settings.FILE_UPLOAD_HANDLERS[1:],
    ]
    RecordingHandler.received = 0
    before = snapshot()
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * (6 * MB))

    response = post_evidence(client, activity, reporter, big)

    assert response.status_code == 400
    assert response.context["form"].errors["evidence"] == [
        "The file is 6.0 MB; files of at most 1 MB are accepted."
    ]
    # The handlers that store got the chunks up to the limit, not the 6 MB.
    assert 1 * MB - 64 * 1024 < RecordingHandler.received <= 1 * MB
    assert snapshot() == before
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_the_upload_limits_are_configured_in_front_of_everything():
    assert settings.MIDDLEWARE[0] == "ctportal.middleware.RequestSizeLimitMiddleware"
    assert settings.FILE_UPLOAD_HANDLERS[0] == "ctportal.uploads.FileSizeLimitUploadHandler"
    assert settings.UPLOAD_MAX_FILE_SIZE == 10 * MB
    assert settings.REQUEST_MAX_BODY_SIZE == 50 * MB
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * MB
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * MB
