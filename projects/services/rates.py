"""Writes for monthly USD exchange rates (the UN operational rate of each month)."""

import datetime
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from ctportal.exceptions import DomainError
from ctportal.money import Currency
from projects.models import ExchangeRate

from ._common import as_decimal, check_currency, record_actor

RATE_DECIMALS = 8


def exchange_rate_validate(*, currency: str, usd_per_unit: Decimal | int | str) -> Decimal:
    """A rate is recorded for a non-USD currency and is a positive USD amount per unit."""
    check_currency(currency)
    if currency == Currency.USD:
        raise DomainError(
            "USD is the reporting currency: its rate is always 1.",
            field="currency",
            code="usd_is_base",
        )
    rate = as_decimal(usd_per_unit, field="usd_per_unit")
    if rate <= 0:
        raise DomainError(
            "The rate must be greater than zero.", field="usd_per_unit", code="rate_not_positive"
        )
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_DECIMALS)):
        raise DomainError(
            f"A rate has {RATE_DECIMALS} decimal places at most.",
            field="usd_per_unit",
            code="too_many_decimals",
        )
    return rate


@transaction.atomic
def exchange_rate_set(
    *,
    currency: str,
    month: datetime.date,
    usd_per_unit: Decimal,
    source: str,
    user: AbstractBaseUser | None = None,
) -> ExchangeRate:
    """One UN operational rate per currency and month (stored on the 1st): set or correct it."""
    rate_value = exchange_rate_validate(currency=currency, usd_per_unit=usd_per_unit)
    first_day = month.replace(day=1)
    rate = (
        ExchangeRate.objects.select_for_update().filter(currency=currency, month=first_day).first()
    )
    if rate is None:
        rate = ExchangeRate(currency=currency, month=first_day)
    rate.usd_per_unit = rate_value
    rate.source = source
    record_actor(rate, user)
    rate.save()
    return rate
