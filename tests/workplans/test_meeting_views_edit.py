"""EWG meetings in the browser: the attendees grid (labelled, rows added and removed), the
edit page, documents (content-checked uploads, downloads only for those who see the
meeting, removal after a question), the list's search and sorting, and decision forms
that offer only the meetings (and versions) the services accept."""

import pytest
from django.urls import reverse

from tests.factories import (
    AttendanceFactory,
    DecisionFactory,
    MeetingDocumentFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
)
from tests.workplans import SUBMITTED_AT, counterpart, snapshot
from tests.workplans.html import labelled_fields
from tests.workplans.meeting_views_support import PDF, attendees, meeting_data, stored_files, upload
from workplans.models import EwgMeeting, MeetingDocument, WorkplanVersion

pytestmark = pytest.mark.django_db


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


# --- The attendees grid ---------------------------------------------------------------


def test_every_cell_of_the_attendees_grid_has_a_label(ewg_client):
    html = ewg_client.get(reverse("workplans:meeting-create")).content.decode()

    expected = {}
    for row in (1, 2, 3):
        expected[f"attendance-{row - 1}-organisation"] = f"Organisation of attendee {row}"
        expected[f"attendance-{row - 1}-mode"] = f"Attended by attendee {row}"
        expected[f"attendance-{row - 1}-names"] = f"Names (optional) of attendee {row}"
    assert labelled_fields(html, "attendance-") == expected
    assert labelled_fields(html, "attendance-", in_template=True) == {
        "attendance-__prefix__-organisation": "Organisation of attendee __row__",
        "attendance-__prefix__-mode": "Attended by attendee __row__",
        "attendance-__prefix__-names": "Names (optional) of attendee __row__",
    }
    assert "data-formset-add" in html


def test_a_meeting_is_recorded_with_five_attendees_from_added_rows(ewg_client, sp):
    orgs = [counterpart(name) for name in ("NACTA", "CTD-PB", "CTD-SD", "FMU", "MoI")]
    rows = [{"organisation": org.pk, "mode": "in_person", "names": ""} for org in orgs]
    rows[2].update(mode="video", names="DIG CTD Sindh")

    response = ewg_client.post(reverse("workplans:meeting-create"), meeting_data(sp, rows))

    assert response.status_code == 302
    meeting = EwgMeeting.objects.get()
    assert response["Location"] == reverse("workplans:meeting-detail", args=[meeting.pk])
    assert attendees(meeting) == [
        ("CTD-PB", "in_person", ""),
        ("CTD-SD", "video", "DIG CTD Sindh"),
        ("FMU", "in_person", ""),
        ("MoI", "in_person", ""),
        ("NACTA", "in_person", ""),
    ]


def test_the_same_organisation_twice_is_refused_in_the_grid(ewg_client, sp):
    nacta = counterpart("NACTA")
    before = snapshot()
    rows = [
        {"organisation": nacta.pk, "mode": "in_person"},
        {"organisation": nacta.pk, "mode": "video"},
    ]

    response = ewg_client.post(reverse("workplans:meeting-create"), meeting_data(sp, rows))

    assert response.status_code == 400
    assert response.context["attendee_errors"] == ["NACTA is listed twice among the attendees."]
    assert "NACTA is listed twice among the attendees." in response.content.decode()
    assert snapshot() == before


# --- Editing a meeting -------------------------------------------------------------------


def test_the_edit_page_shows_the_meeting_with_a_labelled_remove_box_per_attendee(
    ewg_client, meeting
):
    nacta = counterpart("NACTA")
    AttendanceFactory(meeting=meeting, organisation=nacta, mode="in_person")
    DecisionFactory(meeting=meeting, number=1, text="Approved.")

    response = ewg_client.get(reverse("workplans:meeting-update", args=[meeting.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    fields = labelled_fields(html, "attendance-")
    assert fields["attendance-0-DELETE"] == "Remove NACTA"
    assert "attendance-1-DELETE" not in fields  # a blank row has nothing to remove
    assert 'data-confirm="Remove NACTA from the attendees?"' in html
    assert response.context["form"].initial["decisions"] == "Approved."


def test_editing_removes_one_attendee_and_adds_another(ewg_client, ewg_secretary, meeting):
    nacta, ctd, fmu = counterpart("NACTA"), counterpart("CTD-PB"), counterpart("FMU")
    AttendanceFactory(meeting=meeting, organisation=nacta, mode="in_person")
    AttendanceFactory(meeting=meeting, organisation=ctd, mode="video")
    rows = [
        {"organisation": nacta.pk, "mode": "in_person"},
        {"organisation": ctd.pk, "mode": "video", "DELETE": "on"},
        {"organisation": fmu.pk, "mode": "video", "names": "Director FMU"},
    ]

    response = ewg_client.post(
        reverse("workplans:meeting-update", args=[meeting.pk]),
        meeting_data(meeting.sub_programme, rows, initial=2, venue="Serena Hotel, Islamabad"),
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.venue == "Serena Hotel, Islamabad"
    assert attendees(meeting) == [("FMU", "video", "Director FMU"), ("NACTA", "in_person", "")]
    assert meeting.history.latest().history_user == ewg_secretary


def test_a_meeting_that_decided_keeps_its_sub_programme(ewg_client, meeting):
    WorkplanVersionFactory(
        workplan=WorkplanFactory(sub_programme=meeting.sub_programme),
        status=WorkplanVersion.Status.APPROVED,
        submitted_at=SUBMITTED_AT,
        decided_by_meeting=meeting,
    )
    other = SubProgrammeFactory(code="SP-I", title="Border management")
    before = snapshot()

    response = ewg_client.post(
        reverse("workplans:meeting-update", args=[meeting.pk]),
        meeting_data(other, [], sub_programme=other.pk),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["sub_programme"][0].startswith("This meeting decided")
    assert snapshot() == before


def test_a_pdf_is_filed_listed_and_downloaded_under_the_meetings_name(
    ewg_client, meeting, settings
):
    response = upload(ewg_client, meeting, "scan 0042.PDF", PDF)

    assert response.status_code == 302
    document = MeetingDocument.objects.get(meeting=meeting)
    assert document.title == "Minutes"
    assert document.file.name.endswith(".pdf")
    assert "scan" not in document.file.name  # a stored name never comes from the uploader
    page = ewg_client.get(reverse("workplans:meeting-detail", args=[meeting.pk])).content.decode()
    download_url = reverse("workplans:meeting-document-download", args=[document.pk])
    assert f'href="{download_url}">Minutes</a>' in page

    download = ewg_client.get(download_url)

    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        'attachment; filename="EWG SP-IV 2022-07-26 Minutes.pdf"'
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF


def test_the_download_name_never_carries_what_the_title_smuggles(ewg_client, meeting):
    document = MeetingDocumentFactory(meeting=meeting, title='Agenda";\r\nX: y/../evil.hta')

    download = ewg_client.get(reverse("workplans:meeting-document-download", args=[document.pk]))

    assert download["Content-Disposition"] == (
        'attachment; filename="EWG SP-IV 2022-07-26 Agenda_X_ y .. evil.hta.pdf"'
    )


def test_a_disguised_file_is_refused_on_its_field_and_nothing_is_written(
    ewg_client, meeting, settings
):
    before = snapshot()

    response = upload(ewg_client, meeting, "minutes.pdf", EXE)

    assert response.status_code == 400
    assert response.context["document_form"].errors == {
        "file": [
            "Only PDF, PNG, JPEG, Word (DOCX) and Excel (XLSX) files are accepted "
            "(it looks like EXE). Word and Excel files with macros are not."
        ]
    }
    assert snapshot() == before
    assert stored_files(settings) == []


def test_removing_a_document_asks_first_then_deletes_row_and_file(
    ewg_client, meeting, settings, django_capture_on_commit_callbacks
):
    upload(ewg_client, meeting, "agenda.pdf", PDF, title="Agenda")
    document = MeetingDocument.objects.get()
    url = reverse("workplans:meeting-document-delete", args=[document.pk])

    question = ewg_client.get(url)

    assert question.status_code == 200
    assert "Remove the document “Agenda” from the EWG SP-IV 26 Jul 2022?" in (
        question.content.decode()
    )
    assert MeetingDocument.objects.filter(pk=document.pk).exists()
    assert len(stored_files(settings)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = ewg_client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("workplans:meeting-detail", args=[meeting.pk])
    assert not MeetingDocument.objects.exists()
    assert stored_files(settings) == []
