"""donors.selectors_funding on the demo data: every figure equals a sum computed here
independently (from the demo's published amounts and the recorded exchange rates), no row
mixes currencies, and a donor never sees another donor's agreement or amount."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Sum

from ctportal.demo import data
from donors.models import Allocation, FundingAgreement
from donors.selectors_funding import (
    GROUP_BYS,
    FundingFilters,
    funding_agreement_get,
    funding_allocation_list,
    funding_expenditure_list,
    funding_spending_by_category,
    funding_summary,
    funding_tranche_list,
)
from organisations.models import Organisation, Role
from projects.models import ExchangeRate, Expenditure
from reports.funding_results import (
    funding_activity_by_province,
    funding_activity_status,
    funding_results,
)
from tests.factories import (
    AllocationFactory,
    DisbursementFactory,
    DonorFactory,
    EurAgreementFactory,
    ExpenditureFactory,
    FundingAgreementFactory,
    ProjectFactory,
    ProvinceFactory,
    ReceivedDisbursementFactory,
    user_with_role,
)

D = Decimal
TODAY = datetime.date(2026, 11, 22)
CENT = D("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rate(currency: str, day: datetime.date) -> Decimal:
    """The recorded UN rate of `day`'s month, else the latest before it (independently of
    the services that stored the *_usd columns)."""
    if currency == "USD":
        return D(1)
    months = sorted((month, usd) for cur, month, usd in data.EXCHANGE_RATES if cur == currency)
    return [usd for month, usd in months if month <= day.replace(day=1)][-1]


def agreement_data(reference: str):
    return next(a for a in data.AGREEMENTS if a[0] == reference)


@pytest.fixture
def users(demo):
    return {u.username: u for u in get_user_model().objects.all()}


def summary(user, group_by, **kwargs):
    return funding_summary(user=user, group_by=group_by, today=TODAY, **kwargs)


def test_japan_committed_usd_3730935_across_its_four_projects(users):
    japan = users["donor_japan"]
    agreements = summary(japan, "agreement")
    assert [(r.label, r.currency) for r in agreements.rows] == [("JPN-2018-UNODC-PAK", "USD")]
    row = agreements.rows[0]
    assert row.committed == row.committed_usd == D("3730935.00")
    assert row.received_usd == D("3730935.00")  # one tranche, paid 20 April 2018
    assert agreements.total_usd.committed_usd == D("3730935.00")

    projects = summary(japan, "project")
    published = {code: amount for code, amount in agreement_data("JPN-2018-UNODC-PAK")[9]}
    assert {r.label: r.allocated_usd for r in projects.rows} == published
    assert sum(r.allocated_usd for r in projects.rows) == D("3730935.00")
    assert {r.currency for r in projects.rows} == {"USD"}
    # Spending of P3 (the only Japanese project with expenditure) belongs to Japan alone.
    spent = sum(e[4] for e in data.EXPENDITURES if e[0] == "P3-JP-CTF")
    assert {r.label: r.spent_usd for r in projects.rows}["P3-JP-CTF"] == spent == D("215100.00")
    # Burn rate: 215,100 of 500,000 over a period that has fully elapsed.
    assert {r.label: r.burn_rate for r in projects.rows}["P3-JP-CTF"] == D("0.43")


def test_eu_figures_are_in_euros_and_in_usd_at_the_recorded_rates(users):
    eu = users["donor_eu"]
    rows = {r.label: r for r in summary(eu, "agreement").rows}
    assert set(rows) == {"EU-FPI-PACT-KP", "EU-PACT-SINDH"}
    for reference, committed in (
        ("EU-FPI-PACT-KP", D("6998964.00")),
        ("EU-PACT-SINDH", D("4000000.00")),
    ):
        _, _, _, currency, amount, signed, *_, tranches = agreement_data(reference)
        row = rows[reference]
        assert (row.currency, row.committed) == ("EUR", committed) == (currency, amount)
        assert row.committed_usd == cents(amount * rate("EUR", signed))
        received = sum(planned for _, planned, got in tranches if got)
        received_usd = sum(cents(planned * rate("EUR", got)) for _, planned, got in tranches if got)
        assert row.received == received
        assert row.received_usd == received_usd
    assert rows["EU-FPI-PACT-KP"].committed_usd == D("7348912.20")  # 6,998,964 x 1.05
    assert rows["EU-FPI-PACT-KP"].received_usd == D("7798839.68")
    assert rows["EU-PACT-SINDH"].committed_usd == D("4440000.00")  # 4,000,000 x 1.11
    totals = summary(eu, "agreement")
    assert [(t.currency, t.committed) for t in totals.currency_totals] == [
        ("EUR", D("10998964.00"))
    ]
    assert totals.total_usd.committed_usd == D("11788912.20")


def test_gac_sees_its_own_share_of_the_co_funded_project_and_other_funding_as_one_figure(users):
    gac = users["donor_canada"]
    projects = summary(gac, "project")
    assert [(r.label, r.currency) for r in projects.rows] == [("P7-GAC-CT", "CAD")]
    row = projects.rows[0]
    assert row.allocated == D("2400000.00")
    assert row.allocated_usd == cents(D("2400000") * rate("CAD", datetime.date(2022, 6, 15)))
    # INL's USD 300,000 to P7 is the only other money on it: shown as one USD figure.
    assert row.other_funding_usd == D("300000.00")
    # Spending attributed: P7's spending x GAC's share of P7's allocations (USD).
    p7_spent = sum(e[4] for e in data.EXPENDITURES if e[0] == "P7-GAC-CT")
    share_usd = D("1872000.00") / (D("1872000.00") + D("300000.00"))
    assert row.spent_usd == cents(p7_spent * share_usd) == D("351845.07")
    assert row.spent == cents(D("2400000") * p7_spent / D("2172000.00")) == D("451083.43")
    # Receipts attributed: the whole agreement funds P7, so all of its receipts.
    assert (row.received, row.received_usd) == (D("800000.00"), D("616000.00"))
    # Not yet received: at the agreement's rate, 0.78 (ctportal.figures.USD_POLICY).
    assert (row.overdue, row.overdue_usd) == (D("800000.00"), D("624000.00"))


def test_gac_never_sees_inls_agreement_reference_or_amount(users):
    gac = users["donor_canada"]
    inl = FundingAgreement.objects.get(reference="INL-UNODC-PTP")
    inl_amounts = {inl.amount, inl.amount_usd, D("1500000.00")}
    seen_labels, seen_amounts = set(), set()
    for group_by in GROUP_BYS:
        result = summary(gac, group_by)
        for row in [*result.rows, *result.currency_totals]:
            seen_labels |= {str(row.label), row.detail}
            seen_amounts |= {row.committed, row.allocated, row.received, row.committed_usd}
            assert row.currency == "CAD"
    allocations = funding_allocation_list(user=gac, today=TODAY)
    seen_labels |= {r.detail for r in allocations}
    tranches = funding_tranche_list(user=gac, today=TODAY)
    assert {t.agreement.reference for t in tranches} == {"GAC-UNODC-SP4"}
    assert not any("INL" in label for label in seen_labels)
    assert not seen_amounts & inl_amounts
    with pytest.raises(FundingAgreement.DoesNotExist):
        funding_agreement_get(user=gac, pk=inl.pk, today=TODAY)
    # Spending rows carry only the part attributed to GAC's own allocation.
    attributed = sum(e.attributed_usd for e in funding_expenditure_list(user=gac, today=TODAY))
    assert cents(attributed) == D("351845.07")


def test_the_manager_sees_the_co_funded_project_as_one_row_per_currency(users):
    rows = summary(users["manager"], "project").rows
    p7 = {r.currency: r for r in rows if r.label == "P7-GAC-CT"}
    assert set(p7) == {"CAD", "USD"}
    assert (p7["CAD"].allocated, p7["USD"].allocated) == (D("2400000.00"), D("300000.00"))
    assert p7["CAD"].other_funding_usd is None
    # The two shares add up to P7's whole spending (to the cent).
    p7_spent = sum(e[4] for e in data.EXPENDITURES if e[0] == "P7-GAC-CT")
    assert p7["CAD"].spent_usd + p7["USD"].spent_usd == p7_spent
    # All spending is attributed once: the manager's total is every expenditure.
    total = summary(users["manager"], "project").total_usd
    assert total.spent_usd == Expenditure.objects.aggregate(t=Sum("amount_usd"))["t"]


@pytest.mark.parametrize("group_by", ["agreement", "project", "sub_programme", "province", "year"])
def test_no_row_ever_sums_two_currencies(users, group_by):
    result = summary(users["manager"], group_by)
    keys = [(row.key, row.currency) for row in result.rows]
    assert len(keys) == len(set(keys))
    for row in result.rows:
        if group_by in ("project", "sub_programme", "province"):
            lookup = {
                "project": "project_id",
                "sub_programme": "project__sub_programme_id",
                "province": "project__provinces__code",
            }[group_by]
            expected = Allocation.objects.filter(
                **{lookup: row.key}, agreement__currency=row.currency
            ).aggregate(t=Sum("amount"), usd=Sum("amount_usd"))
            assert (row.allocated, row.allocated_usd) == (expected["t"], expected["usd"])
        if group_by == "agreement":
            agreement = FundingAgreement.objects.get(pk=row.key)
            assert row.currency == agreement.currency
    # Totals: one per currency, each the sum of that currency's rows only.
    for total in result.currency_totals:
        same = [r for r in result.rows if r.currency == total.currency]
        assert total.committed == sum(r.committed for r in same)
    if group_by == "province":
        assert result.currency_totals == []
        assert result.total_usd is None


def test_province_rows_count_each_project_in_every_province_it_covers(users):
    rows = summary(users["donor_japan"], "province").rows
    by_province = {r.label: r.allocated_usd for r in rows}
    # P3 (USD 500,000) covers five provinces; P6 (2,545,335) Balochistan and KP.
    assert by_province["Islamabad"] == D("500000.00")
    assert by_province["Balochistan"] == D("3045335.00")
    assert by_province["Khyber Pakhtunkhwa"] == D("3345335.00")
    assert sum(by_province.values()) > D("3730935.00")  # overlapping, hence never totalled


def test_period_filter_counts_receipts_and_spending_dated_inside_it(users):
    filters = FundingFilters(
        date_from=datetime.date(2023, 1, 1), date_to=datetime.date(2023, 12, 31)
    )
    rows = {r.label: r for r in summary(users["manager"], "agreement", filters=filters).rows}
    # Agreements active in 2023 only; commitments whole, receipts of 2023 only.
    assert set(rows) == {"GAC-UNODC-SP4", "INL-UNODC-PTP"}
    assert rows["INL-UNODC-PTP"].committed == D("1800000.00")
    assert rows["INL-UNODC-PTP"].received == D("600000.00")  # received 12 Oct 2023
    assert rows["GAC-UNODC-SP4"].received == D("0.00")
    assert rows["GAC-UNODC-SP4"].overdue_count == 1
    spent_2023 = sum(e[4] for e in data.EXPENDITURES if e[2].year == 2023)
    total = summary(users["manager"], "project", filters=filters).total_usd
    assert total.spent_usd == spent_2023 == D("353130.50")


def test_year_rows_hold_commitments_receipts_and_overdue_tranches_by_their_own_dates(users):
    rows = {(r.key, r.currency): r for r in summary(users["manager"], "year").rows}
    assert rows[(2018, "USD")].committed == D("3730935.00")
    assert rows[(2016, "EUR")].committed == D("6998964.00")  # signed 15 Dec 2016
    assert rows[(2023, "CAD")].overdue_count == 1
    assert rows[(2023, "CAD")].received == D("0.00")
    assert rows[(2023, "USD")].received == D("600000.00")
    assert all(r.burn_rate is None for r in rows.values())


def test_money_and_results_count_verified_achievements_against_approved_targets(users):
    rows = funding_results(user=users["donor_canada"], today=TODAY)
    project = next(r for r in rows if r.output_code is None)
    assert (project.project_code, project.received_usd, project.spent_usd) == (
        "P7-GAC-CT",
        D("616000.00"),
        D("351845.07"),
    )
    outputs = {r.output_code: r for r in rows if r.output_code}
    assert set(outputs) == {"Op1.1", "Op1.2", "Op3.1"}
    op11 = {i.code: (i.target, i.achieved) for i in outputs["Op1.1"].indicators}
    # I1.1a: Q2 verified 44 + 4 = 48 of 100; the submitted Q3 update (47) does not count.
    assert op11 == {"I1.1a": (D("100"), D("48")), "I1.1b": (D("3"), D("3"))}
    assert outputs["Op1.1"].share_met == D("0.7400")  # mean of 0.48 and 1
    assert project.share_met == D("0.3700")  # (0.48 + 1 + 0 + 0) / 4
    # The outputs split the project's money by their share of its activity budget.
    assert sum(o.budget_share for o in outputs.values()) == 1
    assert abs(sum(o.spent_usd for o in outputs.values()) - project.spent_usd) <= CENT


def test_charts_figures_follow_the_same_attribution(users):
    gac = users["donor_canada"]
    categories = {c.category: c.spent_usd for c in funding_spending_by_category(user=gac)}
    assert sum(categories.values()) == D("351845.07")
    assert set(categories) == {"training", "staff", "equipment"}
    provinces = {
        p.name: (p.funding_usd, p.activities) for p in funding_activity_by_province(user=gac)
    }
    # P7's approved activities: A1 and A8 in Islamabad, A3 in Sindh, A4 in KP.
    assert provinces["Islamabad"] == (D("1872000.00"), 2)
    assert provinces["Punjab"] == (D("1872000.00"), 0)
    status = funding_activity_status(user=gac)
    assert [(q.quarter, q.counts) for q in status] == [(2, {"on_track": 1}), (3, {"completed": 1})]


def test_as_donor_shows_a_manager_exactly_what_the_donor_sees(users):
    gac_org = Organisation.objects.get(short_name="GAC")
    for group_by in GROUP_BYS:
        as_manager = summary(users["manager"], group_by, as_donor=gac_org)
        as_donor = summary(users["donor_canada"], group_by)
        assert as_manager.rows == as_donor.rows
        assert as_manager.donor == gac_org


@pytest.mark.parametrize("username", ["donor_japan", "nacta", "ewg"])
def test_as_donor_is_refused_to_everyone_but_managers_and_administrators(users, username):
    gac_org = Organisation.objects.get(short_name="GAC")
    with pytest.raises(PermissionDenied):
        summary(users[username], "agreement", as_donor=gac_org)


@pytest.mark.parametrize("username", ["nacta", "ctd_sindh", "ewg"])
def test_roles_without_money_get_no_figures(users, username):
    with pytest.raises(PermissionDenied):
        summary(users[username], "project")


def test_exchange_rates_used_here_are_the_recorded_ones(demo):
    # Guard for the independent computation above: the demo's rates are what is stored.
    for currency, month, usd in data.EXCHANGE_RATES:
        assert ExchangeRate.objects.get(currency=currency, month=month).usd_per_unit == usd


# --- Attribution on a small co-funded programme (each sum is joined once per project or
# agreement: rows with nothing to join keep zeros, other donors' allocations still count) ---


@pytest.fixture
def cofunded(db):
    """P co-funded by A (USD 300,000) and B (EUR 100,000 = USD 108,000), with spending in 2023
    and 2024, a receipt and an overdue tranche of A; Q funded by C, with nothing spent or
    paid and no province."""
    a = FundingAgreementFactory(donor=DonorFactory(short_name="A"))
    b = EurAgreementFactory(donor=DonorFactory(short_name="B"))
    c = FundingAgreementFactory(donor=DonorFactory(short_name="C"))
    p = ProjectFactory(code="P")
    p.provinces.add(ProvinceFactory(code="PK-PB", name="Punjab"))
    p.provinces.add(ProvinceFactory(code="PK-SD", name="Sindh"))
    q = ProjectFactory(code="Q")
    AllocationFactory(agreement=a, project=p, amount=D("300000"))
    AllocationFactory(agreement=b, project=p, amount=D("100000"))
    AllocationFactory(agreement=c, project=q, amount=D("50000"))
    ExpenditureFactory(project=p, amount=D("4080.00"), spent_on=datetime.date(2023, 3, 1))
    ExpenditureFactory(project=p, amount=D("999.99"), spent_on=datetime.date(2024, 5, 1))
    ReceivedDisbursementFactory(
        agreement=a, planned_date=datetime.date(2023, 2, 1), planned_amount=D("250000")
    )
    DisbursementFactory(
        agreement=a, planned_date=datetime.date(2023, 6, 1), planned_amount=D("100000")
    )
    return {
        name: user_with_role(Role.DONOR_VIEWER, organisation=org)
        for name, org in (("A", a.donor), ("B", b.donor), ("C", c.donor))
    } | {"manager": user_with_role(Role.PROGRAMME_MANAGER)}


def test_spending_share_counts_every_donors_allocation_and_only_spending_in_the_period(
    cofunded,
):
    year_2023 = FundingFilters(
        date_from=datetime.date(2023, 1, 1), date_to=datetime.date(2023, 12, 31)
    )
    # 2023: P spent 4,080.00; A's share 300,000 / 408,000 of it, B's 108,000 / 408,000.
    a = summary(cofunded["A"], "project", filters=year_2023).rows
    assert [(r.label, r.spent, r.spent_usd) for r in a] == [("P", D("3000.00"), D("3000.00"))]
    b = summary(cofunded["B"], "project", filters=year_2023).rows
    assert [(r.label, r.currency, r.spent, r.spent_usd) for r in b] == [
        ("P", "EUR", D("1000.00"), D("1080.00"))
    ]
    assert {r.key: r.spent_usd for r in summary(cofunded["A"], "year", filters=year_2023).rows} == {
        2022: D("0.00"),
        2023: D("3000.00"),
    }
    categories = funding_spending_by_category(user=cofunded["A"], filters=year_2023)
    assert [(c.category, c.spent_usd) for c in categories] == [("training", D("3000.00"))]
    # Unfiltered: all 5,079.99 of P's spending, shared to the cent.
    a_all = summary(cofunded["A"], "project").rows[0]
    b_all = summary(cofunded["B"], "project").rows[0]
    assert (a_all.spent_usd, b_all.spent, b_all.spent_usd) == (
        D("3735.29"),
        D("1245.10"),
        D("1344.70"),
    )
    assert a_all.spent_usd + b_all.spent_usd == D("5079.99")


def test_receipts_and_overdue_tranches_are_shared_by_allocation_on_every_grouping(cofunded):
    # A received 250,000 and has 100,000 overdue of its 1,000,000; P holds 300,000 of it.
    for group_by in ("project", "sub_programme", "province"):
        rows = summary(cofunded["A"], group_by).rows
        assert {(r.received, r.overdue) for r in rows} == {(D("75000.00"), D("30000.00"))}
    provinces = summary(cofunded["A"], "province").rows
    assert [r.label for r in provinces] == ["Punjab", "Sindh"]  # P counts in full in each
    agreement = summary(cofunded["A"], "agreement").rows[0]
    assert (agreement.received, agreement.overdue, agreement.overdue_count) == (
        D("250000.00"),
        D("100000.00"),
        1,
    )


def test_allocations_with_nothing_spent_or_paid_keep_their_rows_at_zero(cofunded):
    rows = {r.label: r for r in summary(cofunded["manager"], "project").rows}
    q = rows["Q"]
    assert (q.allocated, q.spent, q.received, q.overdue) == (D("50000.00"), 0, 0, 0)
    assert q.burn_rate == D("0.00")
    no_province = [r for r in summary(cofunded["manager"], "province").rows if r.key is None]
    assert [(r.label, r.allocated, r.spent) for r in no_province] == [
        ("No province recorded", D("50000.00"), D("0.00"))
    ]
    [allocation] = funding_allocation_list(user=cofunded["C"])
    assert (allocation.label, allocation.spent, allocation.received) == ("Q", 0, 0)
    assert [(r.project_code, r.spent_usd) for r in funding_results(user=cofunded["C"])] == [
        ("Q", D("0.00"))
    ]
