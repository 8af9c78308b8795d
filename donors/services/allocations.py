"""Writes for allocations: the parts of an agreement that fund projects, never summing
past the agreement (checked under its row lock)."""

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ctportal.audit_trail import delete_audited, save_audited
from ctportal.exceptions import DomainError
from ctportal.money import Money, to_usd
from donors.models import Allocation, FundingAgreement
from donors.services.common import (
    check_amount,
    lock_agreement,
    total_of,
)
from projects.models import Project
from projects.services import project_funding_changed


def _allocation_check(
    *,
    agreement: FundingAgreement,
    project: Project,
    amount: Decimal,
    current: Allocation | None,
) -> None:
    """Every allocation rule, against a locked agreement row."""
    currency = agreement.currency
    check_amount(amount=amount, currency=currency, field="amount")
    others = Allocation.objects.filter(agreement=agreement)
    if current is not None:
        others = others.exclude(pk=current.pk)
    if others.filter(project=project).exists():
        raise DomainError(
            f"{agreement.reference} already funds {project.code}; change that allocation instead.",
            field="project",
            code="duplicate_allocation",
        )
    allocated = total_of(others, "amount")
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
    locked = lock_agreement(agreement.pk)
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
    locked = lock_agreement(agreement.pk)
    _allocation_check(agreement=locked, project=project, amount=amount, current=None)
    allocation = Allocation(
        agreement=locked,
        project=project,
        amount=amount,
        amount_usd=to_usd(amount, locked.usd_rate),
        notes=notes,
    )
    save_audited(allocation, user=user)
    project_funding_changed(project_ids=[project.pk])
    return allocation


@transaction.atomic
def allocation_update(
    *,
    allocation: Allocation,
    amount: Decimal,
    notes: str | None = None,
    user: AbstractBaseUser | None = None,
    reason: str = "",
) -> Allocation:
    """A changed allocation still keeps all allocations within the agreement."""
    locked = lock_agreement(allocation.agreement_id)
    current = Allocation.objects.select_related("project").get(pk=allocation.pk)
    _allocation_check(agreement=locked, project=current.project, amount=amount, current=current)
    current.agreement = locked
    current.amount = amount
    current.amount_usd = to_usd(amount, locked.usd_rate)
    if notes is not None:
        current.notes = notes
    save_audited(current, user=user, reason=reason)
    project_funding_changed(project_ids=[current.project_id])
    return current


@transaction.atomic
def allocation_delete(
    *, allocation: Allocation, user: AbstractBaseUser | None = None, reason: str = ""
) -> None:
    """Removing an allocation frees its amount for other projects of the agreement."""
    lock_agreement(allocation.agreement_id)
    current = Allocation.objects.get(pk=allocation.pk)
    delete_audited(current, user=user, reason=reason)
    project_funding_changed(project_ids=[current.project_id])
