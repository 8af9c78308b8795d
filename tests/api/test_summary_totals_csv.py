"""The aggregate endpoints: the funding summary's USD total says null where a figure has no
meaning (amounts in different currencies do not add up, so the total has no currency of its
own), planned tranches reach every project, sub-programme and province row, and
?format=csv streams each summary's table (rows, then totals) through the guarded CSV
writer."""

import csv
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse

from donors.serializers import FundingRowSerializer
from projects.models import Province
from tests.api.conftest import client_for
from tests.factories import (
    AllocationFactory,
    DisbursementFactory,
    EurAgreementFactory,
    ExchangeRateFactory,
)
from workplans.serializers import ProgressSummaryRowSerializer

D = Decimal
NATIVE = ("committed", "allocated", "received", "spent", "balance", "planned", "overdue")


@pytest.fixture
def mixed(world):
    """The world's two USD agreements and one in euros: EUR 1,000,000 at 1.08, EUR 400,000
    of it for project A, one tranche of EUR 100,000 planned and not received."""
    import datetime

    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 3, 1), usd_per_unit=D("1.10"))
    agreement = EurAgreementFactory(donor=world.donor_b, reference="AGR-EUR")
    AllocationFactory(
        agreement=agreement,
        project=world.project_a,
        amount=D("400000.00"),
        amount_usd=D("432000.00"),
    )
    DisbursementFactory(
        agreement=agreement,
        planned_date=datetime.date(2023, 3, 1),
        planned_amount=D("100000.00"),
        planned_usd_rate=D("1.08"),
    )
    world.project_a.provinces.add(Province.objects.get_or_create(code="PK-PB")[0])
    return world


def _summary(world, **params) -> dict:
    response = client_for(world.users["manager"]).get("/api/v1/funding/summary/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_usd_total_has_no_currency_and_null_native_figures(mixed):
    body = _summary(mixed, group_by="agreement")
    total = body["total_usd"]
    assert total["currency"] is None
    assert {name: total[name] for name in (*NATIVE, "percent_received")} == dict.fromkeys(
        (*NATIVE, "percent_received")
    )
    # The USD figures are the currency totals' USD figures added up, to the cent.
    assert [row["currency"] for row in body["currency_totals"]] == ["EUR", "USD"]
    for name in NATIVE:
        usd = f"{name}_usd"
        assert D(total[usd]) == sum(D(row[usd]) for row in body["currency_totals"]), usd
    assert total["committed_usd"] == "3080000.00"
    # Each currency's own total keeps its figures in its currency.
    eur = body["currency_totals"][0]
    assert (eur["currency"], eur["committed"], eur["planned"]) == ("EUR", "1000000.00", "100000.00")


@pytest.mark.parametrize("group_by", ["project", "sub_programme", "province"])
def test_planned_tranches_reach_project_sub_programme_and_province_rows(mixed, group_by):
    body = _summary(mixed, group_by=group_by)
    eur = [row for row in body["rows"] if row["currency"] == "EUR"]
    # EUR 100,000 planned, 400,000 of the 1,000,000 committed for project A: its share.
    assert [(row["planned"], row["planned_usd"]) for row in eur] == [("40000.00", "43200.00")]


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_funding_summary_as_csv_is_its_rows_then_its_totals(mixed):
    client = client_for(mixed.users["manager"])
    body = _summary(mixed, group_by="agreement")
    response = client.get("/api/v1/funding/summary/?group_by=agreement&format=csv")
    assert 'filename="funding-summary.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert list(rows[0]) == list(FundingRowSerializer().fields)
    expected = [*body["rows"], *body["currency_totals"], body["total_usd"]]
    assert [row["label"] for row in rows] == [row["label"] for row in expected]
    assert [row["committed_usd"] for row in rows] == [row["committed_usd"] for row in expected]
    # Null is an empty cell, never 0.
    assert (rows[-1]["currency"], rows[-1]["committed"]) == ("", "")


def test_the_funding_summary_csv_keeps_the_filters_and_refuses_bad_ones_in_json(mixed):
    client = client_for(mixed.users["manager"])
    rows = _csv(client.get("/api/v1/funding/summary/?group_by=project&format=csv&province=PK-PB"))
    assert [row["label"] for row in rows if row["key"]] == ["PA", "PA"]
    response = client.get("/api/v1/funding/summary/?format=csv&group_by=planet")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()["error"]["fields"]) == ["group_by"]


def test_a_label_that_looks_like_a_formula_is_inert_in_the_csv(mixed):
    mixed.project_a.code = "=HYPERLINK(1)"
    mixed.project_a.save()
    client = client_for(mixed.users["manager"])
    rows = _csv(client.get("/api/v1/funding/summary/?group_by=project&format=csv"))
    assert "'=HYPERLINK(1)" in [row["label"] for row in rows]


def test_the_progress_summary_as_csv_is_its_rows_then_its_total(world):
    client = client_for(world.users["manager"])
    body = client.get("/api/v1/progress/summary/").json()
    response = client.get("/api/v1/progress/summary/?format=csv")
    assert 'filename="progress-summary.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert list(rows[0]) == list(ProgressSummaryRowSerializer().fields)
    assert [row["label"] for row in rows] == [
        *(row["label"] for row in body["rows"]),
        "Total",
    ]
    assert rows[-1]["activities"] == str(body["total"]["activities"])


def test_a_donor_gets_no_summary_csv_it_may_not_see(world):
    response = client_for(world.users["counterpart"]).get("/api/v1/funding/summary/?format=csv")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("url", ["/api/v1/funding/summary/", "/api/v1/progress/summary/"])
def test_a_summary_answers_304_to_a_conditional_get_while_its_figures_stay(mixed, url):
    client = client_for(mixed.users["manager"])
    first = client.get(url)
    assert first.status_code == 200
    assert first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content) == (304, b"")


def test_a_summary_answers_200_with_a_new_etag_once_its_figures_move(mixed):
    client = client_for(mixed.users["manager"])
    first = client.get("/api/v1/funding/summary/")
    AllocationFactory(agreement=mixed.agreement_b, project=mixed.project_a, amount=D("7.00"))
    moved = client.get("/api/v1/funding/summary/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert moved.status_code == 200
    assert moved["ETag"] != first["ETag"]
