"""Writes for a project's money: budget lines by category and year, and expenditures."""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from ctportal.exceptions import DomainError
from ctportal.money import Currency, to_usd
from projects.models import BudgetLine, Expenditure, Project
from projects.selectors import usd_rate_for

from ._common import (
    as_decimal,
    check_category,
    check_currency,
    check_precision,
    locked_project,
    record_actor,
    reject_unknown,
)

EXPENDITURE_FIELDS = frozenset(
    {"project", "category", "spent_on", "amount", "currency", "description"}
)


# --- Budget -------------------------------------------------------------------


def budget_line_validate(
    *,
    project: Project,
    category: str,
    year: int,
    amount: Decimal | int | str,
    currency: str = Currency.USD,
) -> Decimal:
    """A budget line falls in a year of its project's period and is a non-negative amount in
    its currency's minor unit; returns the amount as a Decimal."""
    check_category(category)
    check_currency(currency)
    if not project.start_date.year <= year <= project.end_date.year:
        raise DomainError(
            f"{year} is outside the project's period "
            f"({project.start_date.year}-{project.end_date.year}).",
            field="year",
            code="outside_project_period",
        )
    value = as_decimal(amount, field="amount")
    if value < 0:
        raise DomainError("A budget cannot be negative.", field="amount", code="negative_amount")
    check_precision(value, currency)
    return value


@transaction.atomic
def budget_line_set(
    *,
    project: Project,
    category: str,
    year: int,
    amount: Decimal,
    currency: str = Currency.USD,
    user: AbstractBaseUser | None = None,
) -> BudgetLine:
    """One budget line per project, category and year, inside the project's period: set it."""
    locked = locked_project(project)
    value = budget_line_validate(
        project=locked, category=category, year=year, amount=amount, currency=currency
    )
    line = (
        BudgetLine.objects.select_for_update()
        .filter(project=project, category=category, year=year)
        .first()
    )
    if line is None:
        line = BudgetLine(project=project, category=category, year=year)
    line.amount = value
    line.currency = currency
    record_actor(line, user)
    line.save()
    return line


# --- Expenditure --------------------------------------------------------------


def expenditure_validate(
    *,
    project: Project,
    category: str,
    spent_on: datetime.date,
    amount: Decimal | int | str,
    currency: str = Currency.USD,
) -> Decimal:
    """An expenditure is positive in its currency's minor unit, falls inside its project's
    period and has a UN rate for its month; returns that USD rate."""
    check_category(category)
    check_currency(currency)
    value = as_decimal(amount, field="amount")
    if value <= 0:
        raise DomainError(
            "An expenditure must be greater than zero.", field="amount", code="amount_not_positive"
        )
    check_precision(value, currency)
    if not project.start_date <= spent_on <= project.end_date:
        raise DomainError(
            f"{spent_on:%d %B %Y} is outside the project's period "
            f"({project.start_date:%d %b %Y} - {project.end_date:%d %b %Y}).",
            field="spent_on",
            code="outside_project_period",
        )
    return usd_rate_for(currency=currency, on=spent_on, field="currency")


@transaction.atomic
def expenditure_create(
    *,
    project: Project,
    category: str,
    spent_on: datetime.date,
    amount: Decimal,
    currency: str = Currency.USD,
    description: str = "",
    user: AbstractBaseUser | None = None,
) -> Expenditure:
    """Record what was spent inside the project's period, with its USD value at the month's rate."""
    locked = locked_project(project)
    rate = expenditure_validate(
        project=locked, category=category, spent_on=spent_on, amount=amount, currency=currency
    )
    value = as_decimal(amount, field="amount")
    expenditure = Expenditure(
        project=project,
        category=category,
        spent_on=spent_on,
        amount=value,
        currency=currency,
        usd_rate=rate,
        amount_usd=to_usd(value, rate),
        description=description,
    )
    record_actor(expenditure, user)
    expenditure.save()
    return expenditure


@transaction.atomic
def expenditure_update(
    *, expenditure: Expenditure, user: AbstractBaseUser | None = None, **fields: Any
) -> Expenditure:
    """Correct an expenditure under the create rules; a new date, amount or currency is
    re-valued at the rate of its month, otherwise the recorded rate stands."""
    reject_unknown(fields, EXPENDITURE_FIELDS, "Expenditure")
    project = locked_project(fields.get("project", expenditure.project))
    values = {
        "category": fields.get("category", expenditure.category),
        "spent_on": fields.get("spent_on", expenditure.spent_on),
        "amount": as_decimal(fields.get("amount", expenditure.amount), field="amount"),
        "currency": fields.get("currency", expenditure.currency),
    }
    rate = expenditure_validate(project=project, **values)
    revalue = (
        values["spent_on"] != expenditure.spent_on
        or values["amount"] != expenditure.amount
        or values["currency"] != expenditure.currency
    )
    for name, value in {**fields, **values}.items():
        setattr(expenditure, name, value)
    if revalue:
        expenditure.usd_rate = rate
        expenditure.amount_usd = to_usd(values["amount"], rate)
    record_actor(expenditure, user)
    expenditure.save()
    return expenditure


@transaction.atomic
def expenditure_delete(*, expenditure: Expenditure, user: AbstractBaseUser | None = None) -> None:
    """Remove a recorded expenditure; its history keeps who removed it and what it was."""
    record_actor(expenditure, user)
    expenditure.delete()
