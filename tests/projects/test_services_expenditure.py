import datetime
from decimal import Decimal

import pytest

from ctportal.exceptions import DomainError
from projects.models import (
    Expenditure,
)
from projects.services import (
    exchange_rate_set,
    expenditure_create,
    expenditure_delete,
    expenditure_update,
    expenditure_validate,
)
from tests.factories import (
    ExchangeRateFactory,
    ExpenditureFactory,
    ProjectFactory,
)
from tests.projects.services_support import END, START, assert_field_error

# --- Expenditure --------------------------------------------------------------


def test_expenditure_create_in_usd_records_rate_one(manager):
    project = ProjectFactory()

    expenditure = expenditure_create(
        project=project,
        category="training",
        spent_on=datetime.date(2023, 3, 9),
        amount=Decimal("2500.50"),
        user=manager,
    )

    expenditure.refresh_from_db()
    assert (expenditure.usd_rate, expenditure.amount_usd) == (Decimal("1"), Decimal("2500.50"))


def test_expenditure_create_converts_euros_at_the_rate_of_its_month(db):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 1, 1), usd_per_unit="1.08")
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 2, 1), usd_per_unit="1.0725")
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 3, 1), usd_per_unit="1.09")

    expenditure = expenditure_create(
        project=ProjectFactory(),
        category="consultants",
        spent_on=datetime.date(2023, 2, 20),
        amount=Decimal("12345.67"),
        currency="EUR",
    )

    expenditure.refresh_from_db()
    # 12,345.67 x 1.0725 = 13,240.731075 -> 13,240.73
    assert (expenditure.amount, expenditure.currency) == (Decimal("12345.67"), "EUR")
    assert (expenditure.usd_rate, expenditure.amount_usd) == (
        Decimal("1.07250000"),
        Decimal("13240.73"),
    )


def test_expenditure_create_rounds_half_a_cent_up(db):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 2, 1), usd_per_unit="1.08125")

    expenditure = expenditure_create(
        project=ProjectFactory(),
        category="travel",
        spent_on=datetime.date(2023, 2, 1),
        amount=Decimal("100.00"),
        currency="EUR",
    )

    # 108.125 -> 108.13 (banker's rounding would give 108.12)
    assert expenditure.amount_usd == Decimal("108.13")


def test_expenditure_create_converts_yen_with_no_minor_unit(db):
    ExchangeRateFactory(currency="JPY", month=datetime.date(2023, 1, 1), usd_per_unit="0.00672")

    expenditure = expenditure_create(
        project=ProjectFactory(),
        category="equipment",
        spent_on=datetime.date(2023, 1, 31),
        amount=Decimal("769000"),
        currency="JPY",
    )

    assert expenditure.amount_usd == Decimal("5167.68")


def test_expenditure_create_uses_the_latest_earlier_rate_when_its_month_has_none(db):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2022, 12, 1), usd_per_unit="1.05")

    expenditure = expenditure_create(
        project=ProjectFactory(),
        category="travel",
        spent_on=datetime.date(2023, 2, 10),
        amount=Decimal("200.00"),
        currency="EUR",
    )

    assert (expenditure.usd_rate, expenditure.amount_usd) == (Decimal("1.05"), Decimal("210.00"))


def test_expenditure_create_without_a_rate_reports_currency_and_writes_nothing(db):
    # A rate after the date does not count: the month's rate or an earlier one.
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 3, 1), usd_per_unit="1.09")

    with pytest.raises(DomainError) as caught:
        expenditure_create(
            project=ProjectFactory(),
            category="travel",
            spent_on=datetime.date(2023, 2, 10),
            amount=Decimal("200.00"),
            currency="EUR",
        )

    assert_field_error(caught.value, "currency", "no_exchange_rate")
    assert caught.value.messages == [
        "No exchange rate to USD is recorded for EUR in or before February 2023."
    ]
    assert not Expenditure.objects.exists()


@pytest.mark.parametrize("spent_on", [datetime.date(2022, 6, 30), datetime.date(2025, 7, 1)])
def test_expenditure_create_outside_the_project_period_reports_spent_on_and_writes_nothing(
    db, spent_on
):
    project = ProjectFactory()

    with pytest.raises(DomainError) as caught:
        expenditure_create(
            project=project, category="travel", spent_on=spent_on, amount=Decimal("10.00")
        )

    assert_field_error(caught.value, "spent_on", "outside_project_period")
    assert not Expenditure.objects.exists()
    assert not Expenditure.history.exists()


@pytest.mark.parametrize("spent_on", [START, END])
def test_expenditure_create_accepts_the_first_and_last_day_of_the_period(db, spent_on):
    expenditure_create(
        project=ProjectFactory(), category="travel", spent_on=spent_on, amount=Decimal("10.00")
    )

    assert Expenditure.objects.get().spent_on == spent_on


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (Decimal("0"), "USD", "amount_not_positive"),
        (Decimal("-5.00"), "USD", "amount_not_positive"),
        (Decimal("10.001"), "USD", "too_many_decimals"),
        (Decimal("1000.5"), "JPY", "too_many_decimals"),
    ],
)
def test_expenditure_create_refuses_an_amount_and_writes_nothing(db, amount, currency, code):
    ExchangeRateFactory(currency="JPY", month=datetime.date(2023, 1, 1), usd_per_unit="0.00672")

    with pytest.raises(DomainError) as caught:
        expenditure_create(
            project=ProjectFactory(),
            category="travel",
            spent_on=datetime.date(2023, 1, 15),
            amount=amount,
            currency=currency,
        )

    assert_field_error(caught.value, "amount", code)
    assert not Expenditure.objects.exists()


def test_expenditure_create_refuses_a_float(db):
    with pytest.raises(TypeError, match="float"):
        expenditure_create(
            project=ProjectFactory(),
            category="travel",
            spent_on=datetime.date(2023, 1, 15),
            amount=10.1,
        )

    assert not Expenditure.objects.exists()


def test_expenditure_create_history_records_the_user(manager):
    expenditure = expenditure_create(
        project=ProjectFactory(),
        category="travel",
        spent_on=datetime.date(2023, 1, 15),
        amount=Decimal("10.00"),
        user=manager,
    )

    row = expenditure.history.get()
    assert (row.history_type, row.history_user, row.amount) == ("+", manager, Decimal("10.00"))


def test_expenditure_validate_returns_the_rate_it_would_record(db):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 2, 1), usd_per_unit="1.0725")

    rate = expenditure_validate(
        project=ProjectFactory(),
        category="travel",
        spent_on=datetime.date(2023, 2, 2),
        amount=Decimal("1.00"),
        currency="EUR",
    )

    assert rate == Decimal("1.0725")
    assert not Expenditure.objects.exists()


def test_expenditure_update_revalues_a_new_date_at_its_months_rate(manager):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 1, 1), usd_per_unit="1.08")
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 2, 1), usd_per_unit="1.0725")
    expenditure = expenditure_create(
        project=ProjectFactory(),
        category="travel",
        spent_on=datetime.date(2023, 1, 20),
        amount=Decimal("1000.00"),
        currency="EUR",
    )

    expenditure_update(expenditure=expenditure, spent_on=datetime.date(2023, 2, 3), user=manager)

    expenditure.refresh_from_db()
    assert (expenditure.spent_on, expenditure.usd_rate, expenditure.amount_usd) == (
        datetime.date(2023, 2, 3),
        Decimal("1.07250000"),
        Decimal("1072.50"),
    )
    assert expenditure.history.latest().history_user == manager


def test_expenditure_update_of_the_description_keeps_the_recorded_rate(db):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 1, 1), usd_per_unit="1.08")
    expenditure = expenditure_create(
        project=ProjectFactory(),
        category="travel",
        spent_on=datetime.date(2023, 1, 20),
        amount=Decimal("1000.00"),
        currency="EUR",
    )
    exchange_rate_set(
        currency="EUR", month=datetime.date(2023, 1, 1), usd_per_unit=Decimal("1.10"), source="x"
    )

    expenditure_update(expenditure=expenditure, description="Flights Lahore-Karachi")

    expenditure.refresh_from_db()
    assert (expenditure.description, expenditure.usd_rate, expenditure.amount_usd) == (
        "Flights Lahore-Karachi",
        Decimal("1.08000000"),
        Decimal("1080.00"),
    )


def test_expenditure_update_outside_the_period_reports_spent_on_and_changes_nothing(db):
    expenditure = ExpenditureFactory(spent_on=datetime.date(2023, 1, 15))
    history_rows = expenditure.history.count()

    with pytest.raises(DomainError) as caught:
        expenditure_update(expenditure=expenditure, spent_on=datetime.date(2025, 7, 1))

    assert_field_error(caught.value, "spent_on", "outside_project_period")
    assert Expenditure.objects.get().spent_on == datetime.date(2023, 1, 15)
    assert expenditure.history.count() == history_rows


def test_expenditure_delete_removes_the_row_and_history_records_who(manager):
    expenditure = ExpenditureFactory()
    pk = expenditure.pk

    expenditure_delete(expenditure=expenditure, user=manager)

    assert not Expenditure.objects.exists()
    last = Expenditure.history.filter(id=pk).latest()
    assert (last.history_type, last.history_user) == ("-", manager)
