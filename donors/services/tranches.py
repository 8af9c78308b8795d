"""Writes for tranches (disbursements): planned, received, corrected and cancelled.

Planned and received totals never pass the commitment and every date falls inside the
agreement's period, checked under the agreement's row lock. A tranche whose money was
received is corrected or cancelled only with a reason, kept in its history.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from alerts.services import notifications_resolve
from ctportal.audit_trail import delete_audited, save_audited
from ctportal.exceptions import DomainError
from ctportal.money import Money, to_usd
from donors.models import Disbursement, FundingAgreement
from donors.services.common import (
    ZERO,
    check_amount,
    check_in_period,
    lock_agreement,
)
from projects.selectors import usd_rate_for

DISBURSEMENT_FIELDS = (
    "planned_date",
    "planned_amount",
    "received_date",
    "received_amount",
    "notes",
)


@dataclass(frozen=True)
class _TrancheRates:
    planned: Decimal
    received: Decimal | None


def disbursement_usd_rate(*, agreement: FundingAgreement, field: str, on: datetime.date) -> Decimal:
    """The USD rate a tranche's `field` ("planned" or "received") is recorded at
    (ctportal.figures.USD_POLICY): a plan at the agreement's rate, whatever its month; a
    receipt at the UN rate of the month it arrived (DomainError naming received_date when
    that month has none)."""
    if field == "planned":
        return agreement.usd_rate
    return usd_rate_for(currency=agreement.currency, on=on, field="received_date")


def _disbursement_check(
    *,
    agreement: FundingAgreement,
    planned_date: datetime.date,
    planned_amount: Decimal,
    received_date: datetime.date | None,
    received_amount: Decimal | None,
    current: Disbursement | None,
) -> _TrancheRates:
    """Every tranche rule, against a locked agreement row; returns the USD rates to record."""
    currency = agreement.currency
    check_amount(amount=planned_amount, currency=currency, field="planned_amount")
    check_in_period(day=planned_date, agreement=agreement, field="planned_date")
    if received_date is not None and received_amount is None:
        raise DomainError(
            "Enter the amount received on that date.",
            field="received_amount",
            code="received_incomplete",
        )
    if received_amount is not None and received_date is None:
        raise DomainError(
            "Enter the date the money was received.",
            field="received_date",
            code="received_incomplete",
        )
    if received_date is not None:
        check_amount(amount=received_amount, currency=currency, field="received_amount")
        check_in_period(day=received_date, agreement=agreement, field="received_date")
        if received_date > timezone.localdate():
            raise DomainError(
                "Money cannot be received in the future.",
                field="received_date",
                code="received_in_future",
            )
    others = Disbursement.objects.filter(agreement=agreement).order_by()
    if current is not None:
        others = others.exclude(pk=current.pk)
    totals = others.aggregate(planned=Sum("planned_amount"), received=Sum("received_amount"))
    planned_before = totals["planned"] or ZERO
    if planned_before + planned_amount > agreement.amount:
        raise DomainError(
            f"Tranches would total {Money(planned_before + planned_amount, currency)}, more "
            f"than the {Money(agreement.amount, currency)} committed; "
            f"{Money(agreement.amount - planned_before, currency)} is left to plan.",
            field="planned_amount",
            code="tranches_exceed_commitment",
        )
    received_before = totals["received"] or ZERO
    if received_amount is not None and received_before + received_amount > agreement.amount:
        raise DomainError(
            f"Receipts would total {Money(received_before + received_amount, currency)}, more "
            f"than the {Money(agreement.amount, currency)} committed; at most "
            f"{Money(agreement.amount - received_before, currency)} can still be received.",
            field="received_amount",
            code="receipts_exceed_commitment",
        )
    # ctportal.figures.USD_POLICY: money not yet received is worth, in USD, what the
    # commitment is, so a planned tranche takes the agreement's rate (and follows it).
    planned_rate = disbursement_usd_rate(agreement=agreement, field="planned", on=planned_date)
    # A recorded receipt rate stays as long as its date does: a later correction of the
    # rate table never rewrites a figure already reported.
    received_rate = None
    if received_date is not None:
        if current is not None and current.received_date == received_date:
            received_rate = current.received_usd_rate
        else:
            received_rate = disbursement_usd_rate(
                agreement=agreement, field="received", on=received_date
            )
    return _TrancheRates(planned=planned_rate, received=received_rate)


def _disbursement_write(
    *,
    disbursement: Disbursement,
    agreement: FundingAgreement,
    values: dict[str, Any],
    user: AbstractBaseUser | None,
    reason: str = "",
) -> Disbursement:
    rates = _disbursement_check(
        agreement=agreement,
        planned_date=values["planned_date"],
        planned_amount=values["planned_amount"],
        received_date=values["received_date"],
        received_amount=values["received_amount"],
        current=disbursement if disbursement.pk else None,
    )
    for name, value in values.items():
        setattr(disbursement, name, value)
    disbursement.agreement = agreement
    disbursement.planned_usd_rate = rates.planned
    disbursement.planned_amount_usd = to_usd(disbursement.planned_amount, rates.planned)
    if rates.received is None:
        disbursement.received_usd_rate = disbursement.received_amount_usd = None
    else:
        disbursement.received_usd_rate = rates.received
        disbursement.received_amount_usd = to_usd(disbursement.received_amount, rates.received)
    save_audited(disbursement, user=user, reason=reason)
    return disbursement


def _reason_check(current: Disbursement, reason: str) -> None:
    # Money already received is in the donor's and the auditors' books: whoever changes
    # or removes it says why, and the history keeps it.
    if current.is_received and not reason.strip():
        raise DomainError(
            f"This tranche was received on {current.received_date:%d %b %Y}: give the reason "
            "for changing or cancelling it.",
            field="reason",
            code="reason_required",
        )


def disbursement_reason_validate(*, disbursement: Disbursement, reason: str) -> None:
    """Raise the DomainError disbursement_update/disbursement_delete would raise for a
    missing reason: one is required once the tranche is received."""
    _reason_check(Disbursement.objects.get(pk=disbursement.pk), reason)


@transaction.atomic
def disbursement_validate(
    *,
    agreement: FundingAgreement,
    planned_date: datetime.date,
    planned_amount: Decimal,
    received_date: datetime.date | None = None,
    received_amount: Decimal | None = None,
    instance: Disbursement | None = None,
) -> None:
    """Raise the DomainError a tranche write would raise, holding the agreement's lock."""
    locked = lock_agreement(agreement.pk)
    current = Disbursement.objects.get(pk=instance.pk) if instance and instance.pk else None
    _disbursement_check(
        agreement=locked,
        planned_date=planned_date,
        planned_amount=planned_amount,
        received_date=received_date,
        received_amount=received_amount,
        current=current,
    )


@transaction.atomic
def disbursement_create(
    *,
    agreement: FundingAgreement,
    planned_date: datetime.date,
    planned_amount: Decimal,
    received_date: datetime.date | None = None,
    received_amount: Decimal | None = None,
    notes: str = "",
    user: AbstractBaseUser | None = None,
) -> Disbursement:
    """Tranches, planned and received, never sum past the commitment and fall in its period."""
    locked = lock_agreement(agreement.pk)
    values = {
        "planned_date": planned_date,
        "planned_amount": planned_amount,
        "received_date": received_date,
        "received_amount": received_amount,
        "notes": notes,
    }
    return _disbursement_write(
        disbursement=Disbursement(), agreement=locked, values=values, user=user
    )


@transaction.atomic
def disbursement_update(
    *,
    disbursement: Disbursement,
    user: AbstractBaseUser | None = None,
    reason: str = "",
    **fields: Any,
) -> Disbursement:
    """A changed tranche keeps planned and received totals within the commitment and period;
    a received tranche is corrected only with a reason, kept in its history."""
    unknown = set(fields) - set(DISBURSEMENT_FIELDS)
    if unknown:
        raise TypeError(f"disbursement_update() cannot change {', '.join(sorted(unknown))}")
    locked = lock_agreement(disbursement.agreement_id)
    current = Disbursement.objects.get(pk=disbursement.pk)
    _reason_check(current, reason)
    values = {name: getattr(current, name) for name in DISBURSEMENT_FIELDS} | fields
    return _disbursement_write(
        disbursement=current, agreement=locked, values=values, user=user, reason=reason.strip()
    )


@transaction.atomic
def disbursement_receive(
    *,
    disbursement: Disbursement,
    received_date: datetime.date,
    received_amount: Decimal,
    user: AbstractBaseUser | None = None,
) -> Disbursement:
    """Record a tranche's receipt once; received funds never pass the commitment."""
    locked = lock_agreement(disbursement.agreement_id)
    current = Disbursement.objects.get(pk=disbursement.pk)
    if current.received_date is not None:
        raise DomainError(
            f"This tranche was already received on {current.received_date:%d %b %Y}; "
            "correct it instead.",
            field="received_date",
            code="already_received",
        )
    values = {name: getattr(current, name) for name in DISBURSEMENT_FIELDS} | {
        "received_date": received_date,
        "received_amount": received_amount,
    }
    received = _disbursement_write(disbursement=current, agreement=locked, values=values, user=user)
    # Alerts that it was overdue or due are done.
    notifications_resolve(subject=f"tranche:{received.pk}")
    return received


@transaction.atomic
def disbursement_delete(
    *, disbursement: Disbursement, user: AbstractBaseUser | None = None, reason: str = ""
) -> None:
    """Removing a tranche only lowers the planned and received totals; a received tranche
    is cancelled only with a reason, kept in its history."""
    lock_agreement(disbursement.agreement_id)
    current = Disbursement.objects.get(pk=disbursement.pk)
    _reason_check(current, reason)
    delete_audited(current, user=user, reason=reason.strip())
