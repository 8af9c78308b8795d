"""Issue 13's figure defects, each reproduced on the demo data: a month's figures never
change because of later events, an unpaid tranche has one USD value, a share of a
commitment is taken in the donor's currency, and percent complete is one number."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from donors.models import Disbursement, FundingAgreement
from donors.selectors_funding import FundingFilters, funding_summary
from donors.services import disbursement_create, disbursement_receive
from organisations.models import Organisation
from projects.models import ExchangeRate
from reports.figures.disbursement import donor_section
from reports.figures.progress import progress_figures
from workplans.models import Workplan

pytestmark = pytest.mark.django_db

D = Decimal
OCTOBER_2023 = (datetime.date(2023, 10, 1), datetime.date(2023, 10, 31))


@pytest.fixture
def users(demo):
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def gac(demo):
    return FundingAgreement.objects.get(reference="GAC-UNODC-SP4")


def _cad_rate(month: datetime.date, rate: str) -> None:
    ExchangeRate.objects.create(currency="CAD", month=month, usd_per_unit=D(rate), source="test")


def _october_figures(gac) -> tuple:
    section = donor_section(
        donor=gac.donor, period_start=OCTOBER_2023[0], period_end=OCTOBER_2023[1]
    )
    row = section.agreements[0]
    return row.overdue, row.overdue_count, row.to_receive, row.received, len(section.overdue)


def test_an_old_months_report_is_not_rewritten_by_a_later_receipt(gac, users):
    before = _october_figures(gac)
    assert before == (D("800000.00"), 1, D("1600000.00"), D("800000.00"), 1)

    _cad_rate(datetime.date(2024, 2, 1), "0.7350")
    late = Disbursement.objects.get(agreement=gac, received_date__isnull=True)
    disbursement_receive(
        disbursement=late, received_date=datetime.date(2024, 2, 20), received_amount=D("800000")
    )

    assert _october_figures(gac) == before
    # The dashboard and the API read "as at" the end of the period the same way.
    as_at_october = funding_summary(
        user=users["manager"],
        group_by="agreement",
        filters=FundingFilters(date_to=OCTOBER_2023[1]),
        as_donor=gac.donor,
    )
    assert as_at_october.rows[0].overdue == D("800000.00")
    assert as_at_october.rows[0].overdue_count == 1
    client = APIClient()
    client.force_authenticate(users["donor_canada"])
    body = client.get(
        "/api/v1/funding/summary/", {"group_by": "agreement", "date_to": "2023-10-31"}
    ).json()
    assert body["rows"][0]["overdue"] == "800000.00"
    # Today the tranche is received: nothing is overdue any more.
    now = funding_summary(user=users["manager"], group_by="agreement", as_donor=gac.donor)
    assert now.rows[0].overdue == D("0.00")


def test_an_unpaid_amount_has_one_usd_value(gac, users):
    # The rest of the commitment as one tranche, overdue: to receive = overdue, in CAD.
    _cad_rate(datetime.date(2024, 6, 1), "0.7300")
    disbursement_create(
        agreement=gac, planned_date=datetime.date(2024, 6, 28), planned_amount=D("800000")
    )
    section = donor_section(
        donor=gac.donor,
        period_start=datetime.date(2024, 12, 1),
        period_end=datetime.date(2024, 12, 31),
    )
    row = section.agreements[0]
    assert row.to_receive == row.overdue == D("1600000.00")
    assert row.to_receive_usd == row.overdue_usd == D("1600000") * gac.usd_rate
    assert sum(t.planned_amount_usd for t in section.overdue) == row.overdue_usd
    # The tranche itself, wherever it is listed, is worth the same in USD.
    for tranche in Disbursement.objects.filter(agreement=gac, received_date__isnull=True):
        assert tranche.planned_amount_usd == tranche.planned_amount * gac.usd_rate


def test_a_share_of_commitments_is_taken_in_the_donors_currency(client, users):
    eu = Organisation.objects.get(short_name="EU")
    summary = funding_summary(user=users["donor_eu"], group_by="agreement")
    (eur,) = summary.currency_totals
    assert eur.received == eur.committed  # every euro arrived
    assert summary.total_usd.received_usd > summary.total_usd.committed_usd  # rates rose
    client.force_login(users["donor_eu"])
    html = client.get(reverse("donors:dashboard")).content.decode()
    assert "100% of commitments" in html
    assert "105% of commitments" not in html
    assert eu.name in html


def test_percent_complete_is_one_figure_in_the_report_and_the_api(users):
    workplan = Workplan.objects.get(code="WP-SP4-2022-23")
    client = APIClient()
    client.force_authenticate(users["manager"])
    for quarter in (1, 2, 3, 4):
        report = progress_figures(workplan=workplan, quarter=quarter).percent_complete
        body = client.get(
            "/api/v1/progress/summary/",
            {"group_by": "workplan", "workplan": workplan.pk, "quarter": quarter},
        ).json()
        (row,) = body["rows"]
        assert D(row["average_percent_complete"]) == report, quarter


def test_planned_tranches_are_shared_out_to_project_rows_like_receipts(users):
    rows = {
        (row.label, row.currency): row
        for row in funding_summary(user=users["manager"], group_by="project").rows
    }
    # GAC plans CAD 1,600,000 in two tranches, all of it for P7.
    assert rows[("P7-GAC-CT", "CAD")].planned == D("1600000.00")
    # INL plans USD 1,200,000; P7 takes 300,000 of its 1,800,000 commitment, P8 the rest.
    assert rows[("P7-GAC-CT", "USD")].planned == D("200000.00")
    assert rows[("P8-INL-PTP", "USD")].planned == D("1000000.00")
    assert rows[("P7-GAC-CT", "CAD")].planned_usd == D("1248000.00")  # at GAC's rate, 0.78
    by_province = funding_summary(user=users["manager"], group_by="sub_programme").rows
    assert all(row.planned > 0 for row in by_province)
