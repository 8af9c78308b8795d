"""Issue 10's EWG secretariat journey in Chromium, as a person does it: the secretary records
the EWG meeting held after a workplan version was submitted, with five attendees (two rows
added to the grid's three without a page reload) and its decisions, files its minutes (a
real PDF, listed and downloaded back), then opens the submitted version and approves it at
that meeting; the version shows who approved it and offers no edits, even to a manager.
On a phone (390 px), the meeting form grows a row whose fields a person can use.

Every field is filled through tests/browser/person.py (visible, in view, uncovered,
labelled); every page visited passes axe-core at 1366 and 390 px; each step leaves its
screenshots under test-artifacts/screenshots/<this test>/.
"""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from organisations.models import Organisation, Role
from tests.browser.person import (
    NARROW,
    WIDE,
    assert_accessible,
    assert_usable,
    click_visible,
    fill_visible,
    save_screenshot,
    select_visible,
    upload_visible,
)
from tests.factories import (
    DonorFactory,
    EwgMeetingFactory,
    ImplementerFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    SubProgrammeFactory,
    user_with_role,
)
from workplans import services
from workplans.models import Attendance, EwgMeeting, MeetingDocument, WorkplanVersion

pytestmark = pytest.mark.browser

WORKPLAN = "WP-SP4-25-26"
VENUE = "NACTA Headquarters, Islamabad"
CHAIR = "National Coordinator, NACTA"
DECISIONS = [
    f"Workplan {WORKPLAN} version 1 is approved.",
    "CTD Punjab and CTD Sindh report Q1 progress by 15 October.",
]
IN_PERSON, BY_VIDEO = "In person", "By video link"
# (organisation as the grid offers it, how it attended, names) in the order typed; the
# sixth organisation, FMU, does not attend.
ATTENDEES = [
    ("NACTA", IN_PERSON, "Dr. Imran Ali, Ms. Sadia Khan"),
    ("CTD-Punjab", IN_PERSON, "DIG Usman Tariq"),
    ("CTD-Sindh", BY_VIDEO, "SSP Rabia Memon"),
    ("UNODC", IN_PERSON, "Programme team"),
    ("GAC", BY_VIDEO, ""),
]
MODES = {IN_PERSON: Attendance.Mode.IN_PERSON, BY_VIDEO: Attendance.Mode.VIDEO}


def minutes_pdf() -> bytes:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    sheet.drawString(72, 770, "Expert Working Group, Sub-Programme IV - minutes")
    sheet.drawString(72, 750, DECISIONS[0])
    sheet.save()
    return buffer.getvalue()


@pytest.fixture
def programme(transactional_db):
    """SP-IV, six organisations, and workplan WP-SP4-25-26 whose version 1 a manager drafted
    and submitted (through the services) ten days ago. An EWG of SP-IV held before the
    submission cannot decide on it."""
    sp4 = SubProgrammeFactory()
    output = OutputFactory(outcome=OutcomeFactory(sub_programme=sp4, code="Oc1"), code="Op1.1")
    counterpart = Organisation.Kind.COUNTERPART
    organisations = {
        "NACTA": OrganisationFactory(
            short_name="NACTA", name="National Counter Terrorism Authority", kind=counterpart
        ),
        "CTD-Punjab": OrganisationFactory(
            short_name="CTD-Punjab", name="Counter Terrorism Department Punjab", kind=counterpart
        ),
        "CTD-Sindh": OrganisationFactory(
            short_name="CTD-Sindh", name="Counter Terrorism Department Sindh", kind=counterpart
        ),
        "UNODC": ImplementerFactory(),
        "GAC": DonorFactory(short_name="GAC", name="Global Affairs Canada"),
        "FMU": OrganisationFactory(
            short_name="FMU", name="Financial Monitoring Unit", kind=counterpart
        ),
    }
    manager = user_with_role(
        Role.PROGRAMME_MANAGER, username="manager", first_name="Omar", last_name="Khan"
    )
    workplan = services.workplan_create(
        sub_programme=sp4,
        code=WORKPLAN,
        title="Sub-Programme IV workplan 2025-26",
        period_start=datetime.date(2025, 7, 1),
        period_end=datetime.date(2026, 6, 30),
        user=manager,
    )
    version = workplan.versions.get(number=1)
    services.activity_create(
        version=version,
        code="A1",
        title="Multi-agency CT investigation workshops",
        output=output,
        lead_counterpart=organisations["NACTA"],
        user=manager,
    )
    submitted_at = timezone.now() - datetime.timedelta(days=10)
    services.version_submit(version=version, user=manager, submitted_at=submitted_at)
    too_early = EwgMeetingFactory(
        sub_programme=sp4, date=timezone.localdate(submitted_at) - datetime.timedelta(days=20)
    )
    return {
        "sub_programme": sp4,
        "version": version,
        "manager": manager,
        "organisations": organisations,
        "too_early": too_early,
        # Held after the submission, before today.
        "date": timezone.localdate() - datetime.timedelta(days=3),
    }


def attendee(page: Page, number: int, what: str):
    """The field `what` ("Organisation", "Attended", "Names (optional)") of grid row
    `number`, by its label as a screen reader reads it."""
    joiner = "by" if what == "Attended" else "of"
    return page.get_by_label(f"{what} {joiner} attendee {number}", exact=True)


def fill_attendee(page: Page, number: int, organisation: str, mode: str, names: str) -> None:
    select_visible(page, attendee(page, number, "Organisation"), organisation)
    select_visible(page, attendee(page, number, "Attended"), mode)
    if names:
        fill_visible(page, attendee(page, number, "Names (optional)"), names)


def test_ewg_secretariat_records_a_meeting_of_five_files_its_minutes_and_approves_a_version(
    browser, live_server, page, login, programme, tmp_path
):
    secretary = user_with_role(
        Role.EWG_SECRETARIAT, username="ewg", first_name="Hina", last_name="Shah"
    )
    version = programme["version"]
    day = programme["date"]
    login(page, secretary)

    # 1. EWG meetings, then "Record a meeting".
    click_visible(page.get_by_role("navigation", name="Main"), "EWG meetings", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text("EWG meetings")
    assert_accessible(page, "meeting-list")
    click_visible(page, "Record a meeting", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an EWG meeting")
    rows = page.get_by_test_id("attendee-row")
    expect(rows).to_have_count(3)
    assert_accessible(page, "meeting-form-empty")

    # 2. The meeting's facts, and the three attendees the grid has room for.
    select_visible(page, "Sub-programme", str(programme["sub_programme"]))
    fill_visible(page, "Date", day.isoformat())
    fill_visible(page, "Venue", VENUE)
    # Not "Chair organisation"; the required field's label ends in a "*".
    fill_visible(page, re.compile(r"^Chair\W*$"), CHAIR)
    select_visible(page, "Chair organisation", "NACTA")
    for number, row in enumerate(ATTENDEES[:3], start=1):
        fill_attendee(page, number, *row)

    # 3. Two more rows, added in the page: no navigation, no reload, usable at once.
    loads = []

    def count_load(_page) -> None:
        loads.append(page.url)

    page.on("load", count_load)
    form_url = page.url
    page.evaluate("() => { window.journeyMark = 'still this page'; }")
    add = page.get_by_role("button", name="Add an attendee")
    for number in (4, 5):
        click_visible(page, add)
        expect(rows).to_have_count(number)
        expect(page.get_by_role("status").filter(has_text="added")).to_have_text(
            f"Row {number} added."
        )
        # The new row's first field takes the focus, so typing goes on there.
        expect(attendee(page, number, "Organisation")).to_be_focused()
        for what in ("Organisation", "Attended", "Names (optional)"):
            assert_usable(attendee(page, number, what))
        expect(attendee(page, number, "Attended")).to_have_value(Attendance.Mode.IN_PERSON)
    page.remove_listener("load", count_load)
    assert loads == []
    assert page.url == form_url
    assert page.evaluate("() => window.journeyMark") == "still this page"
    for number, row in enumerate(ATTENDEES[3:], start=4):
        fill_attendee(page, number, *row)
    fill_visible(page, "Decisions", "\n".join(DECISIONS), exact=True)
    assert_accessible(page, "meeting-form-filled")
    click_visible(page, "Record meeting", exact=True)

    # 4. The meeting's page: attendees with how they attended, the decisions.
    expect(page.locator(".messages")).to_contain_text(
        "Meeting recorded. Attach its agenda and minutes below."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(f"EWG meeting, {day.day} {day:%B %Y}")
    meeting = EwgMeeting.objects.get(date=day)
    names = {short: org.name for short, org in programme["organisations"].items()}
    # Listed those in the room first, then those on video, each by short name.
    listed = sorted(ATTENDEES, key=lambda row: (MODES[row[1]], row[0]))
    expect(page.get_by_test_id("attendees").locator("li")).to_have_text(
        [
            f"{names[short]} — {mode.lower()}" + (f" ({people})" if people else "")
            for short, mode, people in listed
        ]
    )
    expect(page.get_by_test_id("attendees")).not_to_contain_text(names["FMU"])
    expect(page.get_by_role("heading", name="Decisions").locator("+ ol > li")).to_have_text(
        DECISIONS
    )
    expect(page.get_by_test_id("documents")).to_have_text("No documents filed yet.")
    assert_accessible(page, "meeting-recorded")

    # 5. Its minutes, a real PDF, filed, listed and downloaded back.
    pdf = minutes_pdf()
    fill_visible(page, "Document title", "Minutes")
    upload_visible(
        page, "File", {"name": "minutes scan.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    save_screenshot(page, "minutes-chosen")
    click_visible(page, "Attach document", exact=True)
    expect(page.locator(".messages")).to_contain_text("Minutes filed with the meeting.")
    documents = page.get_by_test_id("documents")
    expect(documents.get_by_role("link", name="Minutes", exact=True)).to_have_count(1)
    assert_accessible(page, "minutes-filed")
    with page.expect_download() as download_info:
        click_visible(documents, "Minutes", role="link", exact=True)
    download = download_info.value
    assert download.suggested_filename == f"EWG SP-IV {day:%Y-%m-%d} Minutes.pdf"
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes() == pdf

    # 6. The submitted version, from the workplans list; only this meeting may decide it.
    click_visible(page.get_by_role("navigation", name="Main"), "Workplans", role="link")
    assert_accessible(page, "workplan-list")
    click_visible(page, "v1 Submitted for approval", role="link")
    expect(page.get_by_test_id("version-status")).to_have_text("Submitted for approval")
    decision = page.get_by_test_id("version-decision")
    expect(decision.get_by_label("EWG meeting").locator("option")).to_have_text([str(meeting)])
    assert str(programme["too_early"]) != str(meeting)
    assert_accessible(page, "version-submitted")
    select_visible(decision, "EWG meeting", str(meeting))
    select_visible(decision, "Decision", "Approve")
    save_screenshot(page, "version-decision-chosen")
    click_visible(decision, "Record decision", exact=True)

    # 7. Approved by the meeting, and frozen: nothing offers an edit or another decision.
    expect(page.locator(".messages")).to_contain_text(f"{WORKPLAN} v1 approved by the {meeting}.")
    expect(page.get_by_test_id("version-status")).to_have_text("Approved")
    expect(page.get_by_role("link", name=str(meeting), exact=True)).to_have_count(1)
    expect(
        page.get_by_text("An approved version is frozen; changes go into a revision.")
    ).to_be_visible()
    expect(page.get_by_test_id("version-decision")).to_have_count(0)
    assert_accessible(page, "version-approved")

    # The manager, who edits workplans, finds no way to edit it either.
    context = browser.new_context(base_url=live_server.url, viewport=WIDE, locale="en-GB")
    context.set_default_timeout(10_000)
    pm = context.new_page()
    login(pm, programme["manager"])
    pm.goto(f"/workplans/versions/{version.pk}/")
    expect(pm.get_by_test_id("version-status")).to_have_text("Approved")
    expect(pm.get_by_test_id("activities")).to_contain_text("A1")
    for name in ("Add activity", "Import from XLSX", "Edit A1", "Remove A1"):
        expect(pm.get_by_role("link", name=name)).to_have_count(0)
    expect(pm.get_by_role("button", name="Submit for approval")).to_have_count(0)
    expect(pm.get_by_role("button", name="Start a revision")).to_be_visible()
    assert_accessible(pm, "manager-version-frozen")
    context.close()

    # 8. Back on the meeting's page, the version it decided.
    click_visible(page, str(meeting), role="link", exact=True)
    expect(page.get_by_test_id("decided")).to_have_text(f"{WORKPLAN} v1 — approved")
    expect(page.get_by_text("is waiting for approval")).to_be_visible()
    assert_accessible(page, "meeting-decided")

    # 9. On a phone: the meeting form re-opened, a row added, its fields usable at 390 px.
    page.set_viewport_size(NARROW)
    click_visible(page, "Edit meeting", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Edit the EWG meeting of {day.day} {day:%B %Y}"
    )
    expect(rows).to_have_count(8)  # the five attendees and three blank rows
    expect(attendee(page, 5, "Organisation")).to_have_value(
        str(programme["organisations"]["GAC"].pk)
    )
    click_visible(page, "Add an attendee")
    expect(rows).to_have_count(9)
    for what in ("Organisation", "Attended", "Names (optional)"):
        assert_usable(attendee(page, 9, what))
    assert_usable(page.get_by_role("button", name="Remove attendee 9"))
    save_screenshot(page, "phone-row-added")
    page.set_viewport_size(WIDE)
    assert_accessible(page, "meeting-edit-form")

    # 10. What was recorded.
    meeting.refresh_from_db()
    assert (meeting.sub_programme_id, meeting.venue, meeting.chair) == (
        version.workplan.sub_programme_id,
        VENUE,
        CHAIR,
    )
    assert meeting.chair_organisation.short_name == "NACTA"
    recorded = sorted(
        (a.organisation.short_name, a.mode, a.names)
        for a in meeting.attendances.select_related("organisation")
    )
    assert recorded == sorted((short, MODES[mode], people) for short, mode, people in ATTENDEES)
    assert [d.text for d in meeting.decisions.order_by("number")] == DECISIONS
    document = MeetingDocument.objects.get()
    assert (document.meeting_id, document.title) == (meeting.pk, "Minutes")
    assert Path(document.file.path).read_bytes() == pdf
    version.refresh_from_db()
    assert version.status == WorkplanVersion.Status.APPROVED
    assert version.decided_by_meeting_id == meeting.pk
    assert version.approved_at is not None
    assert version.submitted_by == programme["manager"]
    assert EwgMeeting.objects.count() == 2
