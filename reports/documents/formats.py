"""How numbers read in the PDF; the XLSX keeps numbers and gives them number formats."""

from decimal import Decimal

from django.utils.translation import ngettext

from ctportal.money import format_amount


def counted(count: int, singular: str, plural: str) -> str:
    """1 activity, 3 activities."""
    return f"{count} {ngettext(singular, plural, count)}"


def money(amount: Decimal | None, currency: str = "USD") -> str:
    return "-" if amount is None else format_amount(amount, currency)


def percent(share: Decimal | None) -> str:
    """0.2534 -> '25.3 %'."""
    return "-" if share is None else f"{share * 100:.1f} %"


def ratio(value: Decimal | None) -> str:
    """A burn rate: 1.00 is on plan."""
    return "-" if value is None else f"{value:.2f}"


def number(value: Decimal | int | None) -> str:
    if value is None:
        return "-"
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral() else f"{value:,.2f}"
