"""Issue 4's walk in Chromium: NACTA staff report progress on an approved activity (a bad
figure is shown on its field, corrected), attach a PDF and submit; the programme manager
returns it with a comment; staff read the comment, fix the figure and resubmit; the
manager verifies it; the project page shows the new cumulative figure against its target."""

import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from organisations.models import Organisation, Role
from tests.factories import (
    ActivityFactory,
    ActivityTargetFactory,
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
from workplans.models import EvidenceFile, ProgressUpdate

pytestmark = pytest.mark.browser


def attendance_pdf() -> bytes:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    sheet.drawString(72, 770, "Basic CT investigation course, Karachi - attendance sheet")
    sheet.drawString(72, 750, "44 male and 6 female inspectors")
    sheet.save()
    return buffer.getvalue()


@pytest.fixture
def programme(transactional_db):
    """SP-IV's workplan 2022-23 (approved) with A3, led by NACTA in Sindh and paid for by
    P7-GAC-CT, reporting on I1.1a (persons trained, by sex and province, target 300)."""
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
    nacta = OrganisationFactory(
        short_name="NACTA",
        name="National Counter Terrorism Authority",
        kind=Organisation.Kind.COUNTERPART,
    )
    version = approved_version(workplan=WorkplanFactory(sub_programme=sp4, code="WP-SP4-22-23"))
    activity = ActivityFactory(
        version=version,
        code="A3",
        title="Basic terrorism investigation course for newly inducted inspectors",
        output=output,
        lead_counterpart=nacta,
        project=project,
    )
    activity.provinces.set([ProvinceFactory(code="PK-SD", name="Sindh")])
    ActivityTargetFactory(activity=activity, indicator=indicator, quarter=2, value=Decimal("50"))
    return {"activity": activity, "indicator": indicator, "project": project, "nacta": nacta}


def _open_as(browser, live_server, login, user):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, user)
    return page


def test_progress_is_reported_returned_corrected_verified_and_shown_on_the_project(
    browser, live_server, login, screenshot, programme
):
    staff = user_with_role(
        Role.COUNTERPART_STAFF,
        programme["nacta"],
        username="nacta",
        first_name="Sana",
        last_name="Malik",
    )
    manager = user_with_role(Role.PROGRAMME_MANAGER, username="manager")
    indicator = programme["indicator"]
    female = f"{indicator.code} {indicator.title} — female, Sindh"
    male = f"{indicator.code} {indicator.title} — male, Sindh"

    # 1. NACTA staff find the activity under "My activities" and open its Q2 form.
    nacta = _open_as(browser, live_server, login, staff)
    nacta.get_by_role("link", name="My activities").first.click()
    row = nacta.get_by_test_id("row-A3-q2")
    expect(row.get_by_test_id("situation").first).to_have_text("Late")
    screenshot(nacta, "progress-00-my-activities")
    row.get_by_role("link").click()
    expect(nacta.get_by_role("heading", level=1)).to_have_text(
        "Progress of A3 in Q2 (Oct-Dec 2022)"
    )

    # 2. One bad figure: the error is shown on its own field and nothing is saved.
    nacta.get_by_label("Status").select_option(label="On track")
    nacta.get_by_label("Percent complete").fill("60")
    nacta.get_by_label(female).fill("4")
    nacta.get_by_label(male).fill("-44")
    nacta.get_by_label("Narrative").fill("First cohort trained at the CTD Sindh school, Karachi.")
    nacta.get_by_role("button", name="Save draft").click()
    expect(nacta.get_by_label(male)).to_have_attribute("aria-invalid", "true")
    male_errors = nacta.locator(f"#{nacta.get_by_label(male).get_attribute('id')}_errors")
    expect(male_errors).to_have_text("An achieved value cannot be negative.")
    expect(nacta.get_by_label(female)).to_have_value("4")  # what was typed stays
    screenshot(nacta, "progress-01-form-with-error")
    assert not ProgressUpdate.objects.exists()

    # 3. Corrected, with the attendance sheet attached, and submitted.
    nacta.get_by_label(male).fill("44")
    nacta.get_by_label("Add evidence files").set_input_files(
        files=[
            {
                "name": "attendance-q2.pdf",
                "mimeType": "application/pdf",
                "buffer": attendance_pdf(),
            }
        ]
    )
    nacta.get_by_role("button", name="Submit for verification").click()
    expect(nacta.locator(".messages")).to_contain_text("submitted for verification")
    expect(nacta.get_by_test_id("situation").first).to_have_text("Submitted")
    expect(nacta.get_by_test_id("evidence-list")).to_contain_text("attendance-q2.pdf")
    assert EvidenceFile.objects.get().content_type == "application/pdf"
    assert [m.to for m in mail.outbox] == [[manager.email]]

    # 4. The manager finds it in the queue and returns it; a return without a comment is
    #    refused on the comment field.
    pm = _open_as(browser, live_server, login, manager)
    pm.goto("/workplans/reviews/")
    queue = pm.get_by_test_id("review-queue")
    expect(queue).to_contain_text("A3")
    expect(queue).to_contain_text("NACTA")
    screenshot(pm, "progress-02-review-queue")
    queue.get_by_role("link", name=re.compile("Review")).click()
    expect(pm.get_by_test_id("achieved-values")).to_contain_text("44")
    expect(pm.get_by_role("link", name="attendance-q2.pdf")).to_be_visible()
    screenshot(pm, "progress-02b-review-page")
    pm.get_by_role("button", name="Return with comment").click()
    expect(pm.locator("#id_comment_errors")).to_have_text("Say what the counterpart should change.")
    pm.get_by_label("Comment to the counterpart").fill(
        "The attendance sheet lists 6 women, not 4: please correct the female figure."
    )
    pm.get_by_role("button", name="Return with comment").click()
    expect(pm.locator(".messages")).to_contain_text("returned to NACTA")
    assert mail.outbox[-1].to == [staff.email]

    # 5. Staff see the comment on the form, fix the figure and submit again.
    nacta.reload()
    expect(nacta.get_by_test_id("return-comment")).to_contain_text(
        "The attendance sheet lists 6 women, not 4"
    )
    screenshot(nacta, "progress-03-returned-with-comment")
    expect(nacta.get_by_label(female)).to_have_value("4")
    nacta.get_by_label(female).fill("6")
    nacta.get_by_role("button", name="Submit for verification").click()
    expect(nacta.get_by_test_id("situation").first).to_have_text("Submitted")
    expect(nacta.get_by_test_id("transitions")).to_contain_text("Returned with comments")

    # 6. The manager verifies it.
    pm.goto("/workplans/reviews/")
    pm.get_by_test_id("review-queue").get_by_role("link", name=re.compile("Review")).click()
    pm.get_by_role("button", name="Verify").click()
    expect(pm.locator(".messages")).to_contain_text("verified")
    update = ProgressUpdate.objects.get()
    assert update.state == ProgressUpdate.State.VERIFIED

    # 7. The project page shows the new cumulative figure against the target.
    pm.goto(f"/projects/{programme['project'].code}/")
    expect(pm.get_by_test_id("achieved-I1.1a")).to_contain_text("50")
    expect(pm.get_by_test_id("achieved-I1.1a")).to_contain_text("Q2 (Oct-Dec 2022): 50")
    progress = pm.get_by_test_id("progress-I1.1a")
    expect(progress).to_contain_text("17% of target · now 50 of 300")
    expect(progress.get_by_role("progressbar")).to_have_attribute("value", "17")
    pm.locator("#results").scroll_into_view_if_needed()
    screenshot(pm, "progress-04-project-results")
