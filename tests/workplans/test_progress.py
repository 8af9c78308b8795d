"""Progress updates: counterpart staff report on approved activities; managers verify or
return them; evidence is checked by content."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.factories import (
    ActivityTargetFactory,
    IndicatorFactory,
    ProgressUpdateFactory,
    WorkplanFactory,
    user_with_role,
)
from tests.workplans import (
    approved_version,
    counterpart,
    counterpart_user,
    planned_activity,
    punjab,
    snapshot,
)
from workplans.models import EvidenceFile, ProgressTransition, ProgressUpdate, WorkplanVersion
from workplans.services import (
    evidence_attach,
    evidence_delete,
    progress_update_return,
    progress_update_save,
    progress_update_submit,
    progress_update_verify,
)

pytestmark = pytest.mark.django_db

State = ProgressUpdate.State


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


def save(activity, user, **overrides):
    values = {
        "activity": activity,
        "quarter": 2,
        "user": user,
        "status": "on_track",
        "percent_complete": 40,
        "narrative": "First course held in Lahore.",
        "values": [(activity.plain, None, None, 1)],
    }
    values.update(overrides)
    return progress_update_save(**values)


def submitted_update(activity, reporter):
    update = save(activity, reporter)
    return progress_update_submit(update=update, user=reporter)


# --- progress_update_save -----------------------------------------------------


def test_the_lead_counterpart_saves_a_draft_with_disaggregated_values(activity, reporter):
    province = punjab()
    update = save(
        activity,
        reporter,
        challenges="Trainers' visas delayed.",
        values=[
            (activity.plain, "", None, 1),
            (activity.trained, "female", province, 12),
            (activity.trained, "male", province, Decimal("18")),
            (activity.trained, None, None, 30),
        ],
    )

    update.refresh_from_db()
    assert (update.state, update.revision, update.author, update.percent_complete) == (
        State.DRAFT,
        1,
        reporter,
        40,
    )
    assert update.challenges == "Trainers' visas delayed."
    assert sorted(
        (v.indicator.code, v.sex, v.province_id, v.value) for v in update.values.all()
    ) == [
        ("I-PLAIN", "", None, Decimal("1")),
        ("I-TRAINED", "", None, Decimal("30")),
        ("I-TRAINED", "female", "PK-PB", Decimal("12")),
        ("I-TRAINED", "male", "PK-PB", Decimal("18")),
    ]
    assert update.history.get().history_user == reporter


def test_saving_again_updates_the_draft_replaces_its_values_and_increments_the_revision(
    activity, reporter, colleague
):
    first = save(activity, reporter)
    second = save(
        activity,
        colleague,
        percent_complete=60,
        values=[(activity.trained, "female", None, 5)],
        expected_revision=1,
    )

    assert second.pk == first.pk
    second.refresh_from_db()
    assert (second.revision, second.percent_complete, second.author) == (2, 60, reporter)
    assert [(v.indicator.code, v.sex, v.value) for v in second.values.all()] == [
        ("I-TRAINED", "female", Decimal("5"))
    ]
    assert second.history.latest().history_user == colleague


def test_a_stale_revision_is_refused_and_the_first_save_is_kept(activity, reporter, colleague):
    save(activity, reporter)
    # Both open revision 1; the colleague saves first.
    save(
        activity,
        colleague,
        percent_complete=70,
        narrative="Second course held.",
        expected_revision=1,
    )
    before = snapshot()

    with pytest.raises(DomainError) as error:
        save(activity, reporter, percent_complete=10, narrative="Stale text.", expected_revision=1)

    assert (error.value.field, error.value.domain_code) == (None, "stale_revision")
    assert error.value.messages == [
        f"Someone saved the Q2 update of {activity.code} after you opened it (you edited "
        "revision 1, it is now at revision 2). Reload it to see their changes, then make "
        "yours again."
    ]
    assert snapshot() == before
    update = ProgressUpdate.objects.get()
    assert (update.revision, update.percent_complete, update.narrative) == (
        2,
        70,
        "Second course held.",
    )


@pytest.mark.parametrize(
    "user_fixture", ["outsider", "manager", "ewg_secretary", "administrator", "donor"]
)
def test_only_staff_of_the_lead_counterpart_report_progress(request, activity, user_fixture):
    user = (
        user_with_role(Role.DONOR_VIEWER)
        if user_fixture == "donor"
        else request.getfixturevalue(user_fixture)
    )
    before = snapshot()
    with pytest.raises(PermissionDenied):
        save(activity, user)
    assert snapshot() == before


@pytest.mark.parametrize(
    "status", [WorkplanVersion.Status.DRAFT, WorkplanVersion.Status.SUBMITTED, "superseded"]
)
def test_progress_is_reported_only_on_an_approved_version(lead, reporter, status):
    activity = planned_activity(approved_version(status=status), lead=lead)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter)
    assert (error.value.field, error.value.domain_code) == (None, "version_not_approved")
    assert snapshot() == before


@pytest.mark.parametrize("quarter", [0, 5])
def test_the_quarter_must_be_in_the_workplan(activity, reporter, quarter):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, quarter=quarter)
    assert (error.value.field, error.value.domain_code) == ("quarter", "quarter_outside_workplan")
    assert snapshot() == before


def test_a_quarter_that_has_not_started_cannot_be_reported(lead, reporter):
    this_year = timezone.localdate().year
    workplan = WorkplanFactory(
        period_start=datetime.date(this_year + 2, 1, 1),
        period_end=datetime.date(this_year + 2, 12, 31),
    )
    activity = planned_activity(approved_version(workplan=workplan), lead=lead)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, quarter=1)
    assert (error.value.field, error.value.domain_code) == ("quarter", "quarter_not_started")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"percent_complete": 101}, "percent_complete", "percent_out_of_range"),
        ({"percent_complete": -1}, "percent_complete", "percent_out_of_range"),
        (
            {"status": "completed", "percent_complete": 90},
            "percent_complete",
            "completed_needs_100",
        ),
        ({"status": "finished"}, "status", "invalid_choice"),
    ],
)
def test_status_and_percent_are_checked(activity, reporter, overrides, field, code):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, **overrides)
    assert (error.value.field, error.value.domain_code) == (field, code)
    assert snapshot() == before


def test_a_completed_activity_is_100_percent(activity, reporter):
    update = save(activity, reporter, status="completed", percent_complete=100)
    assert (update.status, update.percent_complete) == ("completed", 100)


@pytest.mark.parametrize(
    ("value_row", "code"),
    [
        (lambda a: (a.plain, None, None, -1), "negative_value"),
        (lambda a: (IndicatorFactory(output=a.output), None, None, 1), "indicator_not_on_activity"),
        (lambda a: (a.plain, "female", None, 1), "sex_not_disaggregated"),
        (lambda a: (a.plain, None, punjab(), 1), "province_not_disaggregated"),
        (lambda a: (a.trained, "other", None, 1), "invalid_sex"),
    ],
)
def test_achieved_values_are_checked(activity, reporter, value_row, code):
    row = value_row(activity)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, values=[row])
    assert (error.value.field, error.value.domain_code) == ("values", code)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("value_row", "message"),
    [
        (
            lambda a: (a.plain, None, None, "2.5"),
            "I-PLAIN counts events: the value achieved must be a whole number, not 2.5.",
        ),
        (
            lambda a: (a.trained, "female", punjab(), Decimal("12.50")),
            "I-TRAINED counts persons: the value achieved (female, Punjab) must be a whole "
            "number, not 12.5.",
        ),
    ],
)
def test_a_count_achieved_is_a_whole_number_as_its_target_is(
    activity, reporter, value_row, message
):
    row = value_row(activity)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, values=[row])
    assert (error.value.field, error.value.domain_code) == ("values", "not_whole_number")
    assert error.value.messages == [message]
    assert snapshot() == before


def test_a_measure_achieved_may_have_decimals_and_a_count_zero_decimals(activity, reporter):
    share = IndicatorFactory(output=activity.output, code="I-SHARE", unit="percent of cases")
    ActivityTargetFactory(activity=activity, indicator=share, quarter=2, value=Decimal("40"))

    update = save(
        activity,
        reporter,
        values=[(share, None, None, "12.5"), (activity.plain, None, None, Decimal("3.00"))],
    )

    assert sorted((v.indicator.code, v.value) for v in update.values.all()) == [
        ("I-PLAIN", Decimal("3")),
        ("I-SHARE", Decimal("12.5")),
    ]


def test_a_value_is_given_once_per_indicator_sex_and_province(activity, reporter):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(
            activity,
            reporter,
            values=[(activity.plain, None, None, 1), (activity.plain, "", None, 2)],
        )
    assert (error.value.field, error.value.domain_code) == ("values", "duplicate_value")
    assert snapshot() == before


def test_a_refused_edit_of_an_existing_draft_changes_nothing(activity, reporter):
    save(activity, reporter)
    before = snapshot()
    with pytest.raises(DomainError):
        save(activity, reporter, percent_complete=50, values=[(activity.plain, None, None, -5)])
    assert snapshot() == before


@pytest.mark.parametrize("state", [State.SUBMITTED, State.VERIFIED])
def test_nobody_edits_a_submitted_or_verified_update(activity, reporter, manager, state):
    ProgressUpdateFactory(activity=activity, quarter=2, author=reporter, state=state)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter)
    assert (error.value.field, error.value.domain_code) == (None, "not_editable")
    with pytest.raises(PermissionDenied):
        save(activity, manager)
    assert snapshot() == before


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
