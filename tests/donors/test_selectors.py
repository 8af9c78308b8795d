"""donors.selectors: who sees which agreement, exact totals per row, overdue tranches, and a
query count that does not grow with the rows shown."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from donors.models import FundingAgreement
from donors.selectors import agreement_get, agreement_list, agreement_search, disbursement_list
from organisations.models import Role
from tests.factories import (
    AllocationFactory,
    DisbursementFactory,
    DonorFactory,
    EurAgreementFactory,
    FundingAgreementFactory,
    ReceivedDisbursementFactory,
    user_with_role,
)

D = Decimal
day = datetime.date


@pytest.fixture
def eu(db):
    return DonorFactory(short_name="EU", name="European Union")


@pytest.fixture
def japan(db):
    return DonorFactory(short_name="JP", name="Government of Japan")


@pytest.fixture
def eu_agreement(eu):
    """EUR 1,000,000 at 1.08 with two allocations and three tranches, two received."""
    agreement = EurAgreementFactory(donor=eu, reference="EU-1")
    AllocationFactory(agreement=agreement, amount=D("300000.00"))
    AllocationFactory(agreement=agreement, amount=D("200000.00"))
    for planned_date, received in [
        (day(2023, 3, 1), D("250000.00")),
        (day(2023, 9, 1), D("100000.00")),
    ]:
        ReceivedDisbursementFactory(
            agreement=agreement,
            planned_date=planned_date,
            planned_amount=D("250000.00"),
            planned_usd_rate=D("1.08"),
            received_amount=received,
        )
    DisbursementFactory(
        agreement=agreement,
        planned_date=day(2024, 3, 1),
        planned_amount=D("250000.00"),
        planned_usd_rate=D("1.08"),
    )
    return agreement


@pytest.fixture
def japan_agreement(japan):
    return FundingAgreementFactory(donor=japan, reference="JP-1")


def test_agreement_list_sums_each_child_table_once(eu_agreement, manager):
    agreement = agreement_list(user=manager).get(pk=eu_agreement.pk)

    # Joined sums over 2 allocations x 3 tranches would triple allocated and double planned.
    assert agreement.allocated == D("500000.00")
    assert agreement.allocated_usd == D("540000.00")
    assert agreement.planned == D("750000.00")
    assert agreement.received == D("350000.00")
    assert agreement.received_usd == D("378000.00")


def test_agreement_totals_stay_each_rows_own_over_lists_of_any_shape(
    eu, eu_agreement, japan_agreement, manager
):
    # The totals' expressions are built once and shared by every list (_agreement_totals):
    # a list that joins, narrows and orders must leave them as they were for the next.
    viewer = user_with_role(Role.DONOR_VIEWER, organisation=eu)
    for _ in range(2):
        searched = agreement_search(user=manager, search="Union", sort="-amount")
        assert [(a.reference, a.planned, a.received) for a in searched] == [
            ("EU-1", D("750000.00"), D("350000.00"))
        ]
        by_viewer = agreement_list(user=viewer).order_by("-pk")
        assert [(a.reference, a.allocated_usd) for a in by_viewer] == [("EU-1", D("540000.00"))]
        everyone = agreement_list(user=manager).order_by("reference")
        assert [(a.reference, a.allocated, a.received_usd) for a in everyone] == [
            ("EU-1", D("500000.00"), D("378000.00")),
            ("JP-1", D("0"), D("0")),
        ]


def test_agreement_list_shows_zero_for_an_agreement_without_children(japan_agreement, manager):
    agreement = agreement_list(user=manager).get()

    assert (agreement.allocated, agreement.planned, agreement.received) == (D("0"),) * 3
    assert agreement.received_usd == D("0")


def test_agreement_list_shows_managers_and_administrators_every_agreement(
    eu_agreement, japan_agreement, manager, administrator
):
    for user in (manager, administrator):
        assert list(agreement_list(user=user).values_list("reference", flat=True)) == [
            "EU-1",
            "JP-1",
        ]


def test_agreement_list_shows_a_donor_viewer_only_its_own_agreements(
    eu, eu_agreement, japan_agreement
):
    viewer = user_with_role(Role.DONOR_VIEWER, organisation=eu)

    assert list(agreement_list(user=viewer).values_list("reference", flat=True)) == ["EU-1"]


@pytest.mark.parametrize("role", [Role.COUNTERPART_STAFF, Role.EWG_SECRETARIAT])
def test_agreement_list_shows_nothing_to_roles_without_money(eu_agreement, role):
    assert not agreement_list(user=user_with_role(role)).exists()


def test_agreement_get_returns_a_visible_agreement_with_its_totals(eu, eu_agreement):
    viewer = user_with_role(Role.DONOR_VIEWER, organisation=eu)

    agreement = agreement_get(user=viewer, pk=eu_agreement.pk)

    assert (agreement.reference, agreement.received) == ("EU-1", D("350000.00"))


def test_agreement_get_raises_does_not_exist_for_another_donors_agreement(eu, japan_agreement):
    viewer = user_with_role(Role.DONOR_VIEWER, organisation=eu)

    with pytest.raises(FundingAgreement.DoesNotExist):
        agreement_get(user=viewer, pk=japan_agreement.pk)


def test_disbursement_list_marks_unreceived_tranches_planned_before_today_overdue(
    eu_agreement, manager
):
    tranches = disbursement_list(user=manager, today=day(2024, 3, 2))

    assert [(t.planned_date, t.overdue) for t in tranches] == [
        (day(2023, 3, 1), False),
        (day(2023, 9, 1), False),
        (day(2024, 3, 1), True),
    ]


def test_disbursement_list_does_not_mark_a_tranche_due_today_overdue(eu_agreement, manager):
    tranches = disbursement_list(user=manager, today=day(2024, 3, 1))

    assert [t.overdue for t in tranches] == [False, False, False]


def test_disbursement_list_shows_a_donor_viewer_only_its_own_tranches(
    eu, eu_agreement, japan_agreement
):
    DisbursementFactory(agreement=japan_agreement)
    viewer = user_with_role(Role.DONOR_VIEWER, organisation=eu)

    assert {t.agreement.reference for t in disbursement_list(user=viewer)} == {"EU-1"}
    assert not disbursement_list(user=viewer, agreement=japan_agreement).exists()
    assert not disbursement_list(user=user_with_role(Role.COUNTERPART_STAFF)).exists()


def test_disbursement_list_narrows_to_one_agreement(eu_agreement, japan_agreement, manager):
    DisbursementFactory(agreement=japan_agreement)

    assert disbursement_list(user=manager, agreement=japan_agreement).count() == 1
    assert disbursement_list(user=manager, agreement=eu_agreement).count() == 3


def _queries_to_show(fetch, show) -> int:
    """Queries to evaluate a selector and show every row as a page would."""
    with CaptureQueriesContext(connection) as captured:
        for row in fetch():
            show(row)
    return len(captured.captured_queries)


def _show_agreement(agreement) -> str:
    return f"{agreement} {agreement.implementer} {agreement.allocated} {agreement.received}"


def _show_tranche(tranche) -> str:
    return f"{tranche} {tranche.agreement.donor} {tranche.currency} {tranche.overdue}"


def test_agreement_list_query_count_does_not_grow_with_rows(manager):
    FundingAgreementFactory()
    one = _queries_to_show(lambda: agreement_list(user=manager), _show_agreement)
    FundingAgreementFactory.create_batch(4)
    five = _queries_to_show(lambda: agreement_list(user=manager), _show_agreement)

    assert agreement_list(user=manager).count() == 5
    assert one == five == 1


def test_disbursement_list_query_count_does_not_grow_with_rows(manager):
    DisbursementFactory()
    one = _queries_to_show(lambda: disbursement_list(user=manager), _show_tranche)
    DisbursementFactory.create_batch(4)
    five = _queries_to_show(lambda: disbursement_list(user=manager), _show_tranche)

    assert disbursement_list(user=manager).count() == 5
    assert one == five == 1
