"""The money rules of donors.services: each rule, its exact figures, and on every refusal
proof that nothing was written (rows and history alike)."""

import pytest

from donors.models import Disbursement
from donors.services import (
    disbursement_create,
    disbursement_delete,
    disbursement_receive,
    disbursement_update,
    disbursement_validate,
)
from projects.models import ExchangeRate
from tests.donors.services_support import D, assert_refused, day
from tests.factories import (
    DisbursementFactory,
    EurAgreementFactory,
    ReceivedDisbursementFactory,
)


def test_disbursement_receive_records_the_receipt_at_its_months_rate(agreement, manager):
    tranche = DisbursementFactory(
        agreement=agreement, planned_date=day(2023, 6, 15), planned_amount=D("250000.00")
    )

    received = disbursement_receive(
        disbursement=tranche,
        received_date=day(2024, 3, 10),
        received_amount=D("249000.00"),
        user=manager,
    )

    received.refresh_from_db()
    assert (received.received_date, received.received_amount) == (
        day(2024, 3, 10),
        D("249000.00"),
    )
    assert (received.received_usd_rate, received.received_amount_usd) == (
        D("1.0875"),
        D("270787.50"),
    )
    record = received.history.latest()
    assert (record.history_user, record.received_amount) == (manager, D("249000.00"))


def test_disbursement_receive_accepts_receipts_up_to_the_commitment(agreement):
    ReceivedDisbursementFactory(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("800000.00")
    )
    tranche = DisbursementFactory(
        agreement=agreement, planned_date=day(2023, 9, 1), planned_amount=D("200000.00")
    )

    received = disbursement_receive(
        disbursement=tranche, received_date=day(2023, 9, 5), received_amount=D("200000.00")
    )

    assert received.received_amount_usd == D("218000.00")


def test_disbursement_receive_refuses_receipts_past_the_commitment(agreement):
    ReceivedDisbursementFactory(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("800000.00")
    )
    tranche = DisbursementFactory(
        agreement=agreement, planned_date=day(2023, 9, 1), planned_amount=D("200000.00")
    )

    error = assert_refused(
        lambda: disbursement_receive(
            disbursement=tranche, received_date=day(2023, 9, 5), received_amount=D("200000.01")
        ),
        field="received_amount",
        code="receipts_exceed_commitment",
    )
    assert error.messages == [
        "Receipts would total EUR 1,000,000.01, more than the EUR 1,000,000.00 committed; "
        "at most EUR 200,000.00 can still be received."
    ]


def test_disbursement_receive_refuses_a_tranche_already_received(agreement):
    tranche = ReceivedDisbursementFactory(agreement=agreement, planned_date=day(2023, 3, 1))

    assert_refused(
        lambda: disbursement_receive(
            disbursement=tranche, received_date=day(2023, 3, 2), received_amount=D("1.00")
        ),
        field="received_date",
        code="already_received",
    )


def test_disbursement_update_keeps_a_moved_plan_at_the_agreements_rate(agreement, manager):
    tranche = disbursement_create(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("100000.00")
    )

    updated = disbursement_update(disbursement=tranche, planned_date=day(2024, 4, 1), user=manager)

    assert (updated.planned_usd_rate, updated.planned_amount_usd) == (D("1.08"), D("108000.00"))
    assert updated.history.latest().history_user == manager


def test_disbursement_update_keeps_the_recorded_rate_when_the_date_stays(agreement):
    tranche = disbursement_create(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("100000.00")
    )
    ExchangeRate.objects.filter(currency="EUR").update(usd_per_unit=D("2"))

    updated = disbursement_update(disbursement=tranche, planned_amount=D("200000.00"))

    assert (updated.planned_usd_rate, updated.planned_amount_usd) == (D("1.08"), D("216000.00"))


def test_disbursement_update_counts_every_tranche_but_itself(agreement):
    tranche = ReceivedDisbursementFactory(
        agreement=agreement,
        planned_date=day(2023, 3, 1),
        planned_amount=D("600000.00"),
        planned_usd_rate=D("1.08"),
    )

    updated = disbursement_update(
        disbursement=tranche,
        planned_amount=D("1000000.00"),
        received_amount=D("1000000.00"),
        reason="The donor paid the whole commitment at once.",
    )

    assert updated.received_amount_usd == D("1080000.00")


def test_disbursement_update_refuses_a_receipt_raised_past_the_commitment(agreement):
    ReceivedDisbursementFactory(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("600000.00")
    )
    tranche = ReceivedDisbursementFactory(
        agreement=agreement, planned_date=day(2023, 9, 1), planned_amount=D("400000.00")
    )

    assert_refused(
        lambda: disbursement_update(
            disbursement=tranche, received_amount=D("400000.01"), reason="Bank statement"
        ),
        field="received_amount",
        code="receipts_exceed_commitment",
    )


def test_disbursement_update_can_withdraw_a_mistaken_receipt(agreement):
    tranche = ReceivedDisbursementFactory(agreement=agreement, planned_date=day(2023, 3, 1))

    updated = disbursement_update(
        disbursement=tranche,
        received_date=None,
        received_amount=None,
        reason="Recorded against the wrong tranche.",
    )

    updated.refresh_from_db()
    assert (updated.received_date, updated.received_amount) == (None, None)
    assert (updated.received_usd_rate, updated.received_amount_usd) == (None, None)


def test_disbursement_update_rejects_moving_a_tranche_to_another_agreement(agreement):
    tranche = DisbursementFactory(agreement=agreement, planned_date=day(2023, 3, 1))

    with pytest.raises(TypeError, match="agreement"):
        disbursement_update(disbursement=tranche, agreement=EurAgreementFactory())


def test_disbursement_delete_records_the_user(agreement, manager):
    tranche = DisbursementFactory(agreement=agreement, planned_date=day(2023, 3, 1))

    disbursement_delete(disbursement=tranche, user=manager)

    assert not Disbursement.objects.exists()
    record = Disbursement.history.latest()
    assert (record.history_type, record.history_user) == ("-", manager)


def test_disbursement_validate_raises_what_create_would(agreement):
    ReceivedDisbursementFactory(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("900000.00")
    )

    assert_refused(
        lambda: disbursement_validate(
            agreement=agreement,
            planned_date=day(2023, 9, 1),
            planned_amount=D("100000.00"),
            received_date=day(2023, 9, 1),
            received_amount=D("100000.01"),
        ),
        field="received_amount",
        code="receipts_exceed_commitment",
    )


def test_disbursement_validate_of_an_existing_tranche_excludes_it(agreement):
    tranche = ReceivedDisbursementFactory(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("1000000.00")
    )

    disbursement_validate(
        agreement=agreement,
        planned_date=day(2023, 3, 1),
        planned_amount=D("1000000.00"),
        received_date=day(2023, 3, 1),
        received_amount=D("1000000.00"),
        instance=tranche,
    )
