"""Writes for a project's budget: lines by category and year, one at a time or the whole
grid at once."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from ctportal.audit_trail import delete_audited, save_audited
from ctportal.exceptions import DomainError
from ctportal.money import MINOR_UNITS, Currency
from projects.exceptions import RowErrors, RowProblems, add_problem
from projects.models import BudgetCategory, BudgetLine, Project

from .common import (
    as_decimal,
    check_category,
    check_currency,
    check_precision,
    locked_project,
)

# --- Budget -------------------------------------------------------------------


def budget_line_problems(
    *,
    project: Project,
    category: str,
    year: int,
    amount: Decimal | int | str,
    currency: str = Currency.USD,
) -> list[DomainError]:
    """Every rule a budget line breaks, not only the first (a grid shows them all at once)."""
    problems: list[DomainError] = []
    for rule in (
        lambda: check_category(category),
        lambda: check_currency(currency),
        lambda: _check_year(project, year),
    ):
        try:
            rule()
        except DomainError as error:
            problems.append(error)
    try:
        value = as_decimal(amount, field="amount")
        if value < 0:
            raise DomainError(
                "A budget cannot be negative.", field="amount", code="negative_amount"
            )
        if currency in MINOR_UNITS:
            check_precision(value, currency)
    except DomainError as error:
        problems.append(error)
    return problems


def _check_year(project: Project, year: int) -> None:
    if not project.start_date.year <= year <= project.end_date.year:
        raise DomainError(
            f"{year} is outside the project's period "
            f"({project.start_date.year}-{project.end_date.year}).",
            field="year",
            code="outside_project_period",
        )


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
    problems = budget_line_problems(
        project=project, category=category, year=year, amount=amount, currency=currency
    )
    if problems:
        raise problems[0]
    return as_decimal(amount, field="amount")


@transaction.atomic
def budget_line_set(
    *,
    project: Project,
    category: str,
    year: int,
    amount: Decimal,
    currency: str = Currency.USD,
    user: AbstractBaseUser | None = None,
    reason: str = "",
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
    save_audited(line, user=user, reason=reason)
    return line


@dataclass(frozen=True)
class BudgetLineChange:
    """One row of the budget grid: a new line (`line` None) or a saved line, kept or removed."""

    category: str
    year: int
    amount: Decimal
    currency: str = Currency.USD
    line: BudgetLine | None = None
    delete: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.category, self.year)


def _line_key(line: BudgetLine) -> tuple[str, int]:
    return (line.category, line.year)


def _grid_problems(
    project: Project, rows: Sequence[BudgetLineChange], saved: dict[int, BudgetLine]
) -> RowProblems:
    problems: RowProblems = {}
    mentioned = {row.line.pk for row in rows if row.line is not None}
    # Lines the grid does not show (added meanwhile by someone else) stay, and count.
    taken = {_line_key(line) for pk, line in saved.items() if pk not in mentioned}
    labels = dict(BudgetCategory.choices)
    for index, row in enumerate(rows):
        if row.line is not None and row.line.pk not in saved:
            add_problem(
                problems,
                index,
                DomainError("This line is not in this project's budget.", code="not_this_project"),
            )
            continue
        if row.delete:
            continue
        found = budget_line_problems(
            project=project,
            category=row.category,
            year=row.year,
            amount=row.amount,
            currency=row.currency,
        )
        for error in found:
            add_problem(problems, index, error)
        # A row with a wrong amount still holds its category and year.
        if row.key in taken and row.category in labels:
            add_problem(
                problems,
                index,
                DomainError(
                    f"{labels[row.category]} in {row.year} is already budgeted in another line.",
                    field="category",
                    code="duplicate_line",
                ),
            )
        taken.add(row.key)
    return problems


@transaction.atomic
def budget_save(
    *,
    project: Project,
    rows: Sequence[BudgetLineChange],
    user: AbstractBaseUser | None = None,
    reason: str = "",
) -> list[BudgetLine]:
    """Save the budget grid as one change: every row is valid (inside the project's period,
    not negative, one line per category and year) or nothing is saved, and a change to or
    removal of a saved line says why. Returns the project's lines."""
    locked = locked_project(project)
    saved = {
        line.pk: line for line in BudgetLine.objects.select_for_update().filter(project=project)
    }
    problems = _grid_problems(locked, rows, saved)
    missing_reason = None
    if any(_touches_saved_line(row, saved) for row in rows) and not reason.strip():
        missing_reason = DomainError(
            "Say why saved budget lines change or go.", field="reason", code="reason_required"
        )
    if problems or missing_reason:
        raise RowErrors(problems, missing_reason)
    _apply_grid(project, rows, saved, user=user, reason=reason.strip())
    return list(project.budget_lines.order_by("year", "category"))


def _touches_saved_line(row: BudgetLineChange, saved: dict[int, BudgetLine]) -> bool:
    if row.line is None or row.line.pk not in saved:
        return False
    line = saved[row.line.pk]
    try:
        amount = as_decimal(row.amount, field="amount")
    except (DomainError, TypeError):
        return True
    return (
        row.delete
        or row.key != _line_key(line)
        or amount != line.amount
        or row.currency != line.currency
    )


def _apply_grid(
    project: Project,
    rows: Sequence[BudgetLineChange],
    saved: dict[int, BudgetLine],
    *,
    user: AbstractBaseUser | None,
    reason: str,
) -> None:
    # Removals first, so that no line is ever written onto a key another still holds
    # (the database allows one line per category and year at every moment).
    for row in rows:
        if row.line is not None and row.delete:
            delete_audited(row.line, user=user, reason=reason)
    kept = [row for row in rows if not row.delete]
    held = {_line_key(line): line for line in saved.values()}
    for row in rows:
        if row.line is not None and row.delete:
            held.pop(_line_key(row.line), None)
    creates = [row for row in kept if row.line is None]
    for row in (row for row in kept if row.line is not None):
        line = row.line
        if row.key != _line_key(line) and held.get(row.key) not in (None, line):
            # Two saved lines swap their keys: this one gives way and is written anew.
            delete_audited(line, user=user, reason=reason)
            held.pop(_line_key(line), None)
            creates.append(BudgetLineChange(row.category, row.year, row.amount, row.currency))
            continue
        value = as_decimal(row.amount, field="amount")
        if (row.key, value, row.currency) == (_line_key(line), line.amount, line.currency):
            continue
        held.pop(_line_key(line), None)
        line.category, line.year, line.amount, line.currency = (
            row.category,
            row.year,
            value,
            row.currency,
        )
        held[row.key] = line
        save_audited(line, user=user, reason=reason)
    for row in creates:
        line = BudgetLine(
            project=project,
            category=row.category,
            year=row.year,
            amount=as_decimal(row.amount, field="amount"),
            currency=row.currency,
        )
        save_audited(line, user=user, reason=reason)
        held[row.key] = line
