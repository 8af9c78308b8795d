"""Writes through the API go through the same services as the pages: each broken rule is a
400 naming its field (with the service's code) and writes nothing; a stale edit is a 409
that leaves the first save intact; a transition a role may not make changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from donors.models import Disbursement
from projects.models import Expenditure
from tests.api.conftest import client_for
from tests.api.writes_support import _error, _snapshot
from tests.factories import ReceivedDisbursementFactory


@pytest.fixture
def manager(world):
    return client_for(world.users["manager"])


# --- Disbursements ------------------------------------------------------------------


def test_creates_a_tranche_through_the_service_with_usd_and_history(world, manager):
    response = manager.post(
        "/api/v1/disbursements/",
        {
            "agreement": world.pk("agreement_a"),
            "planned_date": "2023-03-01",
            "planned_amount": "1000.50",
            "received_date": "2023-03-02",
            "received_amount": "1000.50",
            "notes": "Second tranche",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["planned_amount_usd"] == "1000.50"
    assert body["received_amount_usd"] == "1000.50"
    assert body["overdue"] is False
    tranche = Disbursement.objects.get(pk=body["id"])
    assert tranche.history.get().history_user == world.users["manager"]


def test_rejects_receipts_past_the_commitment_naming_received_amount(world, manager):
    ReceivedDisbursementFactory(agreement=world.agreement_a, planned_amount=Decimal("700000"))
    before = _snapshot(Disbursement)
    response = manager.post(
        "/api/v1/disbursements/",
        {
            "agreement": world.pk("agreement_a"),
            "planned_date": "2023-03-01",
            "planned_amount": "50000.00",
            "received_date": "2023-03-01",
            "received_amount": "350000.00",
        },
        format="json",
    )
    error = _error(response, 400)
    assert error["code"] == "receipts_exceed_commitment"
    assert list(error["fields"]) == ["received_amount"]
    assert error["message"].startswith("Receipts would total USD 1,050,000.00")
    assert _snapshot(Disbursement) == before


def test_rejecting_a_correction_past_the_commitment_leaves_the_tranche_as_it_was(world, manager):
    before = _snapshot(Disbursement)
    response = manager.patch(
        f"/api/v1/disbursements/{world.pk('disbursement_a')}/",
        {"planned_amount": "2000000.00"},
        format="json",
    )
    error = _error(response, 400)
    assert (error["code"], list(error["fields"])) == (
        "tranches_exceed_commitment",
        ["planned_amount"],
    )
    assert _snapshot(Disbursement) == before


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"planned_date": "2030-01-01"}, "planned_date", "outside_agreement_period"),
        ({"planned_amount": "0"}, "planned_amount", "not_positive"),
        ({"planned_amount": "ten thousand"}, "planned_amount", "invalid"),
        ({"planned_amount": "12.345"}, "planned_amount", "max_decimal_places"),
        ({"planned_amount": "NaN"}, "planned_amount", "invalid"),
        ({"planned_date": "2023-02-30"}, "planned_date", "invalid"),
        ({"planned_date": "yesterday"}, "planned_date", "invalid"),
        ({"agreement": "abc"}, "agreement", "incorrect_type"),
        ({"agreement": 10**30}, "agreement", "does_not_exist"),
        ({"received_date": "2023-03-01"}, "received_amount", "received_incomplete"),
    ],
)
def test_each_broken_tranche_rule_is_a_400_naming_its_field(world, manager, body, field, code):
    before = _snapshot(Disbursement)
    payload = {
        "agreement": world.pk("agreement_a"),
        "planned_date": "2023-03-01",
        "planned_amount": "1000.00",
    } | body
    error = _error(manager.post("/api/v1/disbursements/", payload, format="json"), 400)
    assert (error["code"], list(error["fields"])) == (code, [field])
    assert _snapshot(Disbursement) == before


def test_money_cannot_be_received_in_the_future(world, manager):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    world.agreement_a.end_date = tomorrow + datetime.timedelta(days=30)
    world.agreement_a.save()
    before = _snapshot(Disbursement)
    response = manager.post(
        f"/api/v1/disbursements/{world.pk('disbursement_a')}/receive/",
        {"received_date": tomorrow.isoformat(), "received_amount": "250000.00"},
        format="json",
    )
    error = _error(response, 400)
    assert (error["code"], list(error["fields"])) == ("received_in_future", ["received_date"])
    assert _snapshot(Disbursement) == before


def test_a_tranche_is_received_once(world, manager):
    url = f"/api/v1/disbursements/{world.pk('disbursement_a')}/receive/"
    body = {"received_date": "2022-09-02", "received_amount": "250000.00"}
    assert manager.post(url, body, format="json").status_code == 200
    before = _snapshot(Disbursement)
    error = _error(manager.post(url, body, format="json"), 400)
    assert (error["code"], list(error["fields"])) == ("already_received", ["received_date"])
    assert _snapshot(Disbursement) == before


def test_a_tranche_of_an_agreement_the_manager_cannot_name_is_a_400(world, manager):
    before = _snapshot(Disbursement)
    payload = {"agreement": 999999, "planned_date": "2023-03-01", "planned_amount": "1.00"}
    error = _error(manager.post("/api/v1/disbursements/", payload, format="json"), 400)
    assert list(error["fields"]) == ["agreement"]
    assert _snapshot(Disbursement) == before


def test_malformed_json_is_a_400_not_a_500(world, manager):
    response = manager.generic(
        "POST", "/api/v1/disbursements/", "{not json", content_type="application/json"
    )
    assert _error(response, 400)["code"] == "parse_error"


# --- Expenditure --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"spent_on": "2021-01-01"}, "spent_on", "outside_project_period"),
        ({"amount": "0.00"}, "amount", "amount_not_positive"),
        ({"amount": "-5"}, "amount", "amount_not_positive"),
        ({"amount": "1e3x"}, "amount", "invalid"),
        ({"currency": "JPY", "amount": "10.50"}, "amount", "too_many_decimals"),
        ({"currency": "CAD"}, "currency", "no_exchange_rate"),
        ({"currency": "XXX"}, "currency", "invalid_choice"),
        ({"category": "lunch"}, "category", "invalid_choice"),
        ({"project": 999999}, "project", "does_not_exist"),
    ],
)
def test_each_broken_expenditure_rule_is_a_400_naming_its_field(world, manager, body, field, code):
    before = _snapshot(Expenditure)
    payload = {
        "project": world.pk("project_a"),
        "category": "training",
        "spent_on": "2023-02-01",
        "amount": "500.00",
    } | body
    error = _error(manager.post("/api/v1/expenditures/", payload, format="json"), 400)
    assert (error["code"], list(error["fields"])) == (code, [field])
    assert _snapshot(Expenditure) == before


def test_an_expenditure_in_euro_is_valued_at_the_months_rate(world, manager):
    payload = {
        "project": world.pk("project_a"),
        "category": "travel",
        "spent_on": "2023-01-20",
        "amount": "1000.00",
        "currency": "EUR",
    }
    response = manager.post("/api/v1/expenditures/", payload, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["usd_rate"], response.json()["amount_usd"]) == (
        "1.08000000",
        "1080.00",
    )


def test_a_counterpart_cannot_record_spending_even_on_its_own_project(world):
    before = _snapshot(Expenditure)
    response = client_for(world.users["counterpart"]).post(
        "/api/v1/expenditures/",
        {
            "project": world.pk("project_a"),
            "category": "training",
            "spent_on": "2023-02-01",
            "amount": "5.00",
        },
        format="json",
    )
    assert _error(response, 403)["code"] == "permission_denied"
    assert _snapshot(Expenditure) == before
