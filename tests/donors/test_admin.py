"""The donors admin keeps the money rules: errors on the field, writes only through the
services, and change lists whose query count does not grow with their rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from donors.models import Allocation, Disbursement, FundingAgreement
from tests.factories import (
    AllocationFactory,
    DisbursementFactory,
    DonorFactory,
    EurAgreementFactory,
    ExchangeRateFactory,
    ProjectFactory,
    ReceivedDisbursementFactory,
)

D = Decimal
day = datetime.date

ADD_TRANCHE = "/admin/donors/disbursement/add/"


@pytest.fixture
def admin_client_(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def agreement(db):
    """EUR 1,000,000 (1 Feb 2023 - 31 Dec 2025) with EUR 800,000 already received."""
    ExchangeRateFactory(currency="EUR", month=day(2023, 1, 1), usd_per_unit=D("1.08"))
    ExchangeRateFactory(currency="EUR", month=day(2023, 6, 1), usd_per_unit=D("1.09"))
    agreement = EurAgreementFactory(reference="EU-CT-001")
    ReceivedDisbursementFactory(
        agreement=agreement,
        planned_date=day(2023, 3, 1),
        planned_amount=D("800000.00"),
        planned_usd_rate=D("1.08"),
    )
    return agreement


def db_state() -> dict:
    return {
        model.__name__: (list(model.objects.order_by("pk").values()), model.history.count())
        for model in (FundingAgreement, Allocation, Disbursement)
    }


def tranche_form(agreement, **overrides) -> dict:
    data = {
        "agreement": agreement.pk,
        "planned_date": "2023-06-15",
        "planned_amount": "200000.00",
        "received_date": "2023-06-20",
        "received_amount": "200000.00",
        "notes": "",
    }
    return data | overrides


def form_errors(response) -> dict:
    assert response.status_code == 200
    return response.context["adminform"].form.errors


def test_adding_a_tranche_past_the_commitment_shows_the_error_on_the_received_amount(
    admin_client_, agreement
):
    before = db_state()

    response = admin_client_.post(ADD_TRANCHE, tranche_form(agreement, received_amount="200000.01"))

    errors = form_errors(response)
    assert list(errors) == ["received_amount"]
    assert errors["received_amount"] == [
        "Receipts would total EUR 1,000,000.01, more than the EUR 1,000,000.00 committed; "
        "at most EUR 200,000.00 can still be received."
    ]
    assert errors.as_data()["received_amount"][0].code == "receipts_exceed_commitment"
    assert db_state() == before


def test_adding_a_tranche_planned_past_the_commitment_shows_the_error_on_the_planned_amount(
    admin_client_, agreement
):
    before = db_state()

    response = admin_client_.post(
        ADD_TRANCHE,
        tranche_form(agreement, planned_amount="200000.01", received_date="", received_amount=""),
    )

    assert list(form_errors(response)) == ["planned_amount"]
    assert db_state() == before


def test_adding_a_tranche_outside_the_period_shows_the_error_on_the_date(admin_client_, agreement):
    before = db_state()

    response = admin_client_.post(ADD_TRANCHE, tranche_form(agreement, planned_date="2026-01-01"))

    errors = form_errors(response)
    assert list(errors) == ["planned_date"]
    assert errors.as_data()["planned_date"][0].code == "outside_agreement_period"
    assert db_state() == before


def test_adding_a_valid_tranche_saves_it_through_the_service_with_usd_figures(
    admin_client_, agreement, administrator
):
    response = admin_client_.post(ADD_TRANCHE, tranche_form(agreement))

    assert response.status_code == 302
    tranche = Disbursement.objects.get(planned_date=day(2023, 6, 15))
    assert (tranche.planned_amount, tranche.planned_usd_rate, tranche.planned_amount_usd) == (
        D("200000.00"),
        D("1.08"),  # the agreement's rate: money not yet received (ctportal.figures)
        D("216000.00"),
    )
    assert (tranche.received_amount, tranche.received_usd_rate, tranche.received_amount_usd) == (
        D("200000.00"),
        D("1.09"),
        D("218000.00"),
    )
    record = tranche.history.get()
    assert (record.history_type, record.history_user) == ("+", administrator)
    assert response.url == "/admin/donors/disbursement/"


def test_changing_a_tranche_past_the_commitment_shows_the_error_and_keeps_it(
    admin_client_, agreement
):
    tranche = agreement.disbursements.get()
    before = db_state()

    response = admin_client_.post(
        f"/admin/donors/disbursement/{tranche.pk}/change/",
        {
            "planned_date": "2023-03-01",
            "planned_amount": "800000.00",
            "received_date": "2023-03-01",
            "received_amount": "1000000.01",
            "notes": "",
            "reason": "Bank statement of March",
        },
    )

    assert list(form_errors(response)) == ["received_amount"]
    assert db_state() == before


def test_changing_a_tranche_updates_it_through_the_service(admin_client_, agreement, administrator):
    tranche = agreement.disbursements.get()

    response = admin_client_.post(
        f"/admin/donors/disbursement/{tranche.pk}/change/",
        {
            "planned_date": "2023-03-01",
            "planned_amount": "1000000.00",
            "received_date": "2023-06-01",
            "received_amount": "1000000.00",
            "notes": "Paid in one go",
            "reason": "The donor paid the whole commitment in June.",
        },
    )

    assert response.status_code == 302
    tranche.refresh_from_db()
    assert (tranche.received_usd_rate, tranche.received_amount_usd) == (
        D("1.09"),
        D("1090000.00"),
    )
    record = tranche.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        administrator,
        "The donor paid the whole commitment in June.",
    )


def test_changing_a_received_tranche_without_a_reason_shows_the_error_on_the_reason(
    admin_client_, agreement
):
    tranche = agreement.disbursements.get()
    before = db_state()

    response = admin_client_.post(
        f"/admin/donors/disbursement/{tranche.pk}/change/",
        {
            "planned_date": "2023-03-01",
            "planned_amount": "800000.00",
            "received_date": "2023-03-01",
            "received_amount": "700000.00",
            "notes": "",
            "reason": "  ",
        },
    )

    errors = form_errors(response)
    assert list(errors) == ["reason"]
    assert errors.as_data()["reason"][0].code == "reason_required"
    assert db_state() == before


def test_the_add_form_asks_no_reason(admin_client_, agreement):
    response = admin_client_.get(ADD_TRANCHE)

    assert "reason" not in response.context["adminform"].form.fields


def test_deleting_a_tranche_goes_through_the_service(admin_client_, agreement, administrator):
    tranche = agreement.disbursements.get()

    response = admin_client_.post(
        f"/admin/donors/disbursement/{tranche.pk}/delete/",
        {"post": "yes", "reason": "Entered twice."},
    )

    assert response.status_code == 302
    assert not Disbursement.objects.exists()
    record = Disbursement.history.latest()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "-",
        administrator,
        "Entered twice.",
    )


def test_deleting_a_received_tranche_without_a_reason_keeps_it(admin_client_, agreement):
    tranche = agreement.disbursements.get()
    url = f"/admin/donors/disbursement/{tranche.pk}/delete/"
    before = db_state()

    response = admin_client_.post(url, {"post": "yes", "reason": ""}, follow=True)

    assert db_state() == before
    assert response.redirect_chain == [(url, 302)]
    assert "give the reason for changing or cancelling it" in response.content.decode()
    assert 'name="reason"' in response.content.decode()


def test_tranches_cannot_be_deleted_in_bulk(admin_client_, agreement):
    response = admin_client_.get("/admin/donors/disbursement/")

    assert response.status_code == 200
    assert 'value="delete_selected"' not in response.content.decode()


def test_adding_an_allocation_past_the_agreement_shows_the_error_on_the_amount(
    admin_client_, agreement
):
    AllocationFactory(agreement=agreement, amount=D("900000.00"))
    project = ProjectFactory()
    before = db_state()

    response = admin_client_.post(
        "/admin/donors/allocation/add/",
        {"agreement": agreement.pk, "project": project.pk, "amount": "100000.01", "notes": ""},
    )

    errors = form_errors(response)
    assert list(errors) == ["amount"]
    assert errors.as_data()["amount"][0].code == "allocation_exceeds_agreement"
    assert db_state() == before


def test_adding_an_allocation_saves_it_at_the_agreement_rate(admin_client_, agreement):
    project = ProjectFactory()

    response = admin_client_.post(
        "/admin/donors/allocation/add/",
        {"agreement": agreement.pk, "project": project.pk, "amount": "100000.00", "notes": ""},
    )

    assert response.status_code == 302
    assert Allocation.objects.get().amount_usd == D("108000.00")


def agreement_form(agreement, **overrides) -> dict:
    data = {
        "donor": agreement.donor.pk,
        "implementer": agreement.implementer.pk,
        "reference": agreement.reference,
        "title": agreement.title,
        "currency": agreement.currency,
        "amount": str(agreement.amount),
        "signed_on": agreement.signed_on.isoformat(),
        "start_date": agreement.start_date.isoformat(),
        "end_date": agreement.end_date.isoformat(),
        "notes": "",
    }
    return data | overrides


def test_lowering_a_commitment_below_receipts_shows_the_error_on_the_amount(
    admin_client_, agreement
):
    before = db_state()

    response = admin_client_.post(
        f"/admin/donors/fundingagreement/{agreement.pk}/change/",
        agreement_form(agreement, amount="799999.99"),
    )

    errors = form_errors(response)
    assert list(errors) == ["amount"]
    assert errors.as_data()["amount"][0].code == "below_received"
    assert db_state() == before


def test_adding_an_agreement_records_its_usd_value(admin_client_, agreement, administrator):
    data = agreement_form(
        agreement,
        donor=DonorFactory(short_name="EU2").pk,
        reference="EU-CT-002",
        amount="500000.00",
        signed_on="2023-06-10",
    )

    response = admin_client_.post("/admin/donors/fundingagreement/add/", data)

    assert response.status_code == 302
    added = FundingAgreement.objects.get(reference="EU-CT-002")
    assert (added.usd_rate, added.amount_usd) == (D("1.09"), D("545000.00"))
    assert added.history.get().history_user == administrator


def _changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def _add_agreement_rows(count: int) -> None:
    for _ in range(count):
        agreement = EurAgreementFactory()
        AllocationFactory(agreement=agreement, amount=D("1000.00"))
        DisbursementFactory(agreement=agreement, planned_date=day(2023, 3, 1))


@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("/admin/donors/fundingagreement/", FundingAgreement),
        ("/admin/donors/allocation/", Allocation),
        ("/admin/donors/disbursement/", Disbursement),
    ],
)
def test_change_list_query_count_is_the_same_for_one_and_five_rows(admin_client_, url, model):
    _add_agreement_rows(1)
    _changelist_queries(admin_client_, url)  # the first request warms the session
    one = _changelist_queries(admin_client_, url)
    _add_agreement_rows(4)
    five = _changelist_queries(admin_client_, url)

    assert model.objects.count() == 5
    assert one == five
