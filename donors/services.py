"""Writes for donors: agreements, allocations and tranches. Each money rule lives here, once.

Every rule that sums an agreement's children runs under a row lock on the agreement
(select_for_update), so two requests can never both pass a check that only one of them
may pass. The `*_validate` functions run the same checks for forms that want early,
field-level feedback; the writes run them again under their own lock.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from ctportal.exceptions import DomainError
from ctportal.money import MINOR_UNITS, Currency, Money, has_valid_precision, to_usd
from donors.models import Allocation, Disbursement, FundingAgreement
from organisations.models import Organisation
from projects.models import Project
from projects.selectors import usd_rate_for

ZERO = Decimal("0")
AGREEMENT_FIELDS = (
    "donor",
    "implementer",
    "reference",
    "title",
    "currency",
    "amount",
    "signed_on",
    "start_date",
    "end_date",
    "notes",
)
DISBURSEMENT_FIELDS = (
    "planned_date",
    "planned_amount",
    "received_date",
    "received_amount",
    "notes",
)


# --- Shared checks --------------------------------------------------------------


def _lock_agreement(pk: int) -> FundingAgreement:
    """The agreement row, locked until the transaction ends. get() drops the Meta ordering,
    so no join to the donor is made and only this one row is locked."""
    return FundingAgreement.objects.select_for_update().get(pk=pk)


def _total(queryset: models.QuerySet, field: str) -> Decimal:
    return queryset.order_by().aggregate(total=Sum(field))["total"] or ZERO


def _save(instance: models.Model, user: AbstractBaseUser | None) -> None:
    if user is not None:
        instance._history_user = user
    instance.save()


def _delete(instance: models.Model, user: AbstractBaseUser | None) -> None:
    if user is not None:
        instance._history_user = user
    instance.delete()


def _check_amount(*, amount: Decimal | None, currency: str, field: str) -> None:
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


def _check_in_period(*, day: datetime.date, agreement: FundingAgreement, field: str) -> None:
    if not agreement.start_date <= day <= agreement.end_date:
        raise DomainError(
            f"The date must fall inside the agreement period, "
            f"{agreement.start_date:%d %b %Y} to {agreement.end_date:%d %b %Y}.",
            field=field,
            code="outside_agreement_period",
        )


# --- Funding agreements ---------------------------------------------------------


def _agreement_check_children(
    *,
    current: FundingAgreement,
    currency: str,
    amount: Decimal,
    start_date: datetime.date,
    end_date: datetime.date,
) -> None:
    allocations = Allocation.objects.filter(agreement=current).order_by()
    tranches = Disbursement.objects.filter(agreement=current).order_by()
    if currency != current.currency and (allocations.exists() or tranches.exists()):
        raise DomainError(
            "The currency cannot change once the agreement has allocations or tranches.",
            field="currency",
            code="currency_locked",
        )
    allocated = _total(allocations, "amount")
    if amount < allocated:
        raise DomainError(
            f"The commitment cannot be less than the {Money(allocated, currency)} "
            "already allocated to projects.",
            field="amount",
            code="below_allocated",
        )
    t = tranches.aggregate(
        planned=Sum("planned_amount"),
        received=Sum("received_amount"),
        first_planned=Min("planned_date"),
        last_planned=Max("planned_date"),
        first_received=Min("received_date"),
        last_received=Max("received_date"),
    )
    received = t["received"] or ZERO
    if amount < received:
        raise DomainError(
            f"The commitment cannot be less than the {Money(received, currency)} already received.",
            field="amount",
            code="below_received",
        )
    planned = t["planned"] or ZERO
    if amount < planned:
        raise DomainError(
            f"The commitment cannot be less than the {Money(planned, currency)} "
            "planned in tranches; reduce the tranches first.",
            field="amount",
            code="below_planned",
        )
    firsts = [d for d in (t["first_planned"], t["first_received"]) if d is not None]
    lasts = [d for d in (t["last_planned"], t["last_received"]) if d is not None]
    if firsts and min(firsts) < start_date:
        raise DomainError(
            f"A tranche is dated {min(firsts):%d %b %Y}, before this start date.",
            field="start_date",
            code="tranches_outside_period",
        )
    if lasts and max(lasts) > end_date:
        raise DomainError(
            f"A tranche is dated {max(lasts):%d %b %Y}, after this end date.",
            field="end_date",
            code="tranches_outside_period",
        )


def _agreement_check(
    *,
    donor: Organisation,
    implementer: Organisation,
    reference: str,
    currency: str,
    amount: Decimal,
    signed_on: datetime.date,
    start_date: datetime.date,
    end_date: datetime.date,
    current: FundingAgreement | None,
) -> Decimal:
    """Every agreement rule; returns the USD rate to record (kept when nothing it rests on
    changed, so a later correction of the rate table never rewrites history)."""
    if donor.kind != Organisation.Kind.DONOR:
        raise DomainError(f"{donor} is not a donor.", field="donor", code="not_a_donor")
    if implementer.kind != Organisation.Kind.IMPLEMENTER:
        raise DomainError(
            f"{implementer} is not an implementing agency.",
            field="implementer",
            code="not_an_implementer",
        )
    if currency not in Currency.values:
        raise DomainError(
            f"{currency} is not a supported currency.", field="currency", code="unknown_currency"
        )
    _check_amount(amount=amount, currency=currency, field="amount")
    if end_date < start_date:
        raise DomainError(
            "The end date cannot be before the start date.",
            field="end_date",
            code="end_before_start",
        )
    duplicates = FundingAgreement.objects.filter(reference=reference)
    if current is not None:
        duplicates = duplicates.exclude(pk=current.pk)
    if duplicates.exists():
        raise DomainError(
            f"Another agreement already has the reference {reference}.",
            field="reference",
            code="duplicate_reference",
        )
    if current is not None:
        _agreement_check_children(
            current=current,
            currency=currency,
            amount=amount,
            start_date=start_date,
            end_date=end_date,
        )
        if currency == current.currency and signed_on == current.signed_on:
            return current.usd_rate
    return usd_rate_for(currency=currency, on=signed_on, field="currency")


@transaction.atomic
def agreement_validate(
    *,
    donor: Organisation,
    implementer: Organisation,
    reference: str,
    currency: str,
    amount: Decimal,
    signed_on: datetime.date,
    start_date: datetime.date,
    end_date: datetime.date,
    instance: FundingAgreement | None = None,
) -> None:
    """Raise the DomainError agreement_create/agreement_update would raise, holding the lock."""
    current = _lock_agreement(instance.pk) if instance is not None and instance.pk else None
    _agreement_check(
        donor=donor,
        implementer=implementer,
        reference=reference,
        currency=currency,
        amount=amount,
        signed_on=signed_on,
        start_date=start_date,
        end_date=end_date,
        current=current,
    )


@transaction.atomic
def agreement_create(
    *,
    donor: Organisation,
    implementer: Organisation,
    reference: str,
    title: str,
    currency: str,
    amount: Decimal,
    signed_on: datetime.date,
    start_date: datetime.date,
    end_date: datetime.date,
    notes: str = "",
    user: AbstractBaseUser | None = None,
) -> FundingAgreement:
    """A donor commits a positive amount in its currency to an implementer for an ordered period."""
    usd_rate = _agreement_check(
        donor=donor,
        implementer=implementer,
        reference=reference,
        currency=currency,
        amount=amount,
        signed_on=signed_on,
        start_date=start_date,
        end_date=end_date,
        current=None,
    )
    agreement = FundingAgreement(
        donor=donor,
        implementer=implementer,
        reference=reference,
        title=title,
        currency=currency,
        amount=amount,
        usd_rate=usd_rate,
        amount_usd=to_usd(amount, usd_rate),
        signed_on=signed_on,
        start_date=start_date,
        end_date=end_date,
        notes=notes,
    )
    _save(agreement, user)
    return agreement


@transaction.atomic
def agreement_update(
    *, agreement: FundingAgreement, user: AbstractBaseUser | None = None, **fields: Any
) -> FundingAgreement:
    """The commitment never drops below what is allocated, planned or received; currency is
    fixed once used."""
    unknown = set(fields) - set(AGREEMENT_FIELDS)
    if unknown:
        raise TypeError(f"agreement_update() cannot change {', '.join(sorted(unknown))}")
    current = _lock_agreement(agreement.pk)
    changed = {name: value for name, value in fields.items() if getattr(current, name) != value}
    if not changed:
        return current
    values = {name: getattr(current, name) for name in AGREEMENT_FIELDS} | changed
    usd_rate = _agreement_check(
        donor=values["donor"],
        implementer=values["implementer"],
        reference=values["reference"],
        currency=values["currency"],
        amount=values["amount"],
        signed_on=values["signed_on"],
        start_date=values["start_date"],
        end_date=values["end_date"],
        current=current,
    )
    rate_changed = usd_rate != current.usd_rate
    for name, value in changed.items():
        setattr(current, name, value)
    current.usd_rate = usd_rate
    current.amount_usd = to_usd(current.amount, usd_rate)
    _save(current, user)
    if rate_changed:
        # Allocations are valued at the agreement's rate, so they follow it.
        for allocation in Allocation.objects.filter(agreement=current).order_by("pk"):
            allocation.amount_usd = to_usd(allocation.amount, usd_rate)
            _save(allocation, user)
    return current


@transaction.atomic
def agreement_delete(*, agreement: FundingAgreement, user: AbstractBaseUser | None = None) -> None:
    """Only an agreement without allocations or tranches can be deleted."""
    current = _lock_agreement(agreement.pk)
    if (
        Allocation.objects.filter(agreement=current).exists()
        or Disbursement.objects.filter(agreement=current).exists()
    ):
        raise DomainError(
            "This agreement has allocations or tranches; delete those first.",
            code="agreement_in_use",
        )
    _delete(current, user)


# --- Allocations ----------------------------------------------------------------


def _allocation_check(
    *,
    agreement: FundingAgreement,
    project: Project,
    amount: Decimal,
    current: Allocation | None,
) -> None:
    """Every allocation rule, against a locked agreement row."""
    currency = agreement.currency
    _check_amount(amount=amount, currency=currency, field="amount")
    others = Allocation.objects.filter(agreement=agreement)
    if current is not None:
        others = others.exclude(pk=current.pk)
    if others.filter(project=project).exists():
        raise DomainError(
            f"{agreement.reference} already funds {project.code}; change that allocation instead.",
            field="project",
            code="duplicate_allocation",
        )
    allocated = _total(others, "amount")
    if allocated + amount > agreement.amount:
        raise DomainError(
            f"Allocations would total {Money(allocated + amount, currency)}, more than the "
            f"{Money(agreement.amount, currency)} committed; "
            f"{Money(agreement.amount - allocated, currency)} is left to allocate.",
            field="amount",
            code="allocation_exceeds_agreement",
        )


@transaction.atomic
def allocation_validate(
    *,
    agreement: FundingAgreement,
    project: Project,
    amount: Decimal,
    instance: Allocation | None = None,
) -> None:
    """Raise the DomainError allocation_create/allocation_update would raise, holding the lock."""
    locked = _lock_agreement(agreement.pk)
    current = instance if instance is not None and instance.pk else None
    _allocation_check(agreement=locked, project=project, amount=amount, current=current)


@transaction.atomic
def allocation_create(
    *,
    agreement: FundingAgreement,
    project: Project,
    amount: Decimal,
    notes: str = "",
    user: AbstractBaseUser | None = None,
) -> Allocation:
    """Allocations to projects never sum past the agreement; one allocation per project."""
    locked = _lock_agreement(agreement.pk)
    _allocation_check(agreement=locked, project=project, amount=amount, current=None)
    allocation = Allocation(
        agreement=locked,
        project=project,
        amount=amount,
        amount_usd=to_usd(amount, locked.usd_rate),
        notes=notes,
    )
    _save(allocation, user)
    return allocation


@transaction.atomic
def allocation_update(
    *,
    allocation: Allocation,
    amount: Decimal,
    notes: str | None = None,
    user: AbstractBaseUser | None = None,
) -> Allocation:
    """A changed allocation still keeps all allocations within the agreement."""
    locked = _lock_agreement(allocation.agreement_id)
    current = Allocation.objects.select_related("project").get(pk=allocation.pk)
    _allocation_check(agreement=locked, project=current.project, amount=amount, current=current)
    current.agreement = locked
    current.amount = amount
    current.amount_usd = to_usd(amount, locked.usd_rate)
    if notes is not None:
        current.notes = notes
    _save(current, user)
    return current


@transaction.atomic
def allocation_delete(*, allocation: Allocation, user: AbstractBaseUser | None = None) -> None:
    """Removing an allocation frees its amount for other projects of the agreement."""
    _lock_agreement(allocation.agreement_id)
    _delete(Allocation.objects.get(pk=allocation.pk), user)


# --- Disbursements (tranches) ---------------------------------------------------


@dataclass(frozen=True)
class _TrancheRates:
    planned: Decimal
    received: Decimal | None


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
    _check_amount(amount=planned_amount, currency=currency, field="planned_amount")
    _check_in_period(day=planned_date, agreement=agreement, field="planned_date")
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
        _check_amount(amount=received_amount, currency=currency, field="received_amount")
        _check_in_period(day=received_date, agreement=agreement, field="received_date")
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
    # A recorded rate stays as long as its date does: a later correction of the rate
    # table never rewrites a figure already reported.
    if current is not None and current.planned_date == planned_date:
        planned_rate = current.planned_usd_rate
    else:
        planned_rate = usd_rate_for(currency=currency, on=planned_date, field="planned_date")
    received_rate = None
    if received_date is not None:
        if current is not None and current.received_date == received_date:
            received_rate = current.received_usd_rate
        else:
            received_rate = usd_rate_for(currency=currency, on=received_date, field="received_date")
    return _TrancheRates(planned=planned_rate, received=received_rate)


def _disbursement_write(
    *,
    disbursement: Disbursement,
    agreement: FundingAgreement,
    values: dict[str, Any],
    user: AbstractBaseUser | None,
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
    _save(disbursement, user)
    return disbursement


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
    locked = _lock_agreement(agreement.pk)
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
    locked = _lock_agreement(agreement.pk)
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
    *, disbursement: Disbursement, user: AbstractBaseUser | None = None, **fields: Any
) -> Disbursement:
    """A changed tranche keeps planned and received totals within the commitment and period."""
    unknown = set(fields) - set(DISBURSEMENT_FIELDS)
    if unknown:
        raise TypeError(f"disbursement_update() cannot change {', '.join(sorted(unknown))}")
    locked = _lock_agreement(disbursement.agreement_id)
    current = Disbursement.objects.get(pk=disbursement.pk)
    values = {name: getattr(current, name) for name in DISBURSEMENT_FIELDS} | fields
    return _disbursement_write(disbursement=current, agreement=locked, values=values, user=user)


@transaction.atomic
def disbursement_receive(
    *,
    disbursement: Disbursement,
    received_date: datetime.date,
    received_amount: Decimal,
    user: AbstractBaseUser | None = None,
) -> Disbursement:
    """Record a tranche's receipt once; received funds never pass the commitment."""
    locked = _lock_agreement(disbursement.agreement_id)
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
    return _disbursement_write(disbursement=current, agreement=locked, values=values, user=user)


@transaction.atomic
def disbursement_delete(
    *, disbursement: Disbursement, user: AbstractBaseUser | None = None
) -> None:
    """Removing a tranche only lowers the planned and received totals."""
    _lock_agreement(disbursement.agreement_id)
    _delete(Disbursement.objects.get(pk=disbursement.pk), user)
