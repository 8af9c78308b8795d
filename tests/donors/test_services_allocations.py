"""The money rules of donors.services: each rule, its exact figures, and on every refusal
proof that nothing was written (rows and history alike)."""

from donors.models import Allocation
from donors.services import (
    allocation_create,
    allocation_delete,
    allocation_update,
    allocation_validate,
)
from tests.donors.services_support import D, assert_refused
from tests.factories import (
    AllocationFactory,
    EurAgreementFactory,
    ProjectFactory,
)

# --- Allocations ------------------------------------------------------------------


def test_allocation_create_values_it_at_the_agreement_rate(agreement, manager):
    project = ProjectFactory(code="PAK-CT-01")

    allocation = allocation_create(
        agreement=agreement, project=project, amount=D("400000.00"), user=manager
    )

    allocation.refresh_from_db()
    assert allocation.amount_usd == D("432000.00")
    assert allocation.history.get().history_user == manager


def test_allocation_create_accepts_the_exact_remainder(agreement):
    AllocationFactory(agreement=agreement, amount=D("600000.00"))

    allocation = allocation_create(
        agreement=agreement, project=ProjectFactory(), amount=D("400000.00")
    )

    assert allocation.amount == D("400000.00")


def test_allocation_create_refuses_allocations_past_the_agreement(agreement):
    AllocationFactory(agreement=agreement, amount=D("600000.00"))
    project = ProjectFactory()

    error = assert_refused(
        lambda: allocation_create(agreement=agreement, project=project, amount=D("400000.01")),
        field="amount",
        code="allocation_exceeds_agreement",
    )
    assert error.messages == [
        "Allocations would total EUR 1,000,000.01, more than the EUR 1,000,000.00 committed; "
        "EUR 400,000.00 is left to allocate."
    ]


def test_allocation_create_refuses_a_second_allocation_to_the_same_project(agreement):
    existing = AllocationFactory(agreement=agreement, amount=D("100000.00"))

    assert_refused(
        lambda: allocation_create(
            agreement=agreement, project=existing.project, amount=D("1000.00")
        ),
        field="project",
        code="duplicate_allocation",
    )


def test_allocation_create_refuses_fractional_yen(rates):
    agreement = EurAgreementFactory(currency="JPY", amount=D("100000000"), usd_rate=D("0.0075"))
    project = ProjectFactory()

    assert_refused(
        lambda: allocation_create(agreement=agreement, project=project, amount=D("1000.5")),
        field="amount",
        code="invalid_precision",
    )


def test_allocation_create_refuses_a_zero_amount(agreement):
    project = ProjectFactory()

    assert_refused(
        lambda: allocation_create(agreement=agreement, project=project, amount=D("0.00")),
        field="amount",
        code="not_positive",
    )


def test_allocation_update_counts_every_allocation_but_itself(agreement, manager):
    allocation = AllocationFactory(agreement=agreement, amount=D("600000.00"))

    updated = allocation_update(
        allocation=allocation, amount=D("1000000.00"), notes="Whole grant", user=manager
    )

    assert (updated.amount, updated.amount_usd, updated.notes) == (
        D("1000000.00"),
        D("1080000.00"),
        "Whole grant",
    )
    assert updated.history.latest().history_user == manager


def test_allocation_update_refuses_a_raise_past_the_agreement(agreement):
    AllocationFactory(agreement=agreement, amount=D("600000.00"))
    allocation = AllocationFactory(agreement=agreement, amount=D("300000.00"))

    assert_refused(
        lambda: allocation_update(allocation=allocation, amount=D("400000.01")),
        field="amount",
        code="allocation_exceeds_agreement",
    )


def test_allocation_delete_frees_its_amount(agreement, manager):
    allocation = AllocationFactory(agreement=agreement, amount=D("1000000.00"))

    allocation_delete(allocation=allocation, user=manager)

    assert not Allocation.objects.exists()
    assert Allocation.history.latest().history_user == manager
    allocation_create(agreement=agreement, project=ProjectFactory(), amount=D("1000000.00"))


def test_allocation_validate_raises_what_create_would(agreement):
    AllocationFactory(agreement=agreement, amount=D("999999.99"))
    project = ProjectFactory()

    assert_refused(
        lambda: allocation_validate(agreement=agreement, project=project, amount=D("0.02")),
        field="amount",
        code="allocation_exceeds_agreement",
    )
