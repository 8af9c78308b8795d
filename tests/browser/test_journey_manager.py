"""Issue 10's manager journey in Chromium, as a person does it: a programme manager records
an EUR agreement, allocates it to two projects, plans three tranches, records two receipts
and is refused a third past the commitment (the error beside the amount field), records an
expenditure by hand and imports ten more from the XLSX template, and the funding dashboard,
empty for the donor before, shows the new figures after.

Every field is filled through tests/browser/person.py (visible, in view, uncovered,
labelled); every page visited passes axe-core at 1366 and 390 px; each step leaves its
screenshots under test-artifacts/screenshots/<this test>/.
"""

import datetime
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from donors.models import Disbursement, FundingAgreement
from organisations.models import Role
from projects.models import Expenditure
from tests.browser.journey_manager_steps import (
    BY_HAND,
    CENT,
    EUR_RATES,
    IMPORTED,
    REFERENCE,
    TITLES,
    XLSX,
    agreement_row,
    allocate,
    assert_error_beside,
    expect_money,
    fill_agreement,
    open_receipt,
    plan,
    receive,
    text,
    usd,
)
from tests.browser.person import (
    assert_accessible,
    assert_usable,
    click_visible,
    fill_visible,
    save_screenshot,
    select_visible,
    upload_visible,
)
from tests.factories import (
    CountryProgrammeFactory,
    DonorFactory,
    ExchangeRateFactory,
    ImplementerFactory,
    ProjectFactory,
    SubProgrammeFactory,
    user_with_role,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def programme(transactional_db):
    """What the manager finds already there: the donor, UNODC, two projects of SP-IV whose
    periods cover 2025, and the EUR rates of the months used (USD needs none)."""
    donor = DonorFactory(short_name="EU", name="European Union")
    ImplementerFactory()
    sub_programme = SubProgrammeFactory(
        programme=CountryProgrammeFactory(
            code="CP-PAK-IV",
            title="Country Programme IV 2025-2028",
            start_date=datetime.date(2025, 1, 1),
            end_date=datetime.date(2028, 12, 31),
        )
    )
    projects = [
        ProjectFactory(
            code=code,
            title=title,
            sub_programme=sub_programme,
            start_date=datetime.date(2025, 1, 1),
            end_date=datetime.date(2026, 12, 31),
        )
        for code, title in TITLES.items()
    ]
    for month, rate in EUR_RATES.items():
        ExchangeRateFactory(currency="EUR", month=month, usd_per_unit=rate)
    return {"donor": donor, "projects": projects}


def test_manager_records_an_agreement_its_money_and_spending_and_the_dashboard_shows_it(
    page, login, programme, tmp_path
):
    manager = user_with_role(
        Role.PROGRAMME_MANAGER, username="manager", first_name="Amina", last_name="Qureshi"
    )
    login(page, manager)

    # 1. The funding dashboard before: nothing is committed, received or spent.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funding dashboard")
    expect(page.get_by_test_id("table-agreements")).to_contain_text(
        "No funding agreement matches these filters."
    )
    expect(page.get_by_test_id("table-agreements")).not_to_contain_text(REFERENCE)
    # No totals are drawn while there is no money to add up.
    expect(page.get_by_test_id("headline")).to_have_count(0)
    assert_accessible(page, "dashboard-before")

    # 2. The agreement list, empty, and a new EUR agreement.
    click_visible(page.get_by_test_id("manage-actions"), "Agreements", role="link")
    expect(page.get_by_test_id("agreement-count")).to_have_text("0 agreements.")
    assert_accessible(page, "agreement-list-empty")
    click_visible(page, "New agreement", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text("New funding agreement")
    assert_accessible(page, "agreement-form")
    fill_agreement(page)
    save_screenshot(page, "agreement-form-filled")
    click_visible(page, "Record agreement")
    expect(page.locator(".messages")).to_contain_text(f"Agreement {REFERENCE} recorded.")
    agreement = FundingAgreement.objects.get(reference=REFERENCE)
    assert (agreement.currency, agreement.amount) == ("EUR", Decimal("1000000.00"))
    assert (agreement.usd_rate, agreement.amount_usd) == (Decimal("1.25"), Decimal("1250000.00"))
    figures = page.get_by_test_id("agreement-figures")
    expect(figures).to_contain_text("EUR 1,000,000.00 (USD 1,250,000.00)")
    assert_accessible(page, "agreement-recorded")

    # 3. Allocated to the two projects: 600,000 and the 400,000 left.
    allocate(page, "P8-EU-CT", "600000.00", "400,000.00")
    assert_accessible(page, "allocation-form")
    click_visible(page, "Allocate")
    expect(page.locator(".messages")).to_contain_text(
        f"{REFERENCE} now funds P8-EU-CT with EUR 600,000.00."
    )
    allocate(page, "P9-EU-BM", "400000.00", "0.00")
    click_visible(page, "Allocate")
    expect(page.locator(".messages")).to_contain_text(
        f"{REFERENCE} now funds P9-EU-BM with EUR 400,000.00."
    )
    allocations = page.get_by_test_id("table-allocations")
    expect(allocations).to_contain_text("P8-EU-CT")
    expect(allocations).to_contain_text("P9-EU-BM")
    expect(figures).to_contain_text("EUR 1,000,000.00 (USD 1,250,000.00)")
    save_screenshot(page, "allocated")

    # 4. Three tranches planned: 400,000 in March, 400,000 in September, 200,000 in
    #    December 2025, each shown with the agreement's rate (money not yet received is
    #    valued as the commitment is, ctportal.figures.USD_POLICY).
    plan(page, "2025-03-01", "400000.00", "1.25")
    assert_accessible(page, "tranche-plan-form")
    click_visible(page, "Plan the tranche")
    expect(page.locator(".messages")).to_contain_text(
        "Tranche of EUR 400,000.00 planned for 1 Mar 2025."
    )
    plan(page, "2025-09-01", "400000.00", "1.25")
    click_visible(page, "Plan the tranche")
    expect(page.locator(".messages")).to_contain_text("planned for 1 Sep 2025.")
    plan(page, "2025-12-01", "200000.00", "1.25")
    click_visible(page, "Plan the tranche")
    expect(page.locator(".messages")).to_contain_text(
        "Tranche of EUR 200,000.00 planned for 1 Dec 2025."
    )
    assert Disbursement.objects.filter(agreement=agreement).count() == 3
    save_screenshot(page, "three-tranches-planned")

    # 5. Two receipts: the donor paid 450,000 (more than planned) in March, then 400,000.
    open_receipt(page, "1 Mar 2025")
    receive(page, "2025-03-20", "450000.00")
    rate = page.get_by_test_id("rate-received")
    expect(rate.get_by_test_id("usd-rate")).to_have_text("1.08")
    expect(rate.get_by_test_id("usd-value")).to_have_text("USD 486,000.00")
    assert_accessible(page, "receipt-form")
    click_visible(page, "Record the receipt")
    expect(page.locator(".messages")).to_contain_text(
        "Receipt of EUR 450,000.00 on 20 Mar 2025 recorded (USD 486,000.00)."
    )
    open_receipt(page, "1 Sep 2025")
    receive(page, "2025-09-15", "400000.00")
    click_visible(page, "Record the receipt")
    expect(page.locator(".messages")).to_contain_text(
        "Receipt of EUR 400,000.00 on 15 Sep 2025 recorded (USD 464,000.00)."
    )
    expect(figures).to_contain_text("EUR 850,000.00 (USD 950,000.00)")
    save_screenshot(page, "two-receipts")

    # 6. The third tranche's 200,000 would pass the commitment: refused on its field.
    open_receipt(page, "1 Dec 2025")
    receive(page, "2025-12-10", "200000.00")
    expect(page.get_by_test_id("room-after")).to_have_text(
        "This is EUR 50,000.00 more than can still be received (EUR 150,000.00)."
    )
    click_visible(page, "Record the receipt")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Record the receipt of a tranche of {REFERENCE}"
    )
    assert_error_beside(
        page,
        page.get_by_label("Amount received"),
        "Receipts would total EUR 1,050,000.00, more than the EUR 1,000,000.00 committed; "
        "at most EUR 150,000.00 can still be received.",
    )
    expect(page.get_by_label("Amount received")).to_have_value("200000.00")
    assert_accessible(page, "receipt-refused")
    third = Disbursement.objects.get(agreement=agreement, planned_date=datetime.date(2025, 12, 1))
    assert (third.received_date, third.received_amount) == (None, None)

    # 7. One expenditure by hand, from project P8-EU-CT's page.
    page.goto("/projects/P8-EU-CT/")
    assert_accessible(page, "project-page")
    click_visible(page.get_by_test_id("manage-links"), "Expenditures", role="link", exact=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Expenditures")
    assert_accessible(page, "expenditure-list-empty")
    click_visible(page, "Record an expenditure", role="link")
    project, category, day, amount, currency = BY_HAND
    select_visible(page, "Project", f"{project} {TITLES[project]}")
    select_visible(page, "Category", "Training, workshops and meetings")
    fill_visible(page, "Date", day.isoformat())
    fill_visible(page, "Amount", str(amount))
    select_visible(page, "Currency", "USD - US dollar")
    fill_visible(page, "Description", "Basic CT investigation course, Karachi")
    assert_accessible(page, "expenditure-form")
    click_visible(page, "Record expenditure")
    expect(page.locator(".messages")).to_contain_text(
        "Expenditure of 10 Apr 2025 (USD 12,500.00) recorded."
    )
    expect(page.get_by_test_id("expenditure-table")).to_contain_text("12,500.00")
    save_screenshot(page, "expenditure-recorded")

    # 8. Ten more from the page's XLSX template, filled in and uploaded.
    click_visible(page, "Import from XLSX", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import expenditures")
    assert_accessible(page, "import-page")
    template = page.get_by_role("link", name="Download the XLSX template")
    assert_usable(template)
    with page.expect_download() as download_info:
        template.click()
    download = download_info.value
    assert download.suggested_filename == "expenditures-template.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = load_workbook(saved)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == ["Project code", "Category", "Date", "Amount", "Currency", "Description"]
    assert sheet.max_row == 1
    for number, (code, kind, spent_on, value, money) in enumerate(IMPORTED, start=1):
        sheet.append([code, kind, spent_on, value, money, f"Imported expenditure {number}"])
    upload = io.BytesIO()
    workbook.save(upload)
    upload_visible(
        page,
        page.get_by_label("File"),
        {"name": "expenditures-2025.xlsx", "mimeType": XLSX, "buffer": upload.getvalue()},
    )
    save_screenshot(page, "import-file-chosen")
    click_visible(page, "Check and import")
    expect(page.locator(".messages")).to_contain_text("10 expenditures imported.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Expenditures")
    in_a = 1 + sum(1 for row in IMPORTED if row[0] == "P8-EU-CT")
    expect(page.get_by_role("status").filter(has_text="newest first")).to_have_text(
        f"{in_a} expenditures, newest first."
    )
    assert_accessible(page, "expenditures-imported")
    assert Expenditure.objects.count() == 11

    # 9. The dashboard after: the agreement's figures, from the steps above.
    every = [BY_HAND, *IMPORTED]
    spent_by_project = {
        code: sum((usd(v, cur, d) for c, _k, d, v, cur in every if c == code), Decimal("0"))
        for code in ("P8-EU-CT", "P9-EU-BM")
    }
    spent_usd = sum(spent_by_project.values())
    assert spent_usd == sum(e.amount_usd for e in Expenditure.objects.all())
    # Spending reaches the agreement in proportion to its allocations (all of both
    # projects here), in EUR at the agreement's rate: allocation x spent / allocation USD.
    allocated = {"P8-EU-CT": Decimal("600000.00"), "P9-EU-BM": Decimal("400000.00")}
    spent_eur = sum(
        allocated[code] * spent_by_project[code] / (allocated[code] * Decimal("1.25"))
        for code in allocated
    ).quantize(CENT, rounding=ROUND_HALF_UP)
    received, received_usd = Decimal("850000.00"), Decimal("486000.00") + Decimal("464000.00")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funding").click()
    expect(page.get_by_test_id("headline-committed")).to_have_text("1,250,000.00")
    expect(page.get_by_test_id("headline-received")).to_have_text(text(received_usd))
    expect(page.get_by_test_id("headline-spent")).to_have_text(text(spent_usd))
    expect(page.get_by_test_id("headline-balance")).to_have_text(text(received_usd - spent_usd))
    expect(page.get_by_test_id("headline-overdue")).to_have_text("1")
    row = agreement_row(page)
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_contain_text("EU")
    expect(row.locator("td[data-label='Currency']")).to_have_text("EUR")
    million = Decimal("1000000.00")
    expect_money(row.locator("td[data-label='Committed']"), million, Decimal("1250000.00"))
    expect_money(row.locator("td[data-label='Allocated']"), million, Decimal("1250000.00"))
    expect_money(row.locator("td[data-label='Received']"), received, received_usd)
    expect_money(row.locator("td[data-label='Spent']"), spent_eur, spent_usd)
    expect_money(
        row.locator("td[data-label='Balance']"), received - spent_eur, received_usd - spent_usd
    )
    expect(row.locator("td[data-label='Overdue tranches']")).to_have_text("1")
    # The December tranche, never received, at the agreement's rate (1.25).
    expect_money(
        row.locator("td[data-label='Overdue']"), Decimal("200000.00"), Decimal("250000.00")
    )
    assert_accessible(page, "dashboard-after")
