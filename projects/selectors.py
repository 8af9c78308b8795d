"""Reads for projects: querysets already shaped for the page or API that shows them."""

import datetime
from decimal import Decimal

from ctportal.exceptions import DomainError
from projects.models import ExchangeRate


def usd_rate_for(*, currency: str, on: datetime.date, field: str = "currency") -> Decimal:
    """The UN operational rate (USD per unit) of `on`'s month, else the latest before it."""
    if currency == "USD":
        return Decimal("1")
    rate = (
        ExchangeRate.objects.filter(currency=currency, month__lte=on.replace(day=1))
        .order_by("-month")
        .values_list("usd_per_unit", flat=True)
        .first()
    )
    if rate is None:
        raise DomainError(
            f"No exchange rate to USD is recorded for {currency} in or before {on:%B %Y}.",
            field=field,
            code="no_exchange_rate",
        )
    return rate
