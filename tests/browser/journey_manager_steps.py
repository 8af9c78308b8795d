"""The manager's journey (test_journey_manager.py), its data and its steps: the agreement,
rates and spending it records, and what a person does on each page (every field through
tests/browser/person.py), kept apart from the journey itself."""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from playwright.sync_api import Locator, Page, expect

from tests.browser.person import (
    NARROW,
    WIDE,
    assert_usable,
    click_visible,
    fill_visible,
    select_visible,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REFERENCE = "EU-FPI-CT-2025"
CENT = Decimal("0.01")
TITLES = {"P8-EU-CT": "CT investigations and prosecutions", "P9-EU-BM": "Border management"}

# UN operational rates, USD per EUR, by month; a month without one takes the latest before.
EUR_RATES = {
    datetime.date(2025, 1, 1): Decimal("1.25"),  # signature: the agreement's own rate
    datetime.date(2025, 3, 1): Decimal("1.08"),
    datetime.date(2025, 9, 1): Decimal("1.16"),
}

# (project, category by code or label as the file gives it, date, amount, currency)
BY_HAND = ("P8-EU-CT", "training", datetime.date(2025, 4, 10), Decimal("12500.00"), "USD")
IMPORTED = [
    ("P8-EU-CT", "training", datetime.date(2025, 5, 6), Decimal("8450.25"), "USD"),
    ("P8-EU-CT", "Travel", datetime.date(2025, 5, 20), Decimal("3120.40"), "USD"),
    ("P8-EU-CT", "consultants", datetime.date(2025, 6, 2), Decimal("15000.00"), "USD"),
    ("P8-EU-CT", "equipment", datetime.date(2025, 6, 30), Decimal("27999.95"), "USD"),
    ("P8-EU-CT", "operating", datetime.date(2025, 7, 15), Decimal("1875.10"), "USD"),
    ("P9-EU-BM", "training", datetime.date(2025, 5, 12), Decimal("6400.00"), "USD"),
    ("P9-EU-BM", "Contractual services", datetime.date(2025, 7, 1), Decimal("22300.55"), "USD"),
    ("P9-EU-BM", "travel", datetime.date(2025, 8, 19), Decimal("2210.30"), "USD"),
    # In EUR: valued at September's 1.16 (the latest rate before October).
    ("P9-EU-BM", "equipment", datetime.date(2025, 10, 2), Decimal("10000.00"), "EUR"),
    ("P9-EU-BM", "staff", datetime.date(2025, 11, 3), Decimal("9800.00"), "USD"),
]


def eur_rate(day: datetime.date) -> Decimal:
    return EUR_RATES[max(month for month in EUR_RATES if month <= day)]


def usd(amount: Decimal, currency: str, day: datetime.date) -> Decimal:
    rate = Decimal("1") if currency == "USD" else eur_rate(day)
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def text(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def agreement_row(page: Page) -> Locator:
    return page.get_by_test_id("table-agreements").locator("tbody tr", has_text=REFERENCE)


def expect_money(cell: Locator, amount: Decimal, amount_usd: Decimal) -> None:
    """A dashboard money cell: the figure in EUR, then its USD value under it."""
    expect(cell).to_have_text(
        re.compile(rf"^\s*{re.escape(text(amount))}\s*USD {re.escape(text(amount_usd))}\s*$")
    )


def assert_error_beside(page: Page, field: Locator, message: str) -> None:
    """The field's error is shown right under it, tied to it for a screen reader, and a
    person sees both at once, at 1366 and at 390 px."""
    error_id = f"{field.get_attribute('id')}_errors"
    error = page.locator(f"#{error_id}")
    expect(error).to_have_text(message)
    expect(field).to_have_attribute("aria-invalid", "true")
    assert error_id in (field.get_attribute("aria-describedby") or "").split()
    # Nothing between the input and its error.
    assert field.evaluate("(el) => el.nextElementSibling && el.nextElementSibling.id") == error_id
    original = page.viewport_size
    try:
        for viewport in (WIDE, NARROW):
            page.set_viewport_size(viewport)
            assert_usable(field)
            expect(error).to_be_visible()
            expect(error).to_be_in_viewport()
            box, below = field.bounding_box(), error.bounding_box()
            assert 0 <= below["y"] - (box["y"] + box["height"]) <= 16, (box, below)
            assert abs(below["x"] - box["x"]) <= 16, (box, below)
    finally:
        page.set_viewport_size(original)


def fill_agreement(page: Page) -> None:
    select_visible(page, "Donor", "EU")
    select_visible(page, "Implementer", "UNODC")
    fill_visible(page, "Reference", REFERENCE)
    fill_visible(page, "Signing date", "2025-01-15")
    fill_visible(page, "Title", "Countering terrorism in Pakistan 2025-2026")
    select_visible(page, "Currency", "EUR - Euro")
    fill_visible(page, "Amount committed", "1000000.00")
    fill_visible(page, "Start of the period", "2025-01-01")
    fill_visible(page, "End of the period", "2026-12-31")


def allocate(page: Page, project: str, amount: str, left_after: str) -> None:
    click_visible(page, "Allocate to a project", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Allocate {REFERENCE} to a project")
    select_visible(page, "Project", f"{project} {TITLES[project]}")
    fill_visible(page, "Amount allocated", amount)
    # The room left on the agreement, counted as the amount is typed.
    expect(page.get_by_test_id("room-after")).to_have_text(
        f"Room left on the agreement after this amount: EUR {left_after}."
    )


def plan(page: Page, day: str, amount: str, rate: str) -> None:
    click_visible(page, "Plan a tranche", role="link")
    fill_visible(page, "Expected on", day)
    fill_visible(page, "Amount expected", amount)
    expect(page.get_by_test_id("rate-planned").get_by_test_id("usd-rate")).to_have_text(rate)


def open_receipt(page: Page, planned_on: str) -> None:
    click_visible(
        page, re.compile(rf"^Record receipt of the tranche planned for {planned_on}$"), role="link"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Record the receipt of a tranche of {REFERENCE}"
    )


def receive(page: Page, day: str, amount: str) -> None:
    fill_visible(page, "Received on", day)
    fill_visible(page, "Amount received", amount)
