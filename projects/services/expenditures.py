"""Writes for what a project spent: expenditures one at a time, or a file of them at once."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from ctportal.audit_trail import delete_audited, save_audited
from ctportal.exceptions import DomainError
from ctportal.money import Currency, to_usd
from projects.exceptions import RowErrors, RowProblems, add_problem
from projects.models import Expenditure, Project
from projects.selectors import usd_rate_for

from .common import (
    as_decimal,
    check_category,
    check_currency,
    check_precision,
    locked_project,
    reject_unknown,
)

EXPENDITURE_FIELDS = frozenset(
    {"project", "category", "spent_on", "amount", "currency", "description"}
)


def expenditure_problems(
    *,
    project: Project | None,
    category: str | None,
    spent_on: datetime.date | None,
    amount: Decimal | int | str | None,
    currency: str | None,
) -> tuple[list[DomainError], Decimal | None]:
    """Every rule an expenditure breaks (not only the first), and the USD rate of its month
    when it breaks none. A value given as None is one the caller could not read and has
    already reported: the checks that need it are skipped, the others still run."""
    problems: list[DomainError] = []

    def check(rule, *args, **kwargs):
        try:
            return rule(*args, **kwargs), True
        except DomainError as error:
            problems.append(error)
            return None, False

    if category is not None:
        check(check_category, category)
    currency_ok = currency is not None and check(check_currency, currency)[1]
    value = None
    if amount is not None:
        value, _ = check(as_decimal, amount, field="amount")
    if value is not None and value <= 0:
        problems.append(
            DomainError(
                "An expenditure must be greater than zero.",
                field="amount",
                code="amount_not_positive",
            )
        )
    elif value is not None and currency_ok:
        check(check_precision, value, currency)
    outside = (
        project is not None
        and spent_on is not None
        and not project.start_date <= spent_on <= project.end_date
    )
    if outside:
        problems.append(
            DomainError(
                f"{spent_on:%d %B %Y} is outside the project's period "
                f"({project.start_date:%d %b %Y} - {project.end_date:%d %b %Y}).",
                field="spent_on",
                code="outside_project_period",
            )
        )
    rate = None
    if currency_ok and spent_on is not None:
        rate, _ = check(usd_rate_for, currency=currency, on=spent_on, field="currency")
    return problems, (None if problems else rate)


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
    problems, rate = expenditure_problems(
        project=project, category=category, spent_on=spent_on, amount=amount, currency=currency
    )
    if problems:
        raise problems[0]
    return rate


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
    reason: str = "",
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
    save_audited(expenditure, user=user, reason=reason)
    return expenditure


@transaction.atomic
def expenditure_update(
    *,
    expenditure: Expenditure,
    user: AbstractBaseUser | None = None,
    reason: str = "",
    **fields: Any,
) -> Expenditure:
    """Correct an expenditure under the create rules; a new date, amount or currency is
    re-valued at the rate of its month, otherwise the recorded rate stands."""
    reject_unknown(fields, EXPENDITURE_FIELDS, "Expenditure")
    moved_to = fields.get("project")
    if moved_to is not None and moved_to.pk != expenditure.project_id:
        # Both projects' spending changes: both are locked, in key order, before either.
        _lock_projects([expenditure.project, moved_to])
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
    save_audited(expenditure, user=user, reason=reason)
    return expenditure


@transaction.atomic
def expenditure_delete(
    *, expenditure: Expenditure, user: AbstractBaseUser | None = None, reason: str = ""
) -> None:
    """Remove a recorded expenditure; its history keeps who removed it, what it was and why."""
    # Under the project's lock, as every write of its spending (its month totals follow).
    Project.objects.select_for_update().filter(pk=expenditure.project_id).first()
    delete_audited(expenditure, user=user, reason=reason)


@dataclass(frozen=True)
class ExpenditureInput:
    """One expenditure of a file; None marks a value the file did not give in a usable form."""

    project: Project | None
    category: str | None
    spent_on: datetime.date | None
    amount: Decimal | None
    currency: str | None
    description: str = ""


def expenditure_import_validate(*, rows: Sequence[ExpenditureInput]) -> RowProblems:
    """Every error of every row, by row index and field; empty when all rows may be saved."""
    problems: RowProblems = {}
    for index, row in enumerate(rows):
        found, _ = expenditure_problems(
            project=row.project,
            category=row.category,
            spent_on=row.spent_on,
            amount=row.amount,
            currency=row.currency,
        )
        for error in found:
            add_problem(problems, index, error)
    return problems


@transaction.atomic
def expenditure_import(
    *, rows: Sequence[ExpenditureInput], user: AbstractBaseUser | None = None, reason: str = ""
) -> list[Expenditure]:
    """Record many expenditures as one change: if any row breaks a rule, none is saved and
    RowErrors names every error of every row."""
    _lock_projects(row.project for row in rows)
    problems = expenditure_import_validate(rows=rows)
    if problems:
        raise RowErrors(problems)
    return [
        expenditure_create(
            project=row.project,
            category=row.category,
            spent_on=row.spent_on,
            amount=row.amount,
            currency=row.currency,
            description=row.description,
            user=user,
            reason=reason,
        )
        for row in rows
    ]


def _lock_projects(projects: Iterable[Project | None]) -> None:
    # In primary-key order, so two imports touching the same projects cannot deadlock.
    for pk in sorted({project.pk for project in projects if project is not None}):
        Project.objects.select_for_update().filter(pk=pk).first()
