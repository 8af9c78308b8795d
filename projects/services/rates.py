"""Writes for monthly USD exchange rates (the UN operational rate of each month)."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from ctportal.audit_trail import save_audited
from ctportal.exceptions import DomainError
from ctportal.money import Currency
from projects.exceptions import RowErrors, RowProblems, add_problem
from projects.models import ExchangeRate

from .common import as_decimal, check_currency

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
    reason: str = "",
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
    save_audited(rate, user=user, reason=reason)
    return rate


@dataclass(frozen=True)
class ExchangeRateInput:
    """One rate of a file; None marks a value the file did not give in a usable form."""

    currency: str | None
    month: datetime.date | None
    usd_per_unit: Decimal | None
    source: str


def exchange_rate_import_validate(*, rows: Sequence[ExchangeRateInput]) -> RowProblems:
    """Every error of every row, by row index and field: each rate valid, and each currency
    and month given once. Empty when all rows may be saved."""
    problems: RowProblems = {}
    seen: set[tuple[str, datetime.date]] = set()
    for index, row in enumerate(rows):
        if row.currency is not None:
            try:
                exchange_rate_validate(
                    currency=row.currency,
                    usd_per_unit=row.usd_per_unit if row.usd_per_unit is not None else 1,
                )
            except DomainError as error:
                add_problem(problems, index, error)
        if row.currency is None or row.month is None:
            continue
        key = (row.currency, row.month.replace(day=1))
        if key in seen:
            add_problem(
                problems,
                index,
                DomainError(
                    f"{row.currency} {row.month:%B %Y} is given twice.",
                    field="month",
                    code="duplicate_month",
                ),
            )
        seen.add(key)
    return problems


@transaction.atomic
def exchange_rate_import(
    *, rows: Sequence[ExchangeRateInput], user: AbstractBaseUser | None = None, reason: str = ""
) -> list[ExchangeRate]:
    """Set many monthly rates as one change: if any row is wrong, none is saved and
    RowErrors names every error of every row. Recorded money keeps its own rates."""
    problems = exchange_rate_import_validate(rows=rows)
    if problems:
        raise RowErrors(problems)
    return [
        exchange_rate_set(
            currency=row.currency,
            month=row.month,
            usd_per_unit=row.usd_per_unit,
            source=row.source,
            user=user,
            reason=reason,
        )
        for row in rows
    ]
