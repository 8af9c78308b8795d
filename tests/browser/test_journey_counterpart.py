"""Issue 10's counterpart journey in Chromium, as people do it: CTD Sindh's officer starts the
Q2 update of A2 on version 1 of the workplan and saves it as a draft; meanwhile, in their
own browsers, the programme manager starts a revision and submits it, and the EWG
secretariat records its approval (version 2) at the day's EWG meeting. The officer's open
tab (version 1) now offers no Save or Submit, only the way to version 2; "My activities"
offers "Continue the draft" on version 2, whose page says one thing, holds what was typed,
and is finished and submitted there. The manager finds it in the review queue and verifies
it, and the project page shows the figure against its target.

Every field is filled through tests/browser/person.py (visible, in view, uncovered,
labelled); every page visited passes axe-core at 1366 and 390 px; each step leaves its
screenshots under test-artifacts/screenshots/<this test>/.
"""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from organisations.models import Organisation, Role
from tests.browser.person import (
    assert_accessible,
    click_visible,
    fill_visible,
    select_visible,
)
from tests.factories import (
    ActivityFactory,
    ActivityTargetFactory,
    EwgMeetingFactory,
    IndicatorFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    ProvinceFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    user_with_role,
)
from tests.workplans import approved_version
from workplans.models import Activity, ProgressUpdate, WorkplanVersion

pytestmark = pytest.mark.browser

WORKPLAN = "WP-SP4-22-23"
FEMALE = "I1.1a Officers trained — female, Sindh"
MALE = "I1.1a Officers trained — male, Sindh"
NARRATIVE = "First cohort of the basic investigation course at the CTD Sindh school, Karachi."


@pytest.fixture
def programme(transactional_db):
    """SP-IV's workplan 2022-23, version 1 approved: A2, led by CTD Sindh in Sindh, paid for
    by P7-GAC-CT, plans 50 officers trained (I1.1a, by sex and province, target 300) in Q2.
    An EWG meeting of SP-IV is held today, to decide on the revision."""
    sp4 = SubProgrammeFactory()
    output = OutputFactory(outcome=OutcomeFactory(sub_programme=sp4, code="Oc1"), code="Op1.1")
    indicator = IndicatorFactory(
        output=output,
        code="I1.1a",
        title="Officers trained",
        unit="persons",
        baseline=Decimal("0"),
        target=Decimal("300"),
        by_sex=True,
        by_province=True,
    )
    project = ProjectFactory(code="P7-GAC-CT", title="CT investigations", sub_programme=sp4)
    ctd = OrganisationFactory(
        short_name="CTD-Sindh",
        name="Counter Terrorism Department Sindh",
        kind=Organisation.Kind.COUNTERPART,
    )
    v1 = approved_version(
        workplan=WorkplanFactory(
            sub_programme=sp4, code=WORKPLAN, title="Sub-Programme IV workplan 2022-23"
        )
    )
    activity = ActivityFactory(
        version=v1,
        code="A2",
        title="Basic terrorism investigation course for CTD Sindh inspectors",
        output=output,
        lead_counterpart=ctd,
        project=project,
    )
    activity.provinces.set([ProvinceFactory(code="PK-SD", name="Sindh")])
    ActivityTargetFactory(activity=activity, indicator=indicator, quarter=2, value=Decimal("50"))
    meeting = EwgMeetingFactory(sub_programme=sp4, date=timezone.localdate())
    return {"v1": v1, "activity": activity, "project": project, "ctd": ctd, "meeting": meeting}


def _open_as(browser, live_server, login, user) -> Page:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, user)
    return page


def _menu(page: Page, name: str) -> None:
    click_visible(page.get_by_role("navigation", name="Main"), name, role="link", exact=True)


def test_counterpart_starts_on_v1_finishes_on_v2_and_the_verified_figure_reaches_the_project(
    browser, live_server, login, programme
):
    officer = user_with_role(
        Role.COUNTERPART_STAFF,
        programme["ctd"],
        username="ctd_sindh",
        first_name="Ayesha",
        last_name="Baloch",
    )
    manager = user_with_role(
        Role.PROGRAMME_MANAGER, username="manager", first_name="Omar", last_name="Khan"
    )
    secretary = user_with_role(
        Role.EWG_SECRETARIAT, username="ewg", first_name="Hina", last_name="Shah"
    )
    v1, a2_v1 = programme["v1"], programme["activity"]

    # 1. The officer opens "My activities": A2's Q2 of version 1 waits for a report.
    ctd = _open_as(browser, live_server, login, officer)
    _menu(ctd, "My activities")
    expect(ctd.get_by_role("heading", level=1)).to_have_text("My activities")
    row = ctd.get_by_test_id("row-A2-q2")
    expect(row.locator("xpath=ancestor::section//h2")).to_contain_text(f"{WORKPLAN} v1")
    expect(row.get_by_test_id("action")).to_have_text("Report progress for A2, Q2 (Oct-Dec 2022)")
    assert_accessible(ctd, "counterpart-my-activities-v1")

    # 2. She starts the update and saves what she has so far as a draft.
    click_visible(row, "Report progress", role="link")
    expect(ctd.get_by_role("heading", level=1)).to_have_text("Progress of A2 in Q2 (Oct-Dec 2022)")
    expect(ctd.get_by_text(f"{WORKPLAN} v1 · lead CTD-Sindh")).to_be_visible()
    assert_accessible(ctd, "counterpart-update-v1-empty")
    select_visible(ctd, "Status", "On track")
    fill_visible(ctd, "Percent complete", "60")
    fill_visible(ctd, FEMALE, "6", exact=True)
    fill_visible(ctd, MALE, "20", exact=True)
    fill_visible(ctd, "Narrative", NARRATIVE, exact=True)
    click_visible(ctd, "Save draft", exact=True)
    expect(ctd.locator(".messages")).to_contain_text("Draft saved. Submit it when it is complete.")
    assert_accessible(ctd, "counterpart-draft-saved-v1")
    draft = ProgressUpdate.objects.get()
    assert (draft.activity_id, draft.quarter, draft.state) == (a2_v1.pk, 2, "draft")
    v1_form_url = ctd.url

    # 3. Meanwhile (in the browser, each in their own): the manager starts a revision of
    #    version 1 and submits it; the EWG secretariat records today's meeting approving it.
    pm = _open_as(browser, live_server, login, manager)
    pm.goto(f"/workplans/versions/{v1.pk}/")
    expect(pm.get_by_test_id("version-status")).to_have_text("Approved")
    assert_accessible(pm, "manager-version-1")
    click_visible(pm, "Start a revision", exact=True)
    expect(pm.get_by_test_id("version-status")).to_have_text("Draft")
    expect(pm.get_by_text("revision of v1")).to_be_visible()
    assert_accessible(pm, "manager-version-2-draft")
    click_visible(pm, "Submit for approval", exact=True)
    expect(pm.get_by_test_id("version-status")).to_have_text("Submitted for approval")
    assert_accessible(pm, "manager-version-2-submitted")
    v2 = WorkplanVersion.objects.get(workplan=v1.workplan, number=2)

    ewg = _open_as(browser, live_server, login, secretary)
    ewg.goto(f"/workplans/versions/{v2.pk}/")
    expect(ewg.get_by_test_id("version-decision")).to_be_visible()
    assert_accessible(ewg, "ewg-version-2-to-decide")
    select_visible(ewg, "EWG meeting", str(programme["meeting"]))
    select_visible(ewg, "Decision", "Approve")
    click_visible(ewg, "Record decision", exact=True)
    expect(ewg.locator(".messages")).to_contain_text(
        f"{WORKPLAN} v2 approved by the {programme['meeting']}."
    )
    expect(ewg.get_by_test_id("version-status")).to_have_text("Approved")
    assert_accessible(ewg, "ewg-version-2-approved")
    v1.refresh_from_db()
    assert v1.status == WorkplanVersion.Status.SUPERSEDED
    a2_v2 = Activity.objects.get(version=v2, code="A2")
    draft.refresh_from_db()
    assert (draft.activity_id, draft.state) == (a2_v2.pk, "draft")
    moved_mail = [m for m in mail.outbox if m.to == [officer.email]]
    assert [m.subject for m in moved_mail] == [f"Progress moved to the revision: {WORKPLAN} v2"]

    # 4. Her tab still shows version 1's form: reloaded, it offers no Save or Submit, one
    #    notice, and the way to version 2.
    ctd.goto(v1_form_url)
    notice = ctd.get_by_test_id("progress-notice")
    expect(notice).to_contain_text(
        f"Version 1 of {WORKPLAN} is superseded; progress is reported only on the approved version."
    )
    expect(ctd.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(ctd.get_by_role("button", name="Submit for verification")).to_have_count(0)
    expect(ctd.get_by_test_id("progress-form")).to_have_count(0)
    # Not "Not started": her draft was not lost, it went to version 2.
    expect(ctd.get_by_test_id("no-update-here")).to_have_text("None on version 1")
    expect(ctd.locator("main")).not_to_contain_text("Not started")
    assert_accessible(ctd, "counterpart-old-v1-url")
    expect(ctd.get_by_test_id("in-force-link")).to_have_text(
        "Report on A2 in version 2, the version in force"
    )

    # 5. "My activities" now lists Q2 under version 2, with the draft to continue.
    _menu(ctd, "My activities")
    row = ctd.get_by_test_id("row-A2-q2")
    expect(row.locator("xpath=ancestor::section//h2")).to_contain_text(f"{WORKPLAN} v2")
    expect(row.get_by_test_id("situation").first).to_have_text("Draft")
    expect(row.get_by_test_id("action")).to_have_text(
        "Continue the draft for A2, Q2 (Oct-Dec 2022)"
    )
    expect(ctd.get_by_text(f"{WORKPLAN} v1")).to_have_count(0)
    assert_accessible(ctd, "counterpart-my-activities-v2")

    # 6. The update page, on version 2: editable, no contradicting notice, the move told
    #    once in its history, and what she typed still there.
    click_visible(row, "Continue the draft", role="link")
    expect(ctd).to_have_url(re.compile(rf"/workplans/activities/{a2_v2.pk}/progress/2/$"))
    expect(ctd.get_by_text(f"{WORKPLAN} v2 · lead CTD-Sindh")).to_be_visible()
    main = ctd.locator("main")
    expect(ctd.get_by_test_id("progress-notice")).to_have_count(0)
    expect(main.locator(".alert")).to_have_count(0)
    expect(main).not_to_contain_text("superseded")
    expect(main).not_to_contain_text("read-only")
    expect(ctd.get_by_test_id("transitions")).to_contain_text(
        f"Moved from version 1 to version 2 of {WORKPLAN} when version 2 was approved; "
        "it stays draft and can be finished there."
    )
    expect(ctd.get_by_label("Status")).to_have_value("on_track")
    expect(ctd.get_by_label("Percent complete")).to_have_value("60")
    expect(ctd.get_by_label(FEMALE, exact=True)).to_have_value("6")
    expect(ctd.get_by_label(MALE, exact=True)).to_have_value("20")
    expect(ctd.get_by_label("Narrative", exact=True)).to_have_value(NARRATIVE)
    assert_accessible(ctd, "counterpart-update-v2-draft")

    # 7. The second half of the cohort finished: she completes the figures and submits.
    select_visible(ctd, "Status", "Completed")
    fill_visible(ctd, "Percent complete", "100")
    fill_visible(ctd, MALE, "44", exact=True)
    fill_visible(
        ctd,
        "Challenges",
        "Two inspectors were recalled to duty and will join the next cohort.",
        exact=True,
    )
    click_visible(ctd, "Submit for verification", exact=True)
    expect(ctd.locator(".messages")).to_contain_text("Q2 update of A2 submitted for verification.")
    expect(ctd.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(ctd.get_by_test_id("achieved-values")).to_contain_text("44")
    assert_accessible(ctd, "counterpart-update-v2-submitted")
    draft.refresh_from_db()
    assert (draft.activity_id, draft.state, draft.percent_complete) == (
        a2_v2.pk,
        "submitted",
        100,
    )

    # 8. The manager finds it in the review queue, opens it and verifies it.
    _menu(pm, "Review queue")
    queue_row = pm.get_by_test_id("queue-A2-q2")
    expect(queue_row).to_contain_text(WORKPLAN)
    expect(queue_row).to_contain_text("CTD-Sindh")
    expect(queue_row).to_contain_text("Ayesha Baloch")
    assert_accessible(pm, "manager-review-queue")
    click_visible(queue_row, "Review A2 Q2", role="link", exact=True)
    expect(pm.get_by_text(f"Q2 (Oct-Dec 2022) · {WORKPLAN} v2")).to_be_visible()
    values = pm.get_by_test_id("achieved-values")
    expect(values.locator("tbody tr")).to_have_text(
        [
            re.compile(r"^I1\.1a Officers trained\s*Female\s*Sindh\s*6 persons$"),
            re.compile(r"^I1\.1a Officers trained\s*Male\s*Sindh\s*44 persons$"),
        ]
    )
    assert_accessible(pm, "manager-review-update")
    click_visible(pm, "Verify", exact=True)
    expect(pm.locator(".messages")).to_contain_text(
        "Q2 update of A2 verified; its figures now count."
    )
    expect(pm.get_by_test_id("queue-A2-q2")).to_have_count(0)
    assert_accessible(pm, "manager-review-queue-empty")
    draft.refresh_from_db()
    assert draft.state == ProgressUpdate.State.VERIFIED

    # 9. The project page shows the verified figure against the indicator's target.
    _menu(pm, "Projects")
    click_visible(pm, re.compile(r"P7-GAC-CT"), role="link")
    expect(pm).to_have_url(re.compile(r"/projects/P7-GAC-CT/$"))
    achieved = pm.get_by_test_id("achieved-I1.1a")
    expect(achieved.locator("strong")).to_have_text("50")
    expect(achieved).to_contain_text("Q2 (Oct-Dec 2022): 50")
    progress = pm.get_by_test_id("progress-I1.1a")
    expect(progress).to_contain_text("17% of target · now 50 of 300")
    expect(progress.get_by_role("progressbar")).to_have_attribute("value", "17")
    achieved.scroll_into_view_if_needed()
    assert_accessible(pm, "manager-project-results")
