"""The funding dashboard in a real Chromium, on the demo data: Japan's donor viewer sees
its totals and charts, downloads a table as XLSX, and cannot open a project only the EU
funds; screenshots of the dashboard as two donors and as a manager."""

import re
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from playwright.sync_api import expect

from ctportal.demo.data import DEMO_PASSWORD
from organisations.models import Role
from tests.factories import (
    EurAgreementFactory,
    FundingAgreementFactory,
    ReceivedDisbursementFactory,
    user_with_role,
)

pytestmark = pytest.mark.browser

CHARTS = ("timeline", "categories", "province_activity", "quarter_status")


@pytest.fixture
def demo_users(transactional_db, demo):
    return {u.username: u for u in get_user_model().objects.all()}


def _charts_drawn(page) -> int:
    """Each chart that has data is a drawn canvas, and every chart has its table under it."""
    for name in CHARTS:
        figure = page.get_by_test_id(f"chart-{name}")
        expect(figure).to_be_visible()
        expect(page.get_by_test_id(f"table-{name}")).to_be_visible()
    page.wait_for_function(
        "document.querySelectorAll('canvas[data-chart]').length === "
        "document.querySelectorAll('canvas[data-drawn]').length"
    )
    return page.locator("canvas[data-drawn='true']").count()


def test_japan_sees_its_totals_and_charts_and_downloads_them_as_xlsx(
    page, login, screenshot, demo_users, tmp_path
):
    login(page, demo_users["donor_japan"], password=DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funding").click()
    expect(page).to_have_url(re.compile(r"/funding/$"))
    expect(page.get_by_role("heading", name="Funding dashboard")).to_be_visible()
    expect(page.get_by_test_id("headline-committed")).to_have_text("3,730,935.00")
    agreements = page.get_by_test_id("table-agreements")
    expect(agreements).to_contain_text("JPN-2018-UNODC-PAK")
    expect(agreements).to_contain_text("3,730,935.00")
    projects = page.get_by_test_id("table-projects")
    for code in ("P3-JP-CTF", "P4-JP-FSL", "P5-JP-ACCU", "P6-JP-TOC"):
        expect(projects).to_contain_text(code)
    expect(page.locator("body")).not_to_contain_text("PACT")
    # Japan's projects have spending and provinces but no approved workplan activities:
    # three charts with data, the status chart says so in words.
    assert _charts_drawn(page) == 3
    expect(page.get_by_test_id("chart-quarter_status")).to_contain_text("Nothing to chart")
    screenshot(page, "funding-dashboard-japan")
    screenshot(page, "funding-dashboard-japan-phone", phone=True)

    with page.expect_download() as download_info:
        page.get_by_test_id("download-agreements-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = load_workbook(saved).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    # One agreement and the USD total, as on the page.
    assert [r[0] for r in rows[1:]] == ["JPN-2018-UNODC-PAK", "Total, USD"]
    assert first["Agreement"] == "JPN-2018-UNODC-PAK"
    assert first["Currency"] == "USD"
    assert first["Committed"] == 3730935
    assert first["Committed (USD)"] == 3730935
    assert first["Received (USD)"] == 3730935
    assert first["Spent (USD)"] == 215100
    committed = sheet.cell(row=2, column=header.index("Committed") + 1)
    assert (committed.data_type, committed.number_format) == ("n", "#,##0.00")

    # A project only the EU funds does not exist for Japan, on either page.
    response = page.goto("/projects/P1-PACT-KP/")
    assert response.status == 404
    response = page.goto("/funding/projects/P1-PACT-KP/")
    assert response.status == 404


def test_gac_sees_its_share_and_other_funding_only(page, login, screenshot, demo_users):
    login(page, demo_users["donor_canada"], password=DEMO_PASSWORD)
    page.goto("/funding/")
    expect(page.get_by_test_id("table-agreements")).to_contain_text("GAC-UNODC-SP4")
    projects = page.get_by_test_id("table-projects")
    expect(projects).to_contain_text("Other funding (USD)")
    expect(projects).to_contain_text("300,000.00")
    expect(page.locator("body")).not_to_contain_text("INL")
    expect(page.locator("body")).not_to_contain_text("1,800,000")
    expect(page.get_by_test_id("headline-overdue")).to_have_text("1")
    assert _charts_drawn(page) == 4
    screenshot(page, "funding-dashboard-gac")
    page.get_by_test_id("table-projects").get_by_role("link", name="P7-GAC-CT").first.click()
    expect(page.get_by_test_id("other-funding")).to_contain_text("300,000.00")
    expect(page.locator("body")).not_to_contain_text("INL")
    screenshot(page, "funding-project-p7-gac")


def test_manager_sees_all_donors_and_can_look_as_one(page, login, screenshot, demo_users):
    login(page, demo_users["manager"], password=DEMO_PASSWORD)
    page.goto("/funding/")
    agreements = page.get_by_test_id("table-agreements")
    for reference in ("EU-FPI-PACT-KP", "GAC-UNODC-SP4", "INL-UNODC-PTP", "JPN-2018-UNODC-PAK"):
        expect(agreements).to_contain_text(reference)
    expect(agreements).to_contain_text("Total, all currencies (USD)")
    assert _charts_drawn(page) == 4
    screenshot(page, "funding-dashboard-manager")
    page.get_by_label("See the figures as a donor sees them").select_option(
        label="EU — European Union - Service for Foreign Policy Instruments"
    )
    page.get_by_role("button", name="View as donor").click()
    expect(page.get_by_test_id("as-donor-banner")).to_be_visible()
    expect(page.get_by_test_id("table-agreements")).not_to_contain_text("GAC-UNODC-SP4")
    expect(page.get_by_test_id("table-agreements")).to_contain_text("6,998,964.00")
    screenshot(page, "funding-dashboard-manager-as-eu")


def test_a_programmes_billions_fit_the_headline_on_a_phone(page, login, screenshot):
    """At a decade a manager's totals run to ten digits and cents in several currencies:
    on a phone each headline figure is read whole, not cut at its card's edge."""
    eur = EurAgreementFactory(amount=D("412660779.53"), reference="EU-BIG")
    usd = FundingAgreementFactory(amount=D("4385207769.33"), reference="US-BIG")
    for agreement in (eur, usd):
        ReceivedDisbursementFactory(
            agreement=agreement,
            planned_amount=agreement.amount,
            planned_usd_rate=agreement.usd_rate,
        )
    manager = user_with_role(Role.PROGRAMME_MANAGER)

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, manager)
    page.goto("/funding/")
    # EUR 412,660,779.53 at 1.08, and the USD.
    expect(page.get_by_test_id("headline-committed")).to_have_text("4,830,881,411.22")
    for name in ("committed", "received", "spent", "balance", "overdue"):
        figure = page.get_by_test_id(f"headline-{name}")
        expect(figure).to_be_visible()
        # Nothing of it is hidden: it needs no more width than it has, inside the screen.
        clipped = figure.evaluate(
            "el => el.scrollWidth > el.clientWidth + 1"
            " || el.getBoundingClientRect().right > window.innerWidth"
        )
        assert not clipped, name
    screenshot(page, "funding-dashboard-billions-phone", phone=True)
