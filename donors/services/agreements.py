"""Writes for funding agreements: a donor's commitment, its currency and its period.

The commitment never drops below what its allocations and tranches already use; each
rule is checked under the agreement's row lock (see donors.services.common).
"""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, Min, Sum

from ctportal.audit_trail import delete_audited, save_audited
from ctportal.exceptions import DomainError
from ctportal.money import Currency, Money, to_usd
from donors.models import Allocation, Disbursement, FundingAgreement
from donors.services.common import (
    ZERO,
    check_amount,
    lock_agreement,
    total_of,
)
from donors.services.totals import funding_totals_deferred
from organisations.models import Organisation
from projects.selectors import usd_rate_for
from projects.services import project_funding_changed

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
    allocated = total_of(allocations, "amount")
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
    check_amount(amount=amount, currency=currency, field="amount")
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
    current = lock_agreement(instance.pk) if instance is not None and instance.pk else None
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
    save_audited(agreement, user=user)
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement: FundingAgreement,
    user: AbstractBaseUser | None = None,
    reason: str = "",
    **fields: Any,
) -> FundingAgreement:
    """The commitment never drops below what is allocated, planned or received; currency is
    fixed once used. A reason, when given, is kept in the history."""
    unknown = set(fields) - set(AGREEMENT_FIELDS)
    if unknown:
        raise TypeError(f"agreement_update() cannot change {', '.join(sorted(unknown))}")
    current = lock_agreement(agreement.pk)
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
    save_audited(current, user=user, reason=reason)
    if rate_changed:
        # Allocations and planned tranches are valued at the agreement's rate
        # (ctportal.figures.USD_POLICY), so they follow it.
        why = reason or "The agreement's USD rate changed."
        allocations = list(Allocation.objects.filter(agreement=current).order_by("pk"))
        for allocation in allocations:
            allocation.amount_usd = to_usd(allocation.amount, usd_rate)
            save_audited(allocation, user=user, reason=why)
        project_funding_changed(project_ids=[a.project_id for a in allocations])
        # The month totals of its tranches are summed once, after every tranche is saved.
        with funding_totals_deferred(agreements=[current.pk]):
            for tranche in Disbursement.objects.filter(agreement=current).order_by("pk"):
                tranche.planned_usd_rate = usd_rate
                tranche.planned_amount_usd = to_usd(tranche.planned_amount, usd_rate)
                save_audited(tranche, user=user, reason=why)
    return current


def _agreement_delete_check(agreement: FundingAgreement) -> None:
    if (
        Allocation.objects.filter(agreement=agreement).exists()
        or Disbursement.objects.filter(agreement=agreement).exists()
    ):
        raise DomainError(
            "This agreement has allocations or tranches; delete those first.",
            code="agreement_in_use",
        )


def agreement_delete_validate(*, agreement: FundingAgreement) -> None:
    """Raise the DomainError agreement_delete would raise, so a page offers deletion only
    when it will succeed."""
    _agreement_delete_check(agreement)


@transaction.atomic
def agreement_delete(
    *, agreement: FundingAgreement, user: AbstractBaseUser | None = None, reason: str = ""
) -> None:
    """Only an agreement without allocations or tranches can be deleted."""
    current = lock_agreement(agreement.pk)
    _agreement_delete_check(current)
    delete_audited(current, user=user, reason=reason)
