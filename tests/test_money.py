"""Money formatting: one function, ctportal.money.format_amount, for pages, exports,
reports and history."""

from decimal import Decimal

import pytest

from ctportal.money import Money, excel_money_format, format_amount


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("1234567.5"), "EUR", "1,234,567.50"),
        (Decimal("1234567.5"), "JPY", "1,234,568"),
        (Decimal("0"), "USD", "0.00"),
        (Decimal("-1500.25"), "PKR", "-1,500.25"),
        ("42", "CAD", "42.00"),
        (7, "", "7.00"),
    ],
)
def test_format_amount_groups_thousands_and_shows_the_currencys_minor_unit(
    value, currency, expected
):
    assert format_amount(value, currency) == expected


def test_format_amount_without_grouping_writes_a_plain_number_for_csv():
    assert format_amount(Decimal("1234567.5"), "EUR", grouping=False) == "1234567.50"
    assert format_amount(Decimal("150000"), "JPY", grouping=False) == "150000"


def test_money_reads_as_its_code_and_formatted_amount():
    assert str(Money(Decimal("1000"), "EUR")) == "EUR 1,000.00"
    assert str(Money(Decimal("150000"), "JPY")) == "JPY 150,000"


def test_excel_money_format_follows_the_minor_unit():
    assert excel_money_format("USD") == "#,##0.00"
    assert excel_money_format("JPY") == "#,##0"
