"""Issue 3's walk in Chromium: a programme manager drafts a workplan by XLSX import (a bad
row is reported and nothing saved; the fixed file imports), submits it; the EWG
secretariat records a meeting and approves it; an edit of the approved version is refused;
a revision is drafted and approved, and the version diff shows the change."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from organisations.models import Role
from tests.factories import (
    IndicatorFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    ProvinceFactory,
    SubProgrammeFactory,
    user_with_role,
)
from workplans.models import Activity, Workplan, WorkplanVersion

pytestmark = pytest.mark.browser


@pytest.fixture
def programme(transactional_db):
    sp = SubProgrammeFactory()
    output = OutputFactory(outcome=OutcomeFactory(sub_programme=sp, code="Oc1"), code="Op1.1")
    IndicatorFactory(output=output, code="I1.1a", unit="persons", target=Decimal("300"))
    IndicatorFactory(output=output, code="I1.1b", unit="workshops", target=Decimal("3"))
    ProvinceFactory(code="PK-IS", name="Islamabad")
    ProvinceFactory(code="PK-SD", name="Sindh")
    OrganisationFactory(short_name="NACTA", name="National Counter Terrorism Authority")
    OrganisationFactory(short_name="CTD-Sindh", name="Counter Terrorism Department Sindh")
    return sp


def _open_as(browser, live_server, login, user):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, user)
    return page


def _filled_template(template_bytes: bytes, rows: list[list]) -> bytes:
    workbook = load_workbook(io.BytesIO(template_bytes))
    sheet = workbook["Activities"]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_workplan_is_imported_submitted_approved_frozen_and_revised(
    browser, live_server, login, screenshot, programme
):
    manager = user_with_role(Role.PROGRAMME_MANAGER, username="manager")
    secretary = user_with_role(Role.EWG_SECRETARIAT, username="secretary")
    pm = _open_as(browser, live_server, login, manager)

    # 1. Draft a workplan.
    pm.goto("/workplans/")
    pm.get_by_role("link", name="New workplan").click()
    pm.get_by_label("Sub-programme").select_option(label=str(programme))
    pm.get_by_label("Code").fill("WP-SP4-2023-24")
    pm.get_by_label("Title").fill("Sub-Programme IV workplan 2023-24")
    pm.get_by_label("Period start").fill("2023-07-01")
    pm.get_by_label("Period end").fill("2024-06-30")
    pm.get_by_role("button", name="Create draft").click()
    expect(pm.get_by_test_id("version-status")).to_have_text("Draft")
    version = WorkplanVersion.objects.get(workplan__code="WP-SP4-2023-24")

    # 2. Import: download the template, fill it with one bad row.
    pm.get_by_role("link", name="Import from XLSX").click()
    with pm.expect_download() as download_info:
        pm.get_by_test_id("template-link").click()
    template = Path(download_info.value.path()).read_bytes()
    good = [
        [
            "A1",
            "Multi-agency CT investigation workshops",
            "Op1.1",
            "NACTA",
            "PK-IS",
            "",
            "135000",
            "I1.1b",
            0,
            0,
            3,
            0,
        ],
        [
            "A2",
            "Basic investigation course",
            "Op1.1",
            "CTD-Sindh",
            "PK-SD",
            "",
            "120000",
            "I1.1a",
            0,
            50,
            50,
            0,
        ],
    ]
    bad = [
        "A3",
        "Course with a typo",
        "Op9.9",
        "CTD-Sindh",
        "PK-XX",
        "",
        "-5",
        "I1.1a",
        0,
        "ten",
        0,
        0,
    ]
    bad_file = _filled_template(template, [*good, bad])
    pm.get_by_label("File").set_input_files(
        {"name": "workplan.xlsx", "mimeType": "application/octet-stream", "buffer": bad_file}
    )
    pm.get_by_role("button", name="Check file").click()
    expect(pm.get_by_test_id("import-errors")).to_be_visible()
    bad_row = pm.locator("tr[data-row='4']")
    expect(bad_row).to_contain_text("Output code: 'Op9.9'")
    expect(bad_row).to_contain_text("'PK-XX' is not an ISO 3166-2:PK code")
    expect(bad_row).to_contain_text("'ten' is not a number")
    screenshot(pm, "workplan-import-errors")
    assert Activity.objects.filter(version=version).count() == 0

    fixed_file = _filled_template(template, good)
    pm.get_by_label("File").set_input_files(
        {"name": "workplan.xlsx", "mimeType": "application/octet-stream", "buffer": fixed_file}
    )
    pm.get_by_role("button", name="Check file").click()
    expect(pm.get_by_test_id("import-ok")).to_be_visible()
    assert Activity.objects.filter(version=version).count() == 0  # checked, not yet saved
    pm.get_by_role("button", name="Import 2 rows").click()
    expect(pm.get_by_test_id("activities")).to_contain_text("Basic investigation course")
    assert Activity.objects.filter(version=version).count() == 2

    # 3. Submit for approval.
    pm.get_by_role("button", name="Submit for approval").click()
    expect(pm.get_by_test_id("version-status")).to_have_text("Submitted for approval")
    screenshot(pm, "workplan-submitted")

    # 4. The EWG secretariat records a meeting and approves the version.
    ewg = _open_as(browser, live_server, login, secretary)
    ewg.goto("/workplans/meetings/")
    ewg.get_by_role("link", name="Record a meeting").click()
    ewg.get_by_label("Sub-programme").select_option(label=str(programme))
    ewg.get_by_label("Date").fill(timezone.localdate().isoformat())
    ewg.get_by_label("Venue").fill("NACTA Headquarters, Islamabad")
    ewg.locator("input[name=chair]").fill("National Coordinator, NACTA")
    ewg.locator("select[name='attendance-0-organisation']").select_option(label="NACTA")
    ewg.locator("select[name='attendance-1-organisation']").select_option(label="CTD-Sindh")
    ewg.locator("select[name='attendance-1-mode']").select_option(label="By video link")
    ewg.get_by_label("Decisions").fill("The 2023-24 workplan is approved.")
    ewg.get_by_role("button", name="Record meeting").click()
    expect(ewg.get_by_test_id("attendees")).to_contain_text("by video link")
    ewg.get_by_label("Version").select_option(label=str(version))
    ewg.get_by_label("Decision").select_option(label="Approve")
    ewg.get_by_role("button", name="Record decision").click()
    expect(ewg.get_by_test_id("decided")).to_contain_text("WP-SP4-2023-24 v1 — approved")
    screenshot(ewg, "ewg-meeting-approved")
    version.refresh_from_db()
    assert version.status == WorkplanVersion.Status.APPROVED

    # 5. The approved version's edit form, opened by its address, says it is frozen.
    a2 = Activity.objects.get(version=version, code="A2")
    pm.goto(f"/workplans/activities/{a2.pk}/edit/")
    expect(pm.get_by_test_id("version-frozen")).to_contain_text("approved and frozen")
    expect(pm.get_by_label("Title")).to_have_count(0)
    screenshot(pm, "approved-edit-refused")
    a2.refresh_from_db()
    assert a2.title == "Basic investigation course"

    # 6. A revision: copy, change A2's Q3 target, submit, approve, compare.
    pm.goto(f"/workplans/versions/{version.pk}/")
    pm.get_by_role("button", name="Start a revision").click()
    expect(pm.get_by_test_id("version-status")).to_have_text("Draft")
    revision = WorkplanVersion.objects.get(workplan=version.workplan, number=2)
    a2_v2 = Activity.objects.get(version=revision, code="A2")
    pm.goto(f"/workplans/activities/{a2_v2.pk}/edit/")
    pm.locator("input[name='targets-0-q3']").fill("75")
    pm.get_by_role("button", name="Save activity").click()
    pm.get_by_role("button", name="Submit for approval").click()
    expect(pm.get_by_test_id("version-status")).to_have_text("Submitted for approval")

    ewg.reload()
    ewg.get_by_label("Version").select_option(label=str(revision))
    ewg.get_by_label("Decision").select_option(label="Approve")
    ewg.get_by_role("button", name="Record decision").click()
    expect(ewg.get_by_test_id("decided")).to_contain_text("WP-SP4-2023-24 v2 — approved")
    expect(ewg.get_by_test_id("decided")).to_contain_text("WP-SP4-2023-24 v1 — superseded")

    pm.goto(f"/workplans/{version.workplan.pk}/compare/?old=1&new=2")
    diff = pm.get_by_test_id("diff")
    expect(diff).to_contain_text("Target I1.1a Q3")
    expect(diff).to_contain_text("50")
    expect(diff).to_contain_text("75")
    screenshot(pm, "workplan-version-diff")
    assert Workplan.objects.get(code="WP-SP4-2023-24").versions.get(number=1).status == "superseded"
