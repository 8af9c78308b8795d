"""Checks and plumbing shared by the project services: numbers, currencies, locks (who
changed what is recorded by ctportal.audit_trail)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from ctportal.exceptions import DomainError
from ctportal.money import MINOR_UNITS, has_valid_precision
from projects.models import BudgetCategory, Project


def reject_unknown(fields: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{what} has no editable field(s): {', '.join(sorted(unknown))}")


def as_decimal(value: Any, *, field: str) -> Decimal:
    # Money never passes through float: 0.1 + 0.2 must not reach a ledger.
    if isinstance(value, float):
        raise TypeError(f"{field} must be a Decimal, not a float.")
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as error:
        raise DomainError("Enter a number.", field=field, code="invalid_number") from error


def check_currency(currency: str, *, field: str = "currency") -> None:
    if currency not in MINOR_UNITS:
        raise DomainError(
            f"{currency!r} is not a currency the portal records.",
            field=field,
            code="unknown_currency",
        )


def check_category(category: str) -> None:
    if category not in BudgetCategory.values:
        raise DomainError(
            f"{category!r} is not a budget category.", field="category", code="invalid_choice"
        )


def check_precision(amount: Decimal, currency: str, *, field: str = "amount") -> None:
    if not has_valid_precision(amount, currency):
        places = MINOR_UNITS[currency]
        raise DomainError(
            f"{currency} amounts have {places} decimal place{'s' if places != 1 else ''} at most.",
            field=field,
            code="too_many_decimals",
        )


def locked_project(project: Project) -> Project:
    # Expenditure and budget rows are checked against the project's period, and a
    # period change is checked against them: both take the project's row lock so
    # neither can slip past the other (a no-op on SQLite, real on PostgreSQL).
    return Project.objects.select_for_update().get(pk=project.pk)
