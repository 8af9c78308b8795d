"""The money rules of donors.services: each rule, its exact figures, and on every refusal
proof that nothing was written (rows and history alike)."""

import datetime

import pytest
from django.utils import timezone

from donors.services import (
    disbursement_create,
)
from tests.donors.services_support import D, assert_refused, day
from tests.factories import (
    DisbursementFactory,
    EurAgreementFactory,
    ExchangeRateFactory,
)

# --- Disbursements ----------------------------------------------------------------


def test_disbursement_create_values_the_plan_at_the_agreements_rate(agreement, manager):
    tranche = disbursement_create(
        agreement=agreement,
        planned_date=day(2023, 6, 15),
        planned_amount=D("250000.00"),
        user=manager,
    )

    tranche.refresh_from_db()
    # Not yet received: worth what the commitment is (ctportal.figures.USD_POLICY).
    assert (tranche.planned_usd_rate, tranche.planned_amount_usd) == (D("1.08"), D("270000.00"))
    assert tranche.received_usd_rate is None
    assert tranche.received_amount_usd is None
    assert tranche.history.get().history_user == manager


def test_disbursement_create_values_the_receipt_at_the_received_months_rate(agreement):
    tranche = disbursement_create(
        agreement=agreement,
        planned_date=day(2023, 6, 15),
        planned_amount=D("250000.00"),
        received_date=day(2024, 3, 10),
        received_amount=D("250000.00"),
    )

    tranche.refresh_from_db()
    assert (tranche.planned_usd_rate, tranche.planned_amount_usd) == (D("1.08"), D("270000.00"))
    assert (tranche.received_usd_rate, tranche.received_amount_usd) == (
        D("1.0875"),
        D("271875.00"),
    )


def test_disbursement_create_refuses_tranches_planned_past_the_commitment(agreement):
    DisbursementFactory(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("1000000.00")
    )

    assert_refused(
        lambda: disbursement_create(
            agreement=agreement, planned_date=day(2024, 3, 1), planned_amount=D("0.01")
        ),
        field="planned_amount",
        code="tranches_exceed_commitment",
    )


def test_disbursement_create_refuses_a_receipt_that_alone_passes_the_commitment(agreement):
    assert_refused(
        lambda: disbursement_create(
            agreement=agreement,
            planned_date=day(2023, 3, 1),
            planned_amount=D("1000000.00"),
            received_date=day(2023, 3, 1),
            received_amount=D("1000000.01"),
        ),
        field="received_amount",
        code="receipts_exceed_commitment",
    )


@pytest.mark.parametrize(
    ("field", "dates"),
    [
        ("planned_date", {"planned_date": day(2023, 1, 31)}),
        ("planned_date", {"planned_date": day(2026, 1, 1)}),
        (
            "received_date",
            {"received_date": day(2023, 1, 31), "received_amount": D("1.00")},
        ),
    ],
)
def test_disbursement_create_refuses_dates_outside_the_agreement_period(agreement, field, dates):
    args = {"agreement": agreement, "planned_date": day(2023, 3, 1), "planned_amount": D("1.00")}

    assert_refused(
        lambda: disbursement_create(**(args | dates)),
        field=field,
        code="outside_agreement_period",
    )


def test_disbursement_create_accepts_the_first_and_last_day_of_the_period(agreement):
    first = disbursement_create(
        agreement=agreement, planned_date=day(2023, 2, 1), planned_amount=D("1.00")
    )
    last = disbursement_create(
        agreement=agreement, planned_date=day(2025, 12, 31), planned_amount=D("1.00")
    )

    assert (first.planned_usd_rate, last.planned_usd_rate) == (D("1.08"), D("1.08"))


@pytest.mark.parametrize(
    ("receipt", "field"),
    [
        ({"received_date": day(2023, 3, 1)}, "received_amount"),
        ({"received_amount": D("100.00")}, "received_date"),
    ],
)
def test_disbursement_create_wants_received_date_and_amount_together(agreement, receipt, field):
    assert_refused(
        lambda: disbursement_create(
            agreement=agreement,
            planned_date=day(2023, 3, 1),
            planned_amount=D("100.00"),
            **receipt,
        ),
        field=field,
        code="received_incomplete",
    )


def test_disbursement_create_refuses_a_receipt_dated_in_the_future(rates):
    today = timezone.localdate()
    agreement = EurAgreementFactory(end_date=today + datetime.timedelta(days=400))

    assert_refused(
        lambda: disbursement_create(
            agreement=agreement,
            planned_date=today,
            planned_amount=D("100.00"),
            received_date=today + datetime.timedelta(days=1),
            received_amount=D("100.00"),
        ),
        field="received_date",
        code="received_in_future",
    )
    tranche = disbursement_create(
        agreement=agreement,
        planned_date=today,
        planned_amount=D("100.00"),
        received_date=today,
        received_amount=D("100.00"),
    )
    assert tranche.received_date == today


@pytest.mark.parametrize(
    ("amounts", "field"),
    [
        ({"planned_amount": D("5000000.5")}, "planned_amount"),
        (
            {"planned_amount": D("5000000"), "received_amount": D("5000000.01")},
            "received_amount",
        ),
    ],
)
def test_disbursement_create_refuses_fractional_yen(rates, amounts, field):
    agreement = EurAgreementFactory(currency="JPY", amount=D("100000000"), usd_rate=D("0.0075"))
    args = {"agreement": agreement, "planned_date": day(2023, 3, 1)}
    if "received_amount" in amounts:
        args["received_date"] = day(2023, 3, 1)

    assert_refused(
        lambda: disbursement_create(**args, **amounts),
        field=field,
        code="invalid_precision",
    )


def test_disbursement_create_in_yen_converts_whole_yen(rates):
    agreement = EurAgreementFactory(currency="JPY", amount=D("100000000"), usd_rate=D("0.0075"))

    tranche = disbursement_create(
        agreement=agreement,
        planned_date=day(2023, 3, 1),
        planned_amount=D("33333333"),
        received_date=day(2023, 3, 1),
        received_amount=D("33333333"),
    )

    assert tranche.planned_amount_usd == tranche.received_amount_usd == D("250000.00")


def test_disbursement_create_needs_no_monthly_rate_for_a_plan(db):
    # A plan is valued at the agreement's rate, so a month without a rate is no obstacle.
    ExchangeRateFactory(currency="CAD", month=day(2023, 6, 1), usd_per_unit=D("0.74"))
    agreement = EurAgreementFactory(currency="CAD", usd_rate=D("0.74"))

    tranche = disbursement_create(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("100.00")
    )

    assert (tranche.planned_usd_rate, tranche.planned_amount_usd) == (D("0.74"), D("74.00"))


def test_disbursement_create_refuses_a_received_month_without_a_rate(db):
    ExchangeRateFactory(currency="CAD", month=day(2023, 6, 1), usd_per_unit=D("0.74"))
    agreement = EurAgreementFactory(currency="CAD", usd_rate=D("0.74"))

    assert_refused(
        lambda: disbursement_create(
            agreement=agreement,
            planned_date=day(2023, 6, 1),
            planned_amount=D("100.00"),
            received_date=day(2023, 5, 31),
            received_amount=D("100.00"),
        ),
        field="received_date",
        code="no_exchange_rate",
    )
