"""A donor viewer in a real Chromium: signs in, sees only its own project, cannot open
another donor's, signs out."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from organisations.models import Organisation, Role
from projects.models import Project
from tests.factories import (
    ActivityFactory,
    AllocationFactory,
    BudgetLineFactory,
    DonorFactory,
    ExpenditureFactory,
    FundingAgreementFactory,
    IndicatorFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    ProvinceFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from workplans.models import WorkplanVersion

pytestmark = pytest.mark.browser


def _funded_project(*, donor, other_donor):
    """A project shaped like the real ones: two donors, a budget, a logframe, activities."""
    punjab = ProvinceFactory(code="PK-PB", name="Punjab")
    kp = ProvinceFactory(code="PK-KP", name="Khyber Pakhtunkhwa")
    ctd = OrganisationFactory(short_name="CTD-PB", name="Counter Terrorism Department Punjab")
    project = ProjectFactory(
        code="PAKX27",
        title="Strengthening criminal justice responses to terrorism in Punjab",
        description="Training for investigators, prosecutors and judges on terrorism cases.",
        start_date=datetime.date(2023, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    project.provinces.set([punjab, kp])
    project.counterparts.set([ctd])
    own = FundingAgreementFactory(
        donor=donor,
        reference="JP-2023-014",
        currency="JPY",
        amount=Decimal("150000000"),
        usd_rate=Decimal("0.0071"),
    )
    AllocationFactory(agreement=own, project=project, amount=Decimal("100000000"))
    theirs = FundingAgreementFactory(donor=other_donor, reference="EU-ICSP-2022-77")
    AllocationFactory(agreement=theirs, project=project, amount=Decimal("400000.00"))
    for year, category, budget, spent in [
        (2023, "training", "250000", "180000"),
        (2023, "travel", "60000", "42000.50"),
        (2024, "training", "300000", "95000"),
        (2024, "equipment", "120000", "130000"),
    ]:
        BudgetLineFactory(project=project, year=year, category=category, amount=Decimal(budget))
        ExpenditureFactory(
            project=project,
            category=category,
            spent_on=datetime.date(year, 5, 10),
            amount=Decimal(spent),
        )
    outcome = OutcomeFactory(
        sub_programme=project.sub_programme,
        project=project,
        code="OC1",
        title="Terrorism cases are investigated and prosecuted in line with the rule of law",
    )
    output = OutputFactory(
        outcome=outcome, code="OP1.1", title="Investigators trained in evidence handling"
    )
    IndicatorFactory(
        output=output,
        code="I1.1.1",
        title="Investigators trained",
        unit="persons",
        baseline=Decimal("0"),
        target=Decimal("240"),
    )
    version = WorkplanVersionFactory(status=WorkplanVersion.Status.APPROVED)
    activity = ActivityFactory(
        version=version,
        code="A1.1.1",
        title="Five-day course on crime-scene evidence",
        output=output,
        lead_counterpart=ctd,
        project=project,
        budget=Decimal("45000.00"),
    )
    activity.provinces.set([punjab])
    return project


def test_donor_viewer_sees_only_its_project_and_signs_out(page, login, screenshot, live_server):
    japan = DonorFactory(short_name="JAPAN", name="Government of Japan")
    eu = DonorFactory(short_name="EU", name="European Union")
    own = _funded_project(donor=japan, other_donor=eu)
    not_ours = ProjectFactory(code="PAKX99", title="A project only the EU funds")
    AllocationFactory(agreement=FundingAgreementFactory(donor=eu), project=not_ours)
    viewer = user_with_role(Role.DONOR_VIEWER, organisation=japan, username="japan.viewer")

    page.goto("/accounts/login/")
    screenshot(page, "01-sign-in")
    login(page, viewer)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    screenshot(page, "02-donor-home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    rows = page.get_by_test_id("project-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PAKX27")
    expect(page.get_by_text("PAKX99")).to_have_count(0)
    screenshot(page, "03-donor-project-list")

    page.get_by_role("link", name="PAKX27").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("criminal justice")
    funding = page.get_by_test_id("funding-table")
    expect(funding).to_contain_text("JP-2023-014")
    expect(funding).to_contain_text("JPY 100,000,000")
    expect(page.get_by_test_id("other-funding")).to_contain_text("400,000.00")
    expect(funding).not_to_contain_text("EU-ICSP-2022-77")
    screenshot(page, "04-donor-project-detail")
    screenshot(page, "05-donor-project-detail-phone", phone=True)

    response = page.goto(f"/projects/{not_ours.code}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("A project only the EU funds")).to_have_count(0)
    screenshot(page, "06-other-donors-project-404")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(f"/projects/{own.code}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/projects/PAKX27/$"))
    assert Project.objects.count() == 2
    assert Organisation.objects.filter(kind="donor").count() == 2


def test_manager_filters_projects_on_a_phone(page, login, screenshot):
    japan = DonorFactory(short_name="JAPAN", name="Government of Japan")
    eu = DonorFactory(short_name="EU", name="European Union")
    _funded_project(donor=japan, other_donor=eu)
    ProjectFactory(code="PAKX30", title="Airport security and passenger screening")
    manager = user_with_role(Role.PROGRAMME_MANAGER, username="pm")

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, manager)
    page.get_by_role("button", name="Show or hide the menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    expect(page).to_have_url(re.compile(r"/projects/$"))
    # On a phone the filters fold away behind a button, so the list comes first.
    expect(page.get_by_label("Province")).to_be_hidden()
    page.get_by_role("button", name="Filters", exact=True).click()
    # The panel must be open, not still opening, before a person can use its button.
    expect(page.locator("#project-filters")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.get_by_label("Province")).to_be_visible()
    page.get_by_label("Province").select_option(label="Punjab")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]province=PK-PB"))
    rows = page.get_by_test_id("project-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PAKX27")
    screenshot(page, "07-manager-filtered-list-phone", phone=True)

    page.get_by_role("link", name="PAKX27").click()
    funding = page.get_by_test_id("funding-table")
    expect(funding).to_contain_text("EU-ICSP-2022-77")
    expect(funding).to_contain_text("JP-2023-014")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "08-manager-project-detail")

    page.get_by_role("link", name="Projects", exact=True).first.click()
    page.get_by_role("link", name="Programme structure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme structure")
    expect(page.get_by_role("link", name="2 projects")).to_be_visible()
    screenshot(page, "09-manager-programme-structure")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "10-manager-home-user-menu")
