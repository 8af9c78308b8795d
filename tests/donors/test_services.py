"""The money rules of donors.services: each rule, its exact figures, and on every refusal
proof that nothing was written (rows and history alike)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ctportal.exceptions import DomainError
from donors.models import Allocation, Disbursement, FundingAgreement
from donors.services import (
    agreement_create,
    agreement_delete,
    agreement_update,
    agreement_validate,
    allocation_create,
    allocation_delete,
    allocation_update,
    allocation_validate,
    disbursement_create,
    disbursement_delete,
    disbursement_receive,
    disbursement_update,
    disbursement_validate,
)
from projects.models import ExchangeRate
from tests.factories import (
    AllocationFactory,
    DisbursementFactory,
    DonorFactory,
    EurAgreementFactory,
    ExchangeRateFactory,
    ImplementerFactory,
    OrganisationFactory,
    ProjectFactory,
    ReceivedDisbursementFactory,
)

D = Decimal
day = datetime.date


@pytest.fixture
def rates(db):
    """UN operational rates (USD per unit) used throughout."""
    ExchangeRateFactory(currency="EUR", month=day(2023, 1, 1), usd_per_unit=D("1.08"))
    ExchangeRateFactory(currency="EUR", month=day(2023, 6, 1), usd_per_unit=D("1.09"))
    ExchangeRateFactory(currency="EUR", month=day(2024, 3, 1), usd_per_unit=D("1.0875"))
    ExchangeRateFactory(currency="JPY", month=day(2023, 1, 1), usd_per_unit=D("0.0075"))


@pytest.fixture
def agreement(rates):
    """EUR 1,000,000 committed 1 Feb 2023 - 31 Dec 2025, signed at 1.08."""
    return EurAgreementFactory(reference="EU-CT-001")


def agreement_args(**overrides):
    args = {
        "donor": DonorFactory(short_name="EU", name="European Union"),
        "implementer": ImplementerFactory(),
        "reference": "EU-CT-2023-01",
        "title": "Support to counter-terrorism prosecution",
        "currency": "EUR",
        "amount": D("1000000.00"),
        "signed_on": day(2023, 1, 15),
        "start_date": day(2023, 2, 1),
        "end_date": day(2025, 12, 31),
    }
    return args | overrides


def db_state() -> dict:
    """Every donors row and history row, to prove a refusal wrote nothing."""
    return {
        model.__name__: (
            list(model.objects.order_by("pk").values()),
            model.history.count(),
        )
        for model in (FundingAgreement, Allocation, Disbursement)
    }


def assert_refused(call, *, field: str | None, code: str) -> DomainError:
    before = db_state()
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.field == field
    assert caught.value.domain_code == code
    assert db_state() == before
    return caught.value


# --- Agreements -------------------------------------------------------------------


def test_agreement_create_records_usd_at_the_rate_of_the_signing_month(rates, manager):
    agreement = agreement_create(**agreement_args(), user=manager)

    agreement.refresh_from_db()
    assert agreement.usd_rate == D("1.08")
    assert agreement.amount == D("1000000.00")
    assert agreement.amount_usd == D("1080000.00")


def test_agreement_create_uses_the_latest_rate_before_a_month_without_one(rates):
    agreement = agreement_create(**agreement_args(signed_on=day(2023, 4, 20)))

    assert agreement.usd_rate == D("1.08")
    assert agreement.amount_usd == D("1080000.00")


def test_agreement_create_in_usd_has_rate_one(db):
    agreement = agreement_create(**agreement_args(currency="USD", amount=D("2500000.00")))

    assert agreement.usd_rate == D("1")
    assert agreement.amount_usd == D("2500000.00")


def test_agreement_create_accepts_whole_yen(rates):
    agreement = agreement_create(**agreement_args(currency="JPY", amount=D("150000000")))

    assert agreement.usd_rate == D("0.0075")
    assert agreement.amount_usd == D("1125000.00")


def test_agreement_create_rejects_fractional_yen(rates):
    error = assert_refused(
        lambda: agreement_create(**agreement_args(currency="JPY", amount=D("150000000.50"))),
        field="amount",
        code="invalid_precision",
    )
    assert error.messages == ["JPY amounts are whole numbers."]


def test_agreement_create_rejects_a_third_decimal_in_euro(rates):
    assert_refused(
        lambda: agreement_create(**agreement_args(amount=D("1000000.005"))),
        field="amount",
        code="invalid_precision",
    )


@pytest.mark.parametrize("amount", [D("0"), D("-1.00")])
def test_agreement_create_rejects_an_amount_not_above_zero(rates, amount):
    assert_refused(
        lambda: agreement_create(**agreement_args(amount=amount)),
        field="amount",
        code="not_positive",
    )


def test_agreement_create_rejects_a_donor_that_is_not_a_donor(rates):
    assert_refused(
        lambda: agreement_create(**agreement_args(donor=OrganisationFactory(short_name="NACTA"))),
        field="donor",
        code="not_a_donor",
    )


def test_agreement_create_rejects_an_implementer_that_is_not_an_implementer(rates):
    assert_refused(
        lambda: agreement_create(**agreement_args(implementer=DonorFactory(short_name="JP"))),
        field="implementer",
        code="not_an_implementer",
    )


def test_agreement_create_rejects_an_end_before_the_start(rates):
    assert_refused(
        lambda: agreement_create(**agreement_args(end_date=day(2023, 1, 31))),
        field="end_date",
        code="end_before_start",
    )


def test_agreement_create_accepts_a_one_day_period(rates):
    agreement = agreement_create(**agreement_args(end_date=day(2023, 2, 1)))

    assert agreement.start_date == agreement.end_date == day(2023, 2, 1)


def test_agreement_create_refuses_a_currency_without_a_rate_on_the_currency_field(rates):
    error = assert_refused(
        lambda: agreement_create(**agreement_args(currency="CAD")),
        field="currency",
        code="no_exchange_rate",
    )
    assert "CAD" in error.messages[0]


def test_agreement_create_rejects_a_reference_already_used(agreement):
    assert_refused(
        lambda: agreement_create(**agreement_args(reference="EU-CT-001")),
        field="reference",
        code="duplicate_reference",
    )


def test_agreement_create_records_the_user_in_history(rates, manager):
    agreement = agreement_create(**agreement_args(), user=manager)

    record = agreement.history.get()
    assert record.history_type == "+"
    assert record.history_user == manager


def test_agreement_update_refuses_a_commitment_below_the_allocated_sum(agreement):
    AllocationFactory(agreement=agreement, amount=D("600000.00"))

    error = assert_refused(
        lambda: agreement_update(agreement=agreement, amount=D("599999.99")),
        field="amount",
        code="below_allocated",
    )
    assert error.messages == [
        "The commitment cannot be less than the EUR 600,000.00 already allocated to projects."
    ]


def test_agreement_update_accepts_a_commitment_equal_to_the_allocated_sum(agreement):
    AllocationFactory(agreement=agreement, amount=D("600000.00"))

    updated = agreement_update(agreement=agreement, amount=D("600000.00"))

    assert updated.amount == D("600000.00")
    assert updated.amount_usd == D("648000.00")


def test_agreement_update_refuses_a_commitment_below_the_received_sum(agreement):
    ReceivedDisbursementFactory(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("700000.00")
    )

    assert_refused(
        lambda: agreement_update(agreement=agreement, amount=D("699999.99")),
        field="amount",
        code="below_received",
    )


def test_agreement_update_refuses_a_commitment_below_the_planned_tranches(agreement):
    DisbursementFactory(
        agreement=agreement, planned_date=day(2024, 3, 1), planned_amount=D("800000.00")
    )

    assert_refused(
        lambda: agreement_update(agreement=agreement, amount=D("750000.00")),
        field="amount",
        code="below_planned",
    )


def test_agreement_update_refuses_a_currency_change_once_allocated(agreement):
    AllocationFactory(agreement=agreement)

    assert_refused(
        lambda: agreement_update(agreement=agreement, currency="USD"),
        field="currency",
        code="currency_locked",
    )


def test_agreement_update_refuses_a_currency_change_once_a_tranche_exists(agreement):
    DisbursementFactory(agreement=agreement, planned_date=day(2023, 3, 1))

    assert_refused(
        lambda: agreement_update(agreement=agreement, currency="USD"),
        field="currency",
        code="currency_locked",
    )


def test_agreement_update_changes_the_currency_of_an_unused_agreement_at_the_new_rate(agreement):
    updated = agreement_update(agreement=agreement, currency="JPY", amount=D("150000000"))

    updated.refresh_from_db()
    assert (updated.currency, updated.usd_rate, updated.amount_usd) == (
        "JPY",
        D("0.0075"),
        D("1125000.00"),
    )


def test_agreement_update_keeps_the_recorded_rate_when_the_rate_table_is_corrected(agreement):
    ExchangeRate.objects.filter(currency="EUR", month=day(2023, 1, 1)).update(usd_per_unit=D("2"))

    updated = agreement_update(agreement=agreement, amount=D("1200000.00"))

    assert updated.usd_rate == D("1.08")
    assert updated.amount_usd == D("1296000.00")


def test_agreement_update_of_the_signing_date_revalues_it_and_its_allocations(agreement, manager):
    allocation = AllocationFactory(agreement=agreement, amount=D("400000.00"))
    assert allocation.amount_usd == D("432000.00")

    updated = agreement_update(agreement=agreement, signed_on=day(2023, 6, 2), user=manager)

    allocation.refresh_from_db()
    assert updated.usd_rate == D("1.09")
    assert updated.amount_usd == D("1090000.00")
    assert allocation.amount_usd == D("436000.00")
    assert allocation.history.latest().history_user == manager


def test_agreement_update_refuses_a_period_that_leaves_a_tranche_outside(agreement):
    DisbursementFactory(agreement=agreement, planned_date=day(2025, 6, 1))

    assert_refused(
        lambda: agreement_update(agreement=agreement, end_date=day(2025, 5, 31)),
        field="end_date",
        code="tranches_outside_period",
    )


def test_agreement_update_refuses_a_start_after_a_received_tranche(agreement):
    ReceivedDisbursementFactory(agreement=agreement, planned_date=day(2023, 3, 1))

    assert_refused(
        lambda: agreement_update(agreement=agreement, start_date=day(2023, 3, 2)),
        field="start_date",
        code="tranches_outside_period",
    )


def test_agreement_update_refuses_fractional_yen_and_a_reversed_period(rates):
    agreement = EurAgreementFactory(currency="JPY", amount=D("100000000"), usd_rate=D("0.0075"))

    assert_refused(
        lambda: agreement_update(agreement=agreement, amount=D("100000000.10")),
        field="amount",
        code="invalid_precision",
    )
    assert_refused(
        lambda: agreement_update(agreement=agreement, end_date=day(2023, 1, 1)),
        field="end_date",
        code="end_before_start",
    )


def test_agreement_update_records_the_user_in_history(agreement, manager):
    agreement_update(agreement=agreement, title="Prosecution support, phase II", user=manager)

    record = agreement.history.latest()
    assert record.history_type == "~"
    assert record.history_user == manager
    assert record.title == "Prosecution support, phase II"


def test_agreement_update_without_changes_writes_no_history(agreement):
    before = db_state()

    agreement_update(agreement=agreement, amount=D("1000000.00"), title=agreement.title)

    assert db_state() == before


def test_agreement_update_rejects_a_field_it_does_not_own(agreement):
    with pytest.raises(TypeError, match="amount_usd"):
        agreement_update(agreement=agreement, amount_usd=D("1"))


def test_agreement_delete_refuses_an_agreement_with_allocations(agreement):
    AllocationFactory(agreement=agreement)

    assert_refused(
        lambda: agreement_delete(agreement=agreement), field=None, code="agreement_in_use"
    )


def test_agreement_delete_removes_an_unused_agreement_recording_the_user(agreement, manager):
    agreement_delete(agreement=agreement, user=manager)

    assert not FundingAgreement.objects.exists()
    record = FundingAgreement.history.latest()
    assert (record.history_type, record.history_user) == ("-", manager)


def test_agreement_validate_raises_what_update_would_and_writes_nothing(agreement):
    AllocationFactory(agreement=agreement, amount=D("600000.00"))
    args = agreement_args(
        donor=agreement.donor, reference=agreement.reference, amount=D("500000.00")
    )
    del args["title"]

    assert_refused(
        lambda: agreement_validate(**args, instance=agreement),
        field="amount",
        code="below_allocated",
    )


# --- Allocations ------------------------------------------------------------------


def test_allocation_create_values_it_at_the_agreement_rate(agreement, manager):
    project = ProjectFactory(code="PAK-CT-01")

    allocation = allocation_create(
        agreement=agreement, project=project, amount=D("400000.00"), user=manager
    )

    allocation.refresh_from_db()
    assert allocation.amount_usd == D("432000.00")
    assert allocation.history.get().history_user == manager


def test_allocation_create_accepts_the_exact_remainder(agreement):
    AllocationFactory(agreement=agreement, amount=D("600000.00"))

    allocation = allocation_create(
        agreement=agreement, project=ProjectFactory(), amount=D("400000.00")
    )

    assert allocation.amount == D("400000.00")


def test_allocation_create_refuses_allocations_past_the_agreement(agreement):
    AllocationFactory(agreement=agreement, amount=D("600000.00"))
    project = ProjectFactory()

    error = assert_refused(
        lambda: allocation_create(agreement=agreement, project=project, amount=D("400000.01")),
        field="amount",
        code="allocation_exceeds_agreement",
    )
    assert error.messages == [
        "Allocations would total EUR 1,000,000.01, more than the EUR 1,000,000.00 committed; "
        "EUR 400,000.00 is left to allocate."
    ]


def test_allocation_create_refuses_a_second_allocation_to_the_same_project(agreement):
    existing = AllocationFactory(agreement=agreement, amount=D("100000.00"))

    assert_refused(
        lambda: allocation_create(
            agreement=agreement, project=existing.project, amount=D("1000.00")
        ),
        field="project",
        code="duplicate_allocation",
    )


def test_allocation_create_refuses_fractional_yen(rates):
    agreement = EurAgreementFactory(currency="JPY", amount=D("100000000"), usd_rate=D("0.0075"))
    project = ProjectFactory()

    assert_refused(
        lambda: allocation_create(agreement=agreement, project=project, amount=D("1000.5")),
        field="amount",
        code="invalid_precision",
    )


def test_allocation_create_refuses_a_zero_amount(agreement):
    project = ProjectFactory()

    assert_refused(
        lambda: allocation_create(agreement=agreement, project=project, amount=D("0.00")),
        field="amount",
        code="not_positive",
    )


def test_allocation_update_counts_every_allocation_but_itself(agreement, manager):
    allocation = AllocationFactory(agreement=agreement, amount=D("600000.00"))

    updated = allocation_update(
        allocation=allocation, amount=D("1000000.00"), notes="Whole grant", user=manager
    )

    assert (updated.amount, updated.amount_usd, updated.notes) == (
        D("1000000.00"),
        D("1080000.00"),
        "Whole grant",
    )
    assert updated.history.latest().history_user == manager


def test_allocation_update_refuses_a_raise_past_the_agreement(agreement):
    AllocationFactory(agreement=agreement, amount=D("600000.00"))
    allocation = AllocationFactory(agreement=agreement, amount=D("300000.00"))

    assert_refused(
        lambda: allocation_update(allocation=allocation, amount=D("400000.01")),
        field="amount",
        code="allocation_exceeds_agreement",
    )


def test_allocation_delete_frees_its_amount(agreement, manager):
    allocation = AllocationFactory(agreement=agreement, amount=D("1000000.00"))

    allocation_delete(allocation=allocation, user=manager)

    assert not Allocation.objects.exists()
    assert Allocation.history.latest().history_user == manager
    allocation_create(agreement=agreement, project=ProjectFactory(), amount=D("1000000.00"))


def test_allocation_validate_raises_what_create_would(agreement):
    AllocationFactory(agreement=agreement, amount=D("999999.99"))
    project = ProjectFactory()

    assert_refused(
        lambda: allocation_validate(agreement=agreement, project=project, amount=D("0.02")),
        field="amount",
        code="allocation_exceeds_agreement",
    )


# --- Disbursements ----------------------------------------------------------------


def test_disbursement_create_values_the_plan_at_the_planned_months_rate(agreement, manager):
    tranche = disbursement_create(
        agreement=agreement,
        planned_date=day(2023, 6, 15),
        planned_amount=D("250000.00"),
        user=manager,
    )

    tranche.refresh_from_db()
    assert (tranche.planned_usd_rate, tranche.planned_amount_usd) == (D("1.09"), D("272500.00"))
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
    assert (tranche.planned_usd_rate, tranche.planned_amount_usd) == (D("1.09"), D("272500.00"))
    assert (tranche.received_usd_rate, tranche.received_amount_usd) == (
        D("1.0875"),
        D("271875.00"),
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

    assert (first.planned_usd_rate, last.planned_usd_rate) == (D("1.08"), D("1.0875"))


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


def test_disbursement_create_refuses_a_planned_month_without_a_rate(db):
    ExchangeRateFactory(currency="CAD", month=day(2023, 6, 1), usd_per_unit=D("0.74"))
    agreement = EurAgreementFactory(currency="CAD", usd_rate=D("0.74"))

    assert_refused(
        lambda: disbursement_create(
            agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("100.00")
        ),
        field="planned_date",
        code="no_exchange_rate",
    )


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


def test_disbursement_update_revalues_a_moved_plan_at_its_new_month(agreement, manager):
    tranche = disbursement_create(
        agreement=agreement, planned_date=day(2023, 3, 1), planned_amount=D("100000.00")
    )

    updated = disbursement_update(disbursement=tranche, planned_date=day(2024, 4, 1), user=manager)

    assert (updated.planned_usd_rate, updated.planned_amount_usd) == (
        D("1.0875"),
        D("108750.00"),
    )
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
