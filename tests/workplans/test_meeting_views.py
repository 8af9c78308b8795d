"""EWG meetings in the browser: the attendees grid (labelled, rows added and removed), the
edit page, documents (content-checked uploads, downloads only for those who see the
meeting, removal after a question), the list's search and sorting, and decision forms
that offer only the meetings (and versions) the services accept."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.factories import (
    AttendanceFactory,
    DecisionFactory,
    DonorFactory,
    EwgMeetingFactory,
    MeetingDocumentFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from tests.workplans import SUBMITTED_AT, counterpart, snapshot
from tests.workplans.html import labelled_fields
from workplans import selectors
from workplans.models import Attendance, EwgMeeting, MeetingDocument, WorkplanVersion
from workplans.services import version_approve

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture
def sp():
    return SubProgrammeFactory(code="SP-IV", title="Countering terrorism")


@pytest.fixture
def meeting(sp):
    return EwgMeetingFactory(sub_programme=sp, date=datetime.date(2022, 7, 26))


@pytest.fixture
def ewg_client(client, ewg_secretary):
    client.force_login(ewg_secretary)
    return client


def meeting_data(sp, rows, *, initial=0, **fields):
    data = {
        "sub_programme": sp.pk,
        "date": "2022-07-26",
        "venue": "NACTA Headquarters, Islamabad",
        "chair": "National Coordinator, NACTA",
        "chair_organisation": "",
        "notes": "",
        "decisions": "The workplan is approved.",
        "attendance-TOTAL_FORMS": str(len(rows)),
        "attendance-INITIAL_FORMS": str(initial),
        "attendance-MIN_NUM_FORMS": "0",
        "attendance-MAX_NUM_FORMS": "60",
    }
    data.update(fields)
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"attendance-{index}-{key}"] = value
    return data


def attendees(meeting) -> list[tuple[str, str, str]]:
    return list(
        Attendance.objects.filter(meeting=meeting)
        .order_by("organisation__short_name")
        .values_list("organisation__short_name", "mode", "names")
    )


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


# --- Documents ---------------------------------------------------------------------------


def upload(client, meeting, name, content, title="Minutes"):
    return client.post(
        reverse("workplans:meeting-document-create", args=[meeting.pk]),
        {"title": title, "file": SimpleUploadedFile(name, content, "application/pdf")},
    )


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


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


# --- Who may do what (every new page and action) ----------------------------------------

ROLES = ["anonymous", "counterpart", "ewg", "donor", "administrator", "manager"]


@pytest.fixture
def users(db):
    return {
        "anonymous": None,
        "counterpart": user_with_role(Role.COUNTERPART_STAFF, counterpart("NACTA")),
        "ewg": user_with_role(Role.EWG_SECRETARIAT),
        "donor": user_with_role(Role.DONOR_VIEWER, DonorFactory(short_name="Japan")),
        "administrator": user_with_role(Role.ADMINISTRATOR),
        "manager": user_with_role(Role.PROGRAMME_MANAGER),
    }


def _statuses(client, users, request) -> dict[str, int]:
    got = {}
    for role in ROLES:
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        got[role] = request(client).status_code
    return got


#                         anon cp   ewg  donor admin mgr
MATRIX = {
    "edit page":          (302, 403, 200, 404, 403, 200),
    "edit post":          (302, 403, 302, 404, 403, 302),
    "upload":             (302, 403, 302, 404, 403, 302),
    "download":           (302, 200, 200, 404, 200, 200),
    "remove question":    (302, 403, 200, 404, 403, 200),
    "meeting list":       (302, 200, 200, 403, 200, 200),
}  # fmt: skip


@pytest.mark.parametrize("action", list(MATRIX))
def test_each_role_reaches_exactly_the_meeting_pages_and_actions_it_may(
    client, users, meeting, action
):
    document = MeetingDocumentFactory(meeting=meeting)
    requests = {
        "edit page": lambda c: c.get(reverse("workplans:meeting-update", args=[meeting.pk])),
        "edit post": lambda c: c.post(
            reverse("workplans:meeting-update", args=[meeting.pk]),
            meeting_data(meeting.sub_programme, []),
        ),
        "upload": lambda c: upload(c, meeting, "minutes.pdf", PDF),
        "download": lambda c: c.get(
            reverse("workplans:meeting-document-download", args=[document.pk])
        ),
        "remove question": lambda c: c.get(
            reverse("workplans:meeting-document-delete", args=[document.pk])
        ),
        "meeting list": lambda c: c.get(reverse("workplans:meeting-list")),
    }
    expected = dict(zip(ROLES, MATRIX[action], strict=True))
    assert _statuses(client, users, requests[action]) == expected


def test_only_recorders_remove_documents(
    client, users, meeting, django_capture_on_commit_callbacks
):
    url_of = {}
    for role in ROLES:
        url_of[role] = reverse(
            "workplans:meeting-document-delete",
            args=[MeetingDocumentFactory(meeting=meeting, title=f"Doc {role}").pk],
        )
    got = {}
    for role in ROLES:
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        with django_capture_on_commit_callbacks(execute=True):
            got[role] = client.post(url_of[role]).status_code
    assert got == dict(zip(ROLES, (302, 403, 302, 404, 403, 302), strict=True))
    assert sorted(MeetingDocument.objects.values_list("title", flat=True)) == [
        "Doc administrator",
        "Doc anonymous",
        "Doc counterpart",
        "Doc donor",
    ]


def test_a_refused_upload_writes_nothing(client, users, meeting, settings):
    before = snapshot()
    for role in ("counterpart", "donor", "administrator"):
        client.force_login(users[role])
        upload(client, meeting, "minutes.pdf", PDF)
    assert snapshot() == before
    assert stored_files(settings) == []


# --- The list: search and sort ---------------------------------------------------------


@pytest.fixture
def meetings(sp):
    border = SubProgrammeFactory(code="SP-I", title="Border management")
    return [
        EwgMeetingFactory(
            sub_programme=sp, date=datetime.date(2022, 7, 26), venue="NACTA HQ", chair="Rai"
        ),
        EwgMeetingFactory(
            sub_programme=sp, date=datetime.date(2023, 8, 2), venue="Serena Hotel", chair="Khan"
        ),
        EwgMeetingFactory(
            sub_programme=border,
            date=datetime.date(2023, 1, 10),
            venue="Marriott, Karachi",
            chair="Ahmed",
        ),
    ]


def _listed(response) -> list[str]:
    return [m.venue for m in response.context["meetings"]]


def test_the_meetings_list_searches_venue_chair_and_sub_programme(ewg_client, meetings):
    url = reverse("workplans:meeting-list")

    assert _listed(ewg_client.get(url)) == ["Serena Hotel", "Marriott, Karachi", "NACTA HQ"]
    assert _listed(ewg_client.get(url, {"q": "serena"})) == ["Serena Hotel"]
    assert _listed(ewg_client.get(url, {"q": "ahmed"})) == ["Marriott, Karachi"]
    assert _listed(ewg_client.get(url, {"q": "border"})) == ["Marriott, Karachi"]
    assert _listed(ewg_client.get(url, {"q": "SP-IV"})) == ["Serena Hotel", "NACTA HQ"]
    response = ewg_client.get(url, {"q": "Lahore"})
    assert _listed(response) == []
    assert "No meeting matches “Lahore”." in response.content.decode()


def test_the_meetings_list_sorts_by_its_columns(ewg_client, meetings):
    url = reverse("workplans:meeting-list")

    assert _listed(ewg_client.get(url, {"sort": "date"})) == [
        "NACTA HQ",
        "Marriott, Karachi",
        "Serena Hotel",
    ]
    assert _listed(ewg_client.get(url, {"sort": "venue"})) == [
        "Marriott, Karachi",
        "NACTA HQ",
        "Serena Hotel",
    ]
    assert _listed(ewg_client.get(url, {"sort": "-chair"})) == [
        "NACTA HQ",
        "Serena Hotel",
        "Marriott, Karachi",
    ]
    assert _listed(ewg_client.get(url, {"sort": "sub_programme"})) == [
        "Marriott, Karachi",
        "Serena Hotel",
        "NACTA HQ",
    ]
    html = ewg_client.get(url, {"sort": "venue"}).content.decode()
    assert 'aria-sort="ascending"' in html


def test_an_unknown_sort_lists_newest_first_and_its_header_and_select_say_so(ewg_client, meetings):
    response = ewg_client.get(reverse("workplans:meeting-list"), {"sort": "password"})

    assert _listed(response) == ["Serena Hotel", "Marriott, Karachi", "NACTA HQ"]
    html = response.content.decode()
    date_header = r'<th scope="col" aria-sort="descending"><a [^>]*data-testid="sort-date"'
    assert re.search(date_header, html)
    assert html.count("aria-sort=") == 1
    assert '<option value="" selected>Date, descending</option>' in html


def test_the_meetings_list_runs_as_many_queries_for_5_meetings_as_for_1(ewg_client, sp):
    url = reverse("workplans:meeting-list")
    workplan = WorkplanFactory(sub_programme=sp)

    def add(count):
        for number in range(count):
            meeting = EwgMeetingFactory(sub_programme=sp, venue=f"Venue {number}")
            WorkplanVersionFactory(
                workplan=workplan,
                number=EwgMeeting.objects.count() + 10,
                status=WorkplanVersion.Status.SUPERSEDED,
                decided_by_meeting=meeting,
            )

    add(1)
    with CaptureQueriesContext(connection) as one:
        assert ewg_client.get(url).status_code == 200
    add(4)
    with CaptureQueriesContext(connection) as five:
        assert ewg_client.get(url).status_code == 200
    assert len(five) == len(one)


# --- Decisions: only the meetings (and versions) the services accept --------------------


@pytest.fixture
def decision_world(sp):
    """A version of SP-IV submitted on 15 Jul 2022, and meetings around it."""
    version = WorkplanVersionFactory(
        workplan=WorkplanFactory(sub_programme=sp, code="WP-IV"),
        status=WorkplanVersion.Status.SUBMITTED,
        submitted_at=SUBMITTED_AT,
    )
    today = timezone.localdate()
    return {
        "version": version,
        "before": EwgMeetingFactory(sub_programme=sp, date=datetime.date(2022, 7, 1)),
        "same_day": EwgMeetingFactory(sub_programme=sp, date=datetime.date(2022, 7, 15)),
        "after": EwgMeetingFactory(sub_programme=sp, date=datetime.date(2022, 7, 26)),
        "future": EwgMeetingFactory(sub_programme=sp, date=today + datetime.timedelta(days=3)),
        "other_sp": EwgMeetingFactory(
            sub_programme=SubProgrammeFactory(code="SP-I", title="Border management"),
            date=datetime.date(2022, 7, 26),
        ),
    }


def test_the_version_page_offers_only_meetings_that_may_decide_it(ewg_client, decision_world):
    version = decision_world["version"]

    response = ewg_client.get(reverse("workplans:version-detail", args=[version.pk]))

    offered = list(response.context["decision_form"].fields["meeting"].queryset)
    assert offered == [decision_world["after"], decision_world["same_day"]]


def test_a_meeting_page_offers_only_versions_it_may_decide(ewg_client, decision_world):
    version = decision_world["version"]
    offered = {}
    for name in ("before", "same_day", "after", "future", "other_sp"):
        meeting = decision_world[name]
        response = ewg_client.get(reverse("workplans:meeting-detail", args=[meeting.pk]))
        offered[name] = list(response.context["form"].fields["version"].queryset)
    assert offered == {
        "before": [],
        "same_day": [version],
        "after": [version],
        "future": [],
        "other_sp": [],
    }
    future_page = ewg_client.get(
        reverse("workplans:meeting-detail", args=[decision_world["future"].pk])
    ).content.decode()
    assert "This meeting is dated in the future" in future_page


def test_the_forms_offer_exactly_what_the_service_accepts(ewg_secretary, decision_world):
    version = decision_world["version"]
    accepted = set()
    for name in ("before", "same_day", "after", "future", "other_sp"):
        meeting = decision_world[name]
        refused = None
        with transaction.atomic():
            try:
                version_approve(version=version, meeting=meeting, user=ewg_secretary)
            except DomainError as error:
                refused = error.field
            else:
                accepted.add(name)
            transaction.set_rollback(True)
        assert refused in (None, "meeting"), name
        version.refresh_from_db()
        offered = meeting in selectors.meeting_decision_list(version=version)
        assert offered == (name in accepted), name
        assert (version in selectors.version_decision_list(meeting=meeting)) == offered, name
    assert accepted == {"same_day", "after"}


def test_approving_from_the_version_page_with_an_offered_meeting(
    ewg_client, ewg_secretary, decision_world
):
    version = decision_world["version"]
    meeting = decision_world["after"]

    response = ewg_client.post(
        reverse("workplans:version-decide", args=[version.pk]),
        {"meeting": meeting.pk, "decision": "approve", "comment": ""},
    )

    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.status, version.decided_by_meeting) == ("approved", meeting)


@pytest.mark.parametrize("name", ["before", "future", "other_sp"])
def test_a_meeting_that_cannot_decide_is_refused_on_the_field(ewg_client, decision_world, name):
    version = decision_world["version"]
    before = snapshot()

    response = ewg_client.post(
        reverse("workplans:version-decide", args=[version.pk]),
        {"meeting": decision_world[name].pk, "decision": "approve", "comment": ""},
    )

    assert response.status_code == 400
    assert response.context["decision_form"].errors == {
        "meeting": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert snapshot() == before


def test_the_version_page_says_when_no_meeting_can_decide_yet(ewg_client, sp):
    version = WorkplanVersionFactory(
        workplan=WorkplanFactory(sub_programme=sp),
        status=WorkplanVersion.Status.SUBMITTED,
        submitted_at=SUBMITTED_AT,
    )
    EwgMeetingFactory(sub_programme=sp, date=datetime.date(2022, 7, 1))

    html = ewg_client.get(reverse("workplans:version-detail", args=[version.pk])).content
    html = html.decode()

    assert f"No EWG meeting of {sp} has been held since this version was submitted" in html
    assert reverse("workplans:meeting-create") in html


#                       anon cp   ewg  donor admin mgr
DECIDE = (302, 404, 302, 404, 403, 302)


def test_each_role_may_or_may_not_record_a_decision_from_the_version_page(
    client, users, sp, decision_world
):
    got = {}
    for role in ROLES:
        version = WorkplanVersionFactory(
            workplan=WorkplanFactory(sub_programme=sp),
            status=WorkplanVersion.Status.SUBMITTED,
            submitted_at=SUBMITTED_AT,
        )
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        got[role] = client.post(
            reverse("workplans:version-decide", args=[version.pk]),
            {"meeting": decision_world["after"].pk, "decision": "approve", "comment": ""},
        ).status_code
    assert got == dict(zip(ROLES, DECIDE, strict=True))
    assert WorkplanVersion.objects.filter(status="approved").count() == 2


def test_a_removed_attendee_stays_removed_when_the_form_returns_with_errors(ewg_client, meeting):
    nacta = counterpart("NACTA")
    AttendanceFactory(meeting=meeting, organisation=nacta, mode="in_person")
    rows = [{"organisation": nacta.pk, "mode": "in_person", "DELETE": "on"}]

    response = ewg_client.post(
        reverse("workplans:meeting-update", args=[meeting.pk]),
        meeting_data(meeting.sub_programme, rows, initial=1, venue=""),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert '<tr data-formset-row data-testid="attendee-row" hidden>' in html
    assert 'name="attendance-0-DELETE" id="id_attendance-0-DELETE" checked' in html
    assert attendees(meeting) == [("NACTA", "in_person", "")]


def test_a_row_removed_in_the_browser_leaves_a_gap_that_is_ignored(ewg_client, sp):
    """formset.js drops a new row from the page: its number is missing from the post."""
    nacta, fmu = counterpart("NACTA"), counterpart("FMU")
    data = meeting_data(
        sp,
        [{"organisation": nacta.pk, "mode": "in_person"}, {}, {}],
        **{"attendance-TOTAL_FORMS": "3"},
    )
    data.update({"attendance-2-organisation": fmu.pk, "attendance-2-mode": "video"})

    response = ewg_client.post(reverse("workplans:meeting-create"), data)

    assert response.status_code == 302
    assert attendees(EwgMeeting.objects.get()) == [("FMU", "video", ""), ("NACTA", "in_person", "")]
