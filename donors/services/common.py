"""Plumbing shared by the donors services: the agreement's row lock and the checks every
money row makes (audited writes are ctportal.audit_trail's)."""

import datetime
from decimal import Decimal

from django.db import models
from django.db.models import Sum

from ctportal.exceptions import DomainError
from ctportal.money import MINOR_UNITS, has_valid_precision
from donors.models import FundingAgreement

ZERO = Decimal("0")


def lock_agreement(pk: int) -> FundingAgreement:
    """The agreement row, locked until the transaction ends. get() drops the Meta ordering,
    so no join to the donor is made and only this one row is locked."""
    return FundingAgreement.objects.select_for_update().get(pk=pk)


def total_of(queryset: models.QuerySet, field: str) -> Decimal:
    return queryset.order_by().aggregate(total=Sum(field))["total"] or ZERO


def check_amount(*, amount: Decimal | None, currency: str, field: str) -> None:
    if amount is None or amount <= 0:
        raise DomainError("Enter an amount greater than zero.", field=field, code="not_positive")
    if not has_valid_precision(amount, currency):
        places = MINOR_UNITS[currency]
        message = (
            f"{currency} amounts are whole numbers."
            if places == 0
            else f"{currency} amounts have at most {places} decimal places."
        )
        raise DomainError(message, field=field, code="invalid_precision")


def check_in_period(*, day: datetime.date, agreement: FundingAgreement, field: str) -> None:
    if not agreement.start_date <= day <= agreement.end_date:
        raise DomainError(
            f"The date must fall inside the agreement period, "
            f"{agreement.start_date:%d %b %Y} to {agreement.end_date:%d %b %Y}.",
            field=field,
            code="outside_agreement_period",
        )
