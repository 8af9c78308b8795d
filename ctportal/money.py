"""Currencies and amounts: Decimal only, each amount with its ISO 4217 code."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

# ISO 4217 minor units of the currencies donors to the programme pay in.
MINOR_UNITS: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "JPY": 0,
    "CAD": 2,
    "GBP": 2,
    "AUD": 2,
    "CHF": 2,
    "NOK": 2,
    "SEK": 2,
    "DKK": 2,
    "PKR": 2,
}


class Currency(models.TextChoices):
    USD = "USD", "USD - US dollar"
    EUR = "EUR", "EUR - Euro"
    JPY = "JPY", "JPY - Japanese yen"
    CAD = "CAD", "CAD - Canadian dollar"
    GBP = "GBP", "GBP - Pound sterling"
    AUD = "AUD", "AUD - Australian dollar"
    CHF = "CHF", "CHF - Swiss franc"
    NOK = "NOK", "NOK - Norwegian krone"
    SEK = "SEK", "SEK - Swedish krona"
    DKK = "DKK", "DKK - Danish krone"
    PKR = "PKR", "PKR - Pakistani rupee"


MONEY_DIGITS = {"max_digits": 18, "decimal_places": 2}
RATE_DIGITS = {"max_digits": 18, "decimal_places": 8}
CENT = Decimal("0.01")


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def has_valid_precision(amount: Decimal, currency: str) -> bool:
    """True when the amount has no more decimals than the currency's minor unit allows."""
    return amount == amount.quantize(quantum(currency))


def to_usd(amount: Decimal, rate_to_usd: Decimal) -> Decimal:
    """Convert at a recorded rate (USD per unit), rounded half-up to the cent."""
    return (amount * rate_to_usd).quantize(CENT, rounding=ROUND_HALF_UP)


def format_amount(value: Decimal | int | str, currency: str, *, grouping: bool = True) -> str:
    """The amount with the currency's minor unit: 1234567.5 EUR -> "1,234,567.50", JPY ->
    "1,234,568". Without grouping (CSV fields) no thousands separators: "1234567.50".
    Every page, export, report and history line writes amounts through this one."""
    places = MINOR_UNITS.get(currency or "USD", 2)
    return f"{Decimal(value):{',' if grouping else ''}.{places}f}"


def excel_money_format(currency: str) -> str:
    """The spreadsheet number format that shows the currency's minor unit."""
    places = MINOR_UNITS.get(currency or "USD", 2)
    return "#,##0" if places == 0 else "#,##0." + "0" * places


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.currency} {format_amount(self.amount, self.currency)}"
