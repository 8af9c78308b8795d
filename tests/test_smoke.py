from decimal import Decimal

from tests.factories import AllocationFactory, user_with_role


def test_factories_build_a_funded_project(db):
    allocation = AllocationFactory()
    assert allocation.amount_usd == Decimal("500000.00")
    assert allocation.project.allocations.get() == allocation


def test_user_with_role_has_membership(db):
    user = user_with_role("donor_viewer")
    assert user.membership.organisation.kind == "donor"
