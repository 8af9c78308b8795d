"""The money rules of donors.services: each rule, its exact figures, and on every refusal
proof that nothing was written (rows and history alike)."""

import pytest

from donors.models import FundingAgreement
from donors.services import (
    agreement_create,
    agreement_delete,
    agreement_update,
    agreement_validate,
)
from projects.models import ExchangeRate
from tests.donors.services_support import D, assert_refused, day, db_state
from tests.factories import (
    AllocationFactory,
    DisbursementFactory,
    DonorFactory,
    EurAgreementFactory,
    ImplementerFactory,
    OrganisationFactory,
    ReceivedDisbursementFactory,
)


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
