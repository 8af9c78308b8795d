"""A received tranche is corrected or cancelled only with a reason, kept in its history:
the rule lives in donors.services and reaches the API (a 400 naming `reason`)."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from ctportal.exceptions import DomainError
from donors.models import Allocation, Disbursement, FundingAgreement
from donors.services import (
    agreement_update,
    allocation_delete,
    allocation_update,
    disbursement_delete,
    disbursement_reason_validate,
    disbursement_update,
)
from tests.factories import (
    AllocationFactory,
    DisbursementFactory,
    EurAgreementFactory,
    ExchangeRateFactory,
    ReceivedDisbursementFactory,
)

D = Decimal
day = datetime.date


@pytest.fixture
def agreement(db):
    """EUR 1,000,000 (1 Feb 2023 - 31 Dec 2025), signed at 1.08."""
    ExchangeRateFactory(currency="EUR", month=day(2023, 1, 1), usd_per_unit=D("1.08"))
    return EurAgreementFactory(reference="EU-CT-001")


@pytest.fixture
def received(agreement):
    """EUR 300,000 planned for and received on 1 Mar 2023."""
    return ReceivedDisbursementFactory(
        agreement=agreement,
        planned_date=day(2023, 3, 1),
        planned_amount=D("300000.00"),
        planned_usd_rate=D("1.08"),
    )


@pytest.fixture
def planned(agreement):
    return DisbursementFactory(
        agreement=agreement,
        planned_date=day(2023, 9, 1),
        planned_amount=D("200000.00"),
        planned_usd_rate=D("1.08"),
    )


def db_state() -> dict:
    return {
        model.__name__: (list(model.objects.order_by("pk").values()), model.history.count())
        for model in (FundingAgreement, Allocation, Disbursement)
    }


def assert_reason_required(call) -> None:
    before = db_state()
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.field == "reason"
    assert caught.value.domain_code == "reason_required"
    assert caught.value.message_dict == {
        "reason": [
            "This tranche was received on 01 Mar 2023: give the reason for changing or "
            "cancelling it."
        ]
    }
    assert db_state() == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_correcting_a_received_tranche_without_a_reason_is_refused(received, manager, reason):
    assert_reason_required(
        lambda: disbursement_update(
            disbursement=received, received_amount=D("290000.00"), user=manager, reason=reason
        )
    )


@pytest.mark.parametrize("reason", ["", "\n"])
def test_cancelling_a_received_tranche_without_a_reason_is_refused(received, manager, reason):
    assert_reason_required(
        lambda: disbursement_delete(disbursement=received, user=manager, reason=reason)
    )


def test_the_reason_check_alone_raises_what_the_writes_would(received):
    assert_reason_required(lambda: disbursement_reason_validate(disbursement=received, reason=""))
    disbursement_reason_validate(disbursement=received, reason="Bank statement")


def test_a_correction_of_a_received_tranche_keeps_its_reason_in_the_history(received, manager):
    updated = disbursement_update(
        disbursement=received,
        received_amount=D("290000.00"),
        user=manager,
        reason="  The bank kept EUR 10,000 in fees.  ",
    )

    updated.refresh_from_db()
    assert (updated.received_amount, updated.received_amount_usd) == (
        D("290000.00"),
        D("313200.00"),
    )
    record = updated.history.latest()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "~",
        manager,
        "The bank kept EUR 10,000 in fees.",
    )


def test_cancelling_a_received_tranche_keeps_its_reason_in_the_history(received, manager):
    disbursement_delete(disbursement=received, user=manager, reason="Recorded twice.")

    assert not Disbursement.objects.exists()
    record = Disbursement.history.latest()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "-",
        manager,
        "Recorded twice.",
    )


def test_a_planned_tranche_changes_without_a_reason_and_keeps_one_when_given(planned, manager):
    moved = disbursement_update(disbursement=planned, planned_amount=D("150000.00"), user=manager)
    assert moved.history.latest().history_change_reason is None

    disbursement_update(
        disbursement=planned, planned_date=day(2023, 10, 1), user=manager, reason="Donor delay"
    )
    assert planned.history.latest().history_change_reason == "Donor delay"

    disbursement_delete(disbursement=planned, user=manager)
    assert not Disbursement.objects.filter(pk=planned.pk).exists()


def test_the_reason_is_judged_on_the_tranche_as_stored_not_as_passed(received, manager):
    """A caller holding a stale, unreceived copy still needs a reason."""
    stale = Disbursement.objects.get(pk=received.pk)
    stale.received_date = stale.received_amount = None

    assert_reason_required(
        lambda: disbursement_update(disbursement=stale, notes="x", user=manager, reason="")
    )


def test_agreement_and_allocation_changes_keep_an_optional_reason(agreement, manager):
    allocation = AllocationFactory(agreement=agreement, amount=D("100000.00"))

    agreement_update(
        agreement=agreement, amount=D("900000.00"), user=manager, reason="Amendment no. 1"
    )
    allocation_update(
        allocation=allocation, amount=D("120000.00"), user=manager, reason="Revised budget"
    )

    assert agreement.history.latest().history_change_reason == "Amendment no. 1"
    assert allocation.history.latest().history_change_reason == "Revised budget"
    allocation_delete(allocation=allocation, user=manager, reason="Project closed")
    assert Allocation.history.latest().history_change_reason == "Project closed"


# --- The API passes the reason to the service -------------------------------------------


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def test_api_correction_of_a_received_tranche_without_a_reason_is_a_400_naming_it(api, received):
    before = db_state()

    response = api.patch(
        f"/api/v1/disbursements/{received.pk}/", {"received_amount": "1.00"}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("reason_required", ["reason"])
    assert db_state() == before


def test_api_correction_with_a_reason_is_saved_and_kept(api, received, manager):
    response = api.patch(
        f"/api/v1/disbursements/{received.pk}/",
        {"received_amount": "290000.00", "reason": "Bank fees"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["received_amount"] == "290000.00"
    assert Disbursement.history.latest().history_change_reason == "Bank fees"


def test_api_cancelling_a_received_tranche_without_a_reason_is_a_400_naming_it(api, received):
    before = db_state()

    response = api.delete(f"/api/v1/disbursements/{received.pk}/")

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("reason_required", ["reason"])
    assert db_state() == before


@pytest.mark.parametrize("where", ["body", "query"])
def test_api_cancelling_a_received_tranche_with_a_reason_deletes_it(api, received, where):
    url = f"/api/v1/disbursements/{received.pk}/"
    if where == "body":
        response = api.delete(url, {"reason": "Recorded twice"}, format="json")
    else:
        response = api.delete(f"{url}?reason=Recorded%20twice")

    assert response.status_code == 204
    assert not Disbursement.objects.exists()
    assert Disbursement.history.latest().history_change_reason == "Recorded twice"
