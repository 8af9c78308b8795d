"""Progress updates: counterpart staff report on approved activities; managers verify or
return them; evidence is checked by content."""

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.factories import (
    user_with_role,
)
from tests.workplans import (
    approved_version,
    counterpart,
    counterpart_user,
    planned_activity,
    snapshot,
)
from tests.workplans.progress_support import State, save
from workplans.models import EvidenceFile, ProgressTransition, WorkplanVersion
from workplans.services import (
    evidence_attach,
    evidence_delete,
    progress_update_return,
    progress_update_submit,
    progress_update_verify,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return counterpart("CTD-PB")


@pytest.fixture
def activity(lead):
    return planned_activity(approved_version(), lead=lead)


@pytest.fixture
def reporter(lead):
    return counterpart_user(lead, username="ctd-pb-officer")


@pytest.fixture
def colleague(lead):
    return counterpart_user(lead, username="ctd-pb-colleague")


@pytest.fixture
def outsider():
    return counterpart_user(counterpart("CTD-SD"), username="ctd-sd-officer")


def submitted_update(activity, reporter):
    update = save(activity, reporter)
    return progress_update_submit(update=update, user=reporter)


# --- submit, verify, return ---------------------------------------------------


def test_submit_moves_a_draft_to_submitted_and_records_the_transition(
    activity, reporter, colleague
):
    update = save(activity, reporter)
    progress_update_submit(update=update, user=colleague)

    update.refresh_from_db()
    assert update.state == State.SUBMITTED
    assert update.submitted_at is not None
    assert list(update.transitions.values_list("from_state", "to_state", "by", "comment")) == [
        ("draft", "submitted", colleague.pk, "")
    ]
    assert update.history.latest().history_user == colleague


@pytest.mark.parametrize("user_fixture", ["outsider", "manager", "ewg_secretary"])
def test_only_the_reporting_organisation_submits(request, activity, reporter, user_fixture):
    update = save(activity, reporter)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        progress_update_submit(update=update, user=request.getfixturevalue(user_fixture))
    assert snapshot() == before


def test_a_submitted_update_cannot_be_submitted_again(activity, reporter):
    update = submitted_update(activity, reporter)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        progress_update_submit(update=update, user=reporter)
    assert (error.value.field, error.value.domain_code) == ("state", "illegal_transition")
    assert snapshot() == before


def test_a_manager_verifies_a_submitted_update(activity, reporter, manager):
    update = submitted_update(activity, reporter)
    progress_update_verify(update=update, user=manager)

    update.refresh_from_db()
    assert (update.state, update.verified_by) == (State.VERIFIED, manager)
    assert update.verified_at is not None
    assert list(update.transitions.values_list("from_state", "to_state", "by")) == [
        ("draft", "submitted", reporter.pk),
        ("submitted", "verified", manager.pk),
    ]


@pytest.mark.parametrize("user_fixture", ["reporter", "outsider", "ewg_secretary", "donor"])
def test_counterparts_and_others_cannot_verify_or_return(request, activity, reporter, user_fixture):
    update = submitted_update(activity, reporter)
    user = (
        user_with_role(Role.DONOR_VIEWER)
        if user_fixture == "donor"
        else request.getfixturevalue(user_fixture)
    )
    before = snapshot()
    with pytest.raises(PermissionDenied):
        progress_update_verify(update=update, user=user)
    with pytest.raises(PermissionDenied):
        progress_update_return(update=update, user=user, comment="No.")
    assert snapshot() == before


def test_a_manager_of_the_reporting_organisation_cannot_verify_its_own_report(
    activity, reporter, lead
):
    update = submitted_update(activity, reporter)
    own_manager = user_with_role(Role.PROGRAMME_MANAGER, lead)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        progress_update_verify(update=update, user=own_manager)
    assert snapshot() == before


def test_only_a_submitted_update_is_verified(activity, reporter, manager):
    update = save(activity, reporter)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        progress_update_verify(update=update, user=manager)
    assert (error.value.field, error.value.domain_code) == ("state", "illegal_transition")
    assert snapshot() == before


def test_a_returned_update_carries_the_comment_and_can_be_corrected_and_resubmitted(
    activity, reporter, manager
):
    update = submitted_update(activity, reporter)
    progress_update_return(update=update, user=manager, comment="Attach the attendance list.")

    update.refresh_from_db()
    assert (update.state, update.review_comment) == (State.RETURNED, "Attach the attendance list.")
    assert update.transitions.last().comment == "Attach the attendance list."

    corrected = save(activity, reporter, percent_complete=45, expected_revision=update.revision)
    assert (corrected.state, corrected.percent_complete) == (State.RETURNED, 45)
    progress_update_submit(update=corrected, user=reporter)
    assert corrected.state == State.SUBMITTED
    assert [t.to_state for t in corrected.transitions.all()] == [
        "submitted",
        "returned",
        "submitted",
    ]


def test_a_return_needs_a_comment(activity, reporter, manager):
    update = submitted_update(activity, reporter)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        progress_update_return(update=update, user=manager, comment=" ")
    assert (error.value.field, error.value.domain_code) == ("comment", "required")
    assert snapshot() == before


def test_a_transition_makes_a_form_opened_before_it_stale(activity, reporter, manager):
    update = save(activity, reporter)
    opened_at = update.revision  # a colleague's form, opened on the draft
    progress_update_submit(update=update, user=reporter)
    progress_update_return(update=update, user=manager, comment="Fix Q2 figures.")
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, expected_revision=opened_at)
    assert error.value.domain_code == "stale_revision"
    assert snapshot() == before


# --- evidence -----------------------------------------------------------------


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Participants"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ALLOWED = [
    ("report.pdf", b"%PDF-1.7\n1 0 obj\n", "application/pdf", "pdf"),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png", "png"),
    ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg", "jpg"),
    (
        "minutes.docx",
        docx_bytes(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    (
        "list.xlsx",
        xlsx_bytes(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
]


@pytest.mark.parametrize(("name", "content", "mime", "extension"), ALLOWED)
def test_evidence_of_an_allowed_type_is_attached(
    activity, reporter, name, content, mime, extension
):
    update = save(activity, reporter)
    uploaded = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    evidence = evidence_attach(update=update, user=reporter, uploaded_file=uploaded)

    # Shown and downloaded under the extension of the type found in the content.
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        f"{name.rsplit('.', 1)[0]}.{extension}",
        mime,
        len(content),
    )
    assert evidence.uploaded_by == reporter
    assert evidence.file.name.endswith(f".{extension}")
    assert name not in evidence.file.name
    with evidence.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64),  # a Windows program named .pdf
        ("notes.pdf", b"just some text"),
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 64),  # a ZIP that is no Word file
        ("photo.gif", b"GIF89a" + b"\x00" * 32),
    ],
)
def test_evidence_type_is_checked_by_content(activity, reporter, name, content):
    update = save(activity, reporter)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        evidence_attach(
            update=update,
            user=reporter,
            uploaded_file=SimpleUploadedFile(name, content, content_type="application/pdf"),
        )
    assert (error.value.field, error.value.domain_code) == ("evidence", "file_type_not_allowed")
    assert snapshot() == before


def test_evidence_over_10_mb_is_refused(activity, reporter):
    update = save(activity, reporter)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024))
    before = snapshot()
    with pytest.raises(DomainError) as error:
        evidence_attach(update=update, user=reporter, uploaded_file=big)
    assert (error.value.field, error.value.domain_code) == ("evidence", "file_too_large")
    assert snapshot() == before


def test_evidence_is_attached_only_by_the_reporting_organisation_while_editable(
    activity, reporter, outsider, manager
):
    update = save(activity, reporter)
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.7\n")
    before = snapshot()
    for user in (outsider, manager):
        with pytest.raises(PermissionDenied):
            evidence_attach(update=update, user=user, uploaded_file=pdf)
    progress_update_submit(update=update, user=reporter)
    after_submit = snapshot()
    with pytest.raises(DomainError) as error:
        evidence_attach(update=update, user=reporter, uploaded_file=pdf)
    assert error.value.domain_code == "not_editable"
    assert snapshot() == after_submit
    assert before["workplans.EvidenceFile"] == after_submit["workplans.EvidenceFile"] == []


def test_evidence_delete_removes_the_row_and_the_file(
    activity, reporter, django_capture_on_commit_callbacks
):
    update = save(activity, reporter)
    evidence = evidence_attach(
        update=update, user=reporter, uploaded_file=SimpleUploadedFile("r.pdf", b"%PDF-1.7\n")
    )
    storage, name = evidence.file.storage, evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        evidence_delete(evidence=evidence, user=reporter)
    assert not EvidenceFile.objects.exists()
    assert not storage.exists(name)


def test_transitions_are_recorded_once_each(activity, reporter, manager):
    update = submitted_update(activity, reporter)
    progress_update_verify(update=update, user=manager)
    assert ProgressTransition.objects.filter(update=update).count() == 2


def test_a_draft_left_on_a_superseded_version_can_be_neither_submitted_nor_given_evidence(
    activity, reporter
):
    update = save(activity, reporter)
    WorkplanVersion.objects.filter(pk=activity.version_id).update(
        status=WorkplanVersion.Status.SUPERSEDED
    )
    before = snapshot()
    with pytest.raises(DomainError) as submitting:
        progress_update_submit(update=update, user=reporter)
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF")
    with pytest.raises(DomainError) as attaching:
        evidence_attach(update=update, user=reporter, uploaded_file=pdf)
    assert submitting.value.domain_code == attaching.value.domain_code == "version_not_approved"
    assert snapshot() == before
