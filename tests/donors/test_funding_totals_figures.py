"""The funding figures read through the month totals are exactly the figures the rows alone
give (issue 14): every summary grouping, the spending by category, the money per project,
the allocation and agreement drill-downs, as a manager and as a donor, over periods of
whole months, periods that cut months, and as-at days inside a month; with the same
number of queries. The agreement rows are also checked against sums computed here."""

import copy
import datetime
import random
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ctportal import figures
from donors.models import Allocation, Disbursement, DisbursementMonth, FundingAgreement
from donors.selectors_funding import (
    FundingFilters,
    charts,
    drilldown,
    funding_agreement_get,
    funding_allocation_list,
    funding_money_by_project,
    funding_scope,
    funding_spending_by_category,
    funding_summary,
    sources,
    summary,
)
from donors.selectors_funding.rows import GROUP_BYS, round_money
from donors.services.totals import year_of
from organisations.models import Organisation, Role
from projects.models import Project
from tests.conftest import built_per_module
from tests.donors.test_funding_totals import build_programme, run_writes
from tests.factories import ProvinceFactory, user_with_role

D = Decimal
day = datetime.date

# (filters, today): no period; whole months; months cut at both ends; a period ending
# inside a month (as at that day); as at the first, inside and the last day of a month.
PERIODS = [
    (FundingFilters(), day(2024, 7, 17)),
    (FundingFilters(date_from=day(2022, 1, 1), date_to=day(2023, 12, 31)), day(2024, 7, 17)),
    (FundingFilters(date_from=day(2022, 3, 15), date_to=day(2023, 8, 20)), day(2024, 7, 17)),
    (FundingFilters(date_to=day(2023, 10, 10)), day(2024, 7, 17)),
    (FundingFilters(date_from=day(2023, 2, 14)), day(2024, 3, 1)),
    (FundingFilters(date_from=day(2023, 1, 1), date_to=day(2023, 12, 31)), day(2023, 6, 30)),
    (FundingFilters(), day(2024, 5, 31)),
    (FundingFilters(date_from=day(2024, 2, 29), date_to=day(2024, 2, 29)), day(2024, 12, 1)),
]


def _build_programme():
    rng = random.Random(21)
    world = build_programme(rng)
    run_writes(rng, world, 250)
    punjab = ProvinceFactory(code="PK-PB", name="Punjab")
    sindh = ProvinceFactory(code="PK-SD", name="Sindh")
    p0, p1, p2, _p3 = world["projects"]
    p0.provinces.add(punjab, sindh)
    p1.provinces.add(punjab)
    p2.provinces.add(sindh)
    donor = Organisation.objects.get(short_name="DONOR1")
    return {
        "manager": user_with_role(Role.PROGRAMME_MANAGER),
        "donor": user_with_role(Role.DONOR_VIEWER, organisation=donor),
    }


programme_built = built_per_module(_build_programme, name="programme_built")


@pytest.fixture
def programme(programme_built, db):
    """_build_programme's rows, built once per module (built_per_module)."""
    return copy.deepcopy(programme_built)


def _figures(user, filters, today) -> list:
    """Everything the families compute for one viewer, period and day."""
    scope = funding_scope(user=user, filters=filters, today=today)
    out: list = [
        funding_summary(user=user, group_by=g, filters=filters, today=today) for g in GROUP_BYS
    ]
    out.append(funding_spending_by_category(user=user, filters=filters, today=today))
    out.append(funding_money_by_project(scope=scope))
    out.append(funding_allocation_list(user=user, filters=filters, today=today))
    for agreement in scope.agreements.order_by("pk"):
        out.append(funding_agreement_get(user=user, pk=agreement.pk, filters=filters, today=today))
    return out


@pytest.mark.parametrize("viewer", ["manager", "donor"])
def test_the_figures_through_the_totals_equal_the_rows_alone(programme, viewer, monkeypatch):
    user = programme[viewer]
    for filters, today in PERIODS:
        with CaptureQueriesContext(connection) as through_totals:
            read = _figures(user, filters, today)
        monkeypatch.setattr(sources, "READ_TOTALS", False)
        with CaptureQueriesContext(connection) as rows_alone:
            live = _figures(user, filters, today)
        monkeypatch.setattr(sources, "READ_TOTALS", True)
        assert read == live, (filters, today)
        assert len(through_totals) == len(rows_alone)
    # Not a programme of zeros: money in every kind of figure.
    summary = funding_summary(user=user, group_by="agreement", today=PERIODS[0][1])
    for name in ("received_usd", "overdue_usd", "spent_usd", "planned_usd"):
        assert getattr(summary.total_usd, name) > 0, name


def test_counting_everything_without_conditions_gives_the_conditioned_figures(
    programme, monkeypatch
):
    """A manager who narrows nothing counts every allocation, with no condition on the
    scope's agreements and projects in any subquery (scope.counts_everything): the same
    figures as through the scope's conditions, with the same number of queries."""
    manager, today = programme["manager"], PERIODS[0][1]
    assert funding_scope(user=manager, today=today).counts_everything
    assert not funding_scope(user=programme["donor"], today=today).counts_everything
    for filters, _ in PERIODS[1:4]:
        assert not funding_scope(user=manager, filters=filters, today=today).counts_everything
    donor = Organisation.objects.get(short_name="DONOR1")
    assert not funding_scope(user=manager, as_donor=donor, today=today).counts_everything

    unconditioned_scope = funding_scope

    def conditioned(**kwargs):
        scope = unconditioned_scope(**kwargs)
        return replace(
            scope,
            counts_everything=False,
            allocations=Allocation.objects.filter(
                agreement__in=scope.agreements.values("pk"), project__in=Project.objects.all()
            ),
        )

    with CaptureQueriesContext(connection) as unconditioned_queries:
        unconditioned = _figures(manager, FundingFilters(), today)
    for module in (summary, charts, drilldown):
        monkeypatch.setattr(module, "funding_scope", conditioned)
    monkeypatch.setitem(globals(), "funding_scope", conditioned)
    with CaptureQueriesContext(connection) as conditioned_queries:
        assert _figures(manager, FundingFilters(), today) == unconditioned
    assert len(unconditioned_queries) == len(conditioned_queries)
    assert " IN (SELECT" in conditioned_queries[0]["sql"]
    assert " IN (SELECT" not in unconditioned_queries[0]["sql"]


def test_round_money_reads_a_decimal_as_its_text_would():
    """Decimals are rounded directly, floats and ints through their text, as always."""
    values = [D("1.005"), D("-2.5"), D("0E-10"), D("1E+3"), D("-0"), D("123456.785000001")]
    for value in values:
        for currency in ("USD", "JPY", "XXX"):
            places = D(1).scaleb(-{"JPY": 0}.get(currency, 2))
            expected = D(str(value)).quantize(places, rounding="ROUND_HALF_UP")
            got = round_money(value, currency)
            assert (got, str(got)) == (expected, str(expected))
    assert str(round_money(None, "JPY")) == "0"
    assert str(round_money(2.675)) == "2.68"  # the float's shortest text, then half up
    assert str(round_money(7, "EUR")) == "7.00"


def _expected_agreement_row(agreement: FundingAgreement, filters: FundingFilters, as_of) -> tuple:
    """Received, planned, overdue and overdue count of one agreement, from its tranches
    and ctportal.figures, in the agreement's currency and in USD."""

    def inside(d):
        return (
            d is not None
            and (filters.date_from is None or d >= filters.date_from)
            and (filters.date_to is None or d <= filters.date_to)
        )

    sums = dict.fromkeys(("r", "ru", "p", "pu", "o", "ou"), D(0))
    count = 0
    for t in Disbursement.objects.filter(agreement=agreement):
        if inside(t.received_date):
            sums["r"] += t.received_amount
            sums["ru"] += t.received_amount_usd
        if inside(t.planned_date):
            sums["p"] += t.planned_amount
            sums["pu"] += t.planned_amount_usd
            overdue = figures.tranche_is_overdue(
                planned_date=t.planned_date, received_date=t.received_date, as_at=as_of
            )
            if overdue:
                sums["o"] += t.planned_amount
                sums["ou"] += t.planned_amount_usd
                count += 1
    cur = agreement.currency
    return (
        round_money(sums["r"], cur),
        round_money(sums["ru"]),
        round_money(sums["p"], cur),
        round_money(sums["pu"]),
        round_money(sums["o"], cur),
        round_money(sums["ou"]),
        count,
    )


def test_agreement_rows_through_the_totals_are_the_sums_of_the_tranches(programme):
    manager = programme["manager"]
    for filters, today in PERIODS:
        summary = funding_summary(user=manager, group_by="agreement", filters=filters, today=today)
        as_of = min(filters.date_to, today) if filters.date_to else today
        assert summary.rows
        for row in summary.rows:
            agreement = FundingAgreement.objects.get(pk=row.key)
            got = (
                row.received,
                row.received_usd,
                row.planned,
                row.planned_usd,
                row.overdue,
                row.overdue_usd,
                row.overdue_count,
            )
            assert got == _expected_agreement_row(agreement, filters, as_of), (filters, today)


def test_whole_months_are_read_from_the_totals_and_cut_months_from_the_rows(programme):
    """A total changed behind the services' back shows in a figure that counts its month
    whole, and not in one whose period cuts that month (read from the tranches)."""
    manager = programme["manager"]
    total = DisbursementMonth.objects.filter(planned_month=day(2023, 3, 1)).first()
    agreement = FundingAgreement.objects.get(pk=total.agreement_id)

    def planned(filters):
        summary = funding_summary(
            user=manager, group_by="agreement", filters=filters, today=day(2024, 7, 17)
        )
        return next(r.planned for r in summary.rows if r.key == agreement.pk)

    # As at 30 April (the period's end), April is cut (planned before that day), March not.
    whole = FundingFilters(date_from=day(2023, 3, 1), date_to=day(2023, 4, 30))
    cut = FundingFilters(date_from=day(2023, 3, 2), date_to=day(2023, 4, 30))
    before_whole, before_cut = planned(whole), planned(cut)
    DisbursementMonth.objects.filter(pk=total.pk).update(planned_amount=total.planned_amount + 1)
    assert planned(whole) == before_whole + 1
    assert planned(cut) == before_cut


def test_cut_periods_are_the_months_a_day_splits():
    cut = sources.cut_periods
    # "from" the 1st and "to" the last day leave their months whole.
    assert cut(lower=[day(2024, 3, 1)], upper=[day(2024, 3, 31)]) == []
    assert cut(lower=[day(2024, 3, 2)], upper=[None]) == [(day(2024, 3, 1), day(2024, 3, 31))]
    assert cut(lower=[None], upper=[day(2024, 2, 28)]) == [(day(2024, 2, 1), day(2024, 2, 29))]
    assert cut(lower=[day(2024, 2, 29)], upper=[day(2024, 2, 29)]) == [
        (day(2024, 2, 1), day(2024, 2, 29))
    ]
    assert cut(lower=[day(2024, 6, 1)], upper=[day(2024, 6, 30)], period=year_of) == [
        (day(2024, 1, 1), day(2024, 12, 31))
    ]
