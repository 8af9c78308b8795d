import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from ctportal.exceptions import DomainError
from projects.models import (
    BudgetLine,
    ExchangeRate,
    Expenditure,
    Indicator,
    Outcome,
    Output,
    Project,
)
from projects.services import (
    budget_line_set,
    exchange_rate_set,
    expenditure_create,
    expenditure_delete,
    expenditure_update,
    expenditure_validate,
    indicator_create,
    outcome_create,
    output_create,
    project_create,
    project_update,
)
from tests.factories import (
    BudgetLineFactory,
    CountryProgrammeFactory,
    DonorFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    IndicatorFactory,
    NapAreaFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    ProvinceFactory,
    SubProgrammeFactory,
)

# ProjectFactory's period: 1 July 2022 to 30 June 2025.
START = datetime.date(2022, 7, 1)
END = datetime.date(2025, 6, 30)


def assert_field_error(error: DomainError, field: str, code: str) -> None:
    assert error.field == field
    assert error.domain_code == code
    assert [e.code for e in error.error_dict[field]] == [code]


# --- Exchange rates -----------------------------------------------------------


def test_exchange_rate_set_stores_the_rate_on_the_first_of_the_month(manager):
    rate = exchange_rate_set(
        currency="EUR",
        month=datetime.date(2023, 2, 17),
        usd_per_unit=Decimal("1.0725"),
        source="UN operational rates, February 2023",
        user=manager,
    )

    rate.refresh_from_db()
    assert (rate.currency, rate.month, rate.usd_per_unit) == (
        "EUR",
        datetime.date(2023, 2, 1),
        Decimal("1.07250000"),
    )
    assert rate.history.get().history_user == manager


def test_exchange_rate_set_corrects_the_months_rate_instead_of_adding_one(manager):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 2, 1), usd_per_unit="1.07")

    exchange_rate_set(
        currency="EUR",
        month=datetime.date(2023, 2, 28),
        usd_per_unit=Decimal("1.0725"),
        source="corrected",
        user=manager,
    )

    assert list(ExchangeRate.objects.values_list("month", "usd_per_unit", "source")) == [
        (datetime.date(2023, 2, 1), Decimal("1.07250000"), "corrected")
    ]


@pytest.mark.parametrize(
    ("currency", "rate", "field", "code"),
    [
        ("USD", Decimal("1"), "currency", "usd_is_base"),
        ("XYZ", Decimal("1"), "currency", "unknown_currency"),
        ("EUR", Decimal("0"), "usd_per_unit", "rate_not_positive"),
        ("EUR", Decimal("-1.08"), "usd_per_unit", "rate_not_positive"),
        ("JPY", Decimal("0.006720001"), "usd_per_unit", "too_many_decimals"),
    ],
)
def test_exchange_rate_set_refuses_an_invalid_rate_and_writes_nothing(
    db, currency, rate, field, code
):
    with pytest.raises(DomainError) as caught:
        exchange_rate_set(
            currency=currency, month=datetime.date(2023, 1, 1), usd_per_unit=rate, source="x"
        )

    assert_field_error(caught.value, field, code)
    assert not ExchangeRate.objects.exists()


# --- Projects -----------------------------------------------------------------


def test_project_create_saves_the_project_with_its_provinces_counterparts_and_nap_areas(manager):
    sub_programme = SubProgrammeFactory()
    punjab = ProvinceFactory(code="PK-PB", name="Punjab")
    sindh = ProvinceFactory(code="PK-SD", name="Sindh")
    nacta = OrganisationFactory(short_name="NACTA")
    nap_6 = NapAreaFactory(version="2014", number=6)

    project = project_create(
        code="PAKX20",
        title="Countering the financing of terrorism",
        sub_programme=sub_programme,
        start_date=START,
        end_date=END,
        dac_sector="15210",
        provinces=[punjab, sindh],
        counterparts=[nacta],
        nap_areas=[nap_6],
        user=manager,
    )

    project = Project.objects.get(pk=project.pk)
    assert (project.code, project.start_date, project.end_date, project.status) == (
        "PAKX20",
        START,
        END,
        Project.Status.IMPLEMENTATION,
    )
    assert set(project.provinces.values_list("code", flat=True)) == {"PK-PB", "PK-SD"}
    assert list(project.counterparts.all()) == [nacta]
    assert list(project.nap_areas.all()) == [nap_6]


def test_project_create_history_records_the_user_and_the_relations(manager):
    punjab = ProvinceFactory(code="PK-PB", name="Punjab")

    project = project_create(
        code="PAKX20",
        title="CFT",
        sub_programme=SubProgrammeFactory(),
        start_date=START,
        end_date=END,
        provinces=[punjab],
        user=manager,
    )

    rows = list(project.history.order_by("history_date", "history_id"))
    assert [(row.history_type, row.history_user) for row in rows] == [
        ("+", manager),
        ("~", manager),
    ]
    assert [p.province_id for p in rows[-1].provinces.all()] == ["PK-PB"]


def test_project_create_accepts_a_project_of_one_day(db):
    project = project_create(
        code="ONE-DAY",
        title="Workshop",
        sub_programme=SubProgrammeFactory(),
        start_date=START,
        end_date=START,
    )

    assert project.end_date == project.start_date == START


def test_project_create_accepts_a_historic_period_outside_its_country_programme(db):
    # CP-II projects (2016-2019) are recorded under today's programme structure.
    project = project_create(
        code="PAKX08",
        title="Border security",
        sub_programme=SubProgrammeFactory(programme=CountryProgrammeFactory()),
        start_date=datetime.date(2016, 3, 10),
        end_date=datetime.date(2020, 3, 31),
    )

    assert Project.objects.get(pk=project.pk).start_date == datetime.date(2016, 3, 10)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"end_date": datetime.date(2022, 6, 30)}, "end_date", "end_before_start"),
        ({"dac_sector": "1521"}, "dac_sector", "invalid_dac_sector"),
        ({"dac_sector": "15210a"}, "dac_sector", "invalid_dac_sector"),
        ({"dac_sector": "ABCDE"}, "dac_sector", "invalid_dac_sector"),
        ({"status": "9"}, "status", "invalid_choice"),
    ],
)
def test_project_create_refuses_a_broken_rule_and_writes_nothing(db, overrides, field, code):
    values = {
        "code": "PAKX20",
        "title": "CFT",
        "sub_programme": SubProgrammeFactory(),
        "start_date": START,
        "end_date": END,
    }

    with pytest.raises(DomainError) as caught:
        project_create(**{**values, **overrides})

    assert_field_error(caught.value, field, code)
    assert not Project.objects.exists()


def test_project_create_refuses_a_donor_as_counterpart_and_writes_nothing(db):
    nacta = OrganisationFactory(short_name="NACTA")
    japan = DonorFactory(short_name="JAPAN")

    with pytest.raises(DomainError) as caught:
        project_create(
            code="PAKX20",
            title="CFT",
            sub_programme=SubProgrammeFactory(),
            start_date=START,
            end_date=END,
            counterparts=[nacta, japan],
        )

    assert_field_error(caught.value, "counterparts", "not_a_counterpart")
    assert caught.value.messages == ["Not counterpart organisations: JAPAN."]
    assert not Project.objects.exists()
    assert not Project.counterparts.through.objects.exists()


def test_project_create_refuses_a_code_already_taken(db):
    ProjectFactory(code="PAKX20")

    with pytest.raises(DomainError) as caught:
        project_create(
            code="PAKX20",
            title="Another",
            sub_programme=SubProgrammeFactory(),
            start_date=START,
            end_date=END,
        )

    assert_field_error(caught.value, "code", "duplicate_code")
    assert Project.objects.count() == 1


def test_project_update_changes_fields_and_relations_in_one_history_row(manager):
    project = ProjectFactory(title="Old title")
    before = project.history.count()
    sindh = ProvinceFactory(code="PK-SD", name="Sindh")
    ctd = OrganisationFactory(short_name="CTD-SINDH")

    project_update(
        project=project,
        title="New title",
        end_date=datetime.date(2025, 12, 31),
        provinces=[sindh],
        counterparts=[ctd],
        user=manager,
    )

    project = Project.objects.get(pk=project.pk)
    assert (project.title, project.end_date) == ("New title", datetime.date(2025, 12, 31))
    assert list(project.provinces.all()) == [sindh]
    assert list(project.counterparts.all()) == [ctd]
    assert project.history.count() == before + 1
    latest = project.history.latest()
    assert (latest.history_type, latest.history_user, latest.title) == ("~", manager, "New title")
    assert [c.organisation_id for c in latest.counterparts.all()] == [ctd.pk]


@pytest.mark.parametrize(
    ("period", "field"),
    [
        ({"start_date": datetime.date(2023, 1, 16)}, "start_date"),
        ({"end_date": datetime.date(2023, 1, 14)}, "end_date"),
    ],
)
def test_project_update_refuses_a_period_that_leaves_an_expenditure_outside(db, period, field):
    project = ProjectFactory()
    ExpenditureFactory(project=project, spent_on=datetime.date(2023, 1, 15))

    with pytest.raises(DomainError) as caught:
        project_update(project=project, **period)

    assert_field_error(caught.value, field, "expenditure_outside_period")
    assert Project.objects.values_list("start_date", "end_date").get(pk=project.pk) == (
        START,
        END,
    )


def test_project_update_accepts_a_period_that_still_covers_its_expenditures(db):
    project = ProjectFactory()
    ExpenditureFactory(project=project, spent_on=datetime.date(2023, 1, 15))

    project_update(
        project=project, start_date=datetime.date(2023, 1, 15), end_date=datetime.date(2023, 1, 15)
    )

    assert Project.objects.values_list("start_date", "end_date").get(pk=project.pk) == (
        datetime.date(2023, 1, 15),
        datetime.date(2023, 1, 15),
    )


def test_project_update_refuses_a_period_that_leaves_a_budget_year_outside(db):
    project = ProjectFactory()
    BudgetLineFactory(project=project, year=2025)

    with pytest.raises(DomainError) as caught:
        project_update(project=project, end_date=datetime.date(2024, 12, 31))

    assert_field_error(caught.value, "end_date", "budget_outside_period")
    assert Project.objects.get(pk=project.pk).end_date == END


def test_project_update_refuses_a_donor_as_counterpart_and_keeps_the_old_ones(db):
    nacta = OrganisationFactory(short_name="NACTA")
    project = ProjectFactory()
    project.counterparts.set([nacta])

    with pytest.raises(DomainError) as caught:
        project_update(project=project, counterparts=[DonorFactory()])

    assert_field_error(caught.value, "counterparts", "not_a_counterpart")
    assert list(Project.objects.get(pk=project.pk).counterparts.all()) == [nacta]


def test_project_update_refuses_a_field_that_is_not_editable(db):
    project = ProjectFactory()

    with pytest.raises(TypeError, match="created_at"):
        project_update(project=project, created_at=datetime.datetime.now(datetime.UTC))


# --- Budget -------------------------------------------------------------------


def test_budget_line_set_creates_a_line_and_records_the_user(manager):
    project = ProjectFactory()

    line = budget_line_set(
        project=project, category="training", year=2023, amount=Decimal("120000.00"), user=manager
    )

    assert list(BudgetLine.objects.values_list("category", "year", "amount", "currency")) == [
        ("training", 2023, Decimal("120000.00"), "USD")
    ]
    assert line.history.get().history_user == manager


def test_budget_line_set_replaces_the_amount_of_the_same_category_and_year(db):
    project = ProjectFactory()
    BudgetLineFactory(project=project, category="training", year=2023, amount="100000.00")

    budget_line_set(project=project, category="training", year=2023, amount=Decimal("90000.50"))

    assert list(BudgetLine.objects.values_list("year", "amount")) == [(2023, Decimal("90000.50"))]


@pytest.mark.parametrize("year", [2022, 2025])
def test_budget_line_set_accepts_the_first_and_last_year_of_the_period(db, year):
    budget_line_set(project=ProjectFactory(), category="travel", year=year, amount=Decimal("0"))

    assert BudgetLine.objects.get().year == year


@pytest.mark.parametrize(
    ("year", "amount", "currency", "field", "code"),
    [
        (2021, Decimal("100.00"), "USD", "year", "outside_project_period"),
        (2026, Decimal("100.00"), "USD", "year", "outside_project_period"),
        (2023, Decimal("-0.01"), "USD", "amount", "negative_amount"),
        (2023, Decimal("100.005"), "USD", "amount", "too_many_decimals"),
        (2023, Decimal("1000.50"), "JPY", "amount", "too_many_decimals"),
        (2023, Decimal("100.00"), "XYZ", "currency", "unknown_currency"),
    ],
)
def test_budget_line_set_refuses_a_broken_rule_and_writes_nothing(
    db, year, amount, currency, field, code
):
    project = ProjectFactory()

    with pytest.raises(DomainError) as caught:
        budget_line_set(
            project=project, category="training", year=year, amount=amount, currency=currency
        )

    assert_field_error(caught.value, field, code)
    assert not BudgetLine.objects.exists()


def test_budget_line_set_refuses_an_unknown_category(db):
    with pytest.raises(DomainError) as caught:
        budget_line_set(
            project=ProjectFactory(), category="lunch", year=2023, amount=Decimal("1.00")
        )

    assert_field_error(caught.value, "category", "invalid_choice")
    assert not BudgetLine.objects.exists()


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


# --- Results framework --------------------------------------------------------


def test_outcome_create_for_a_project_of_its_sub_programme(db):
    project = ProjectFactory()

    outcome = outcome_create(
        sub_programme=project.sub_programme, project=project, code="Oc1", title="CTDs investigate"
    )

    assert Outcome.objects.get() == outcome
    assert outcome.project == project


def test_outcome_create_refuses_a_project_of_another_sub_programme(db):
    project = ProjectFactory()
    other = SubProgrammeFactory(code="SP-I")

    with pytest.raises(DomainError) as caught:
        outcome_create(sub_programme=other, project=project, code="Oc1", title="x")

    assert_field_error(caught.value, "project", "project_in_other_sub_programme")
    assert not Outcome.objects.exists()


def test_outcome_create_refuses_a_second_sub_programme_outcome_with_the_same_code(db):
    # The database's unique constraint cannot see this one: project is NULL.
    existing = OutcomeFactory(code="Oc1")

    with pytest.raises(DomainError) as caught:
        outcome_create(sub_programme=existing.sub_programme, code="Oc1", title="again")

    assert_field_error(caught.value, "code", "duplicate_code")
    assert Outcome.objects.count() == 1


def test_output_create_and_refuse_a_duplicate_code(db):
    outcome = OutcomeFactory()
    output = output_create(outcome=outcome, code="1.1", title="CT investigation improved")

    with pytest.raises(DomainError) as caught:
        output_create(outcome=outcome, code="1.1", title="again")

    assert_field_error(caught.value, "code", "duplicate_code")
    assert list(Output.objects.all()) == [output]


def test_indicator_create_saves_targets_and_disaggregation(manager):
    output = OutputFactory()

    indicator = indicator_create(
        output=output,
        code="1.1.a",
        title="Officials trained",
        unit="persons",
        baseline=Decimal("0"),
        target=Decimal("300"),
        by_sex=True,
        by_province=True,
        user=manager,
    )

    indicator.refresh_from_db()
    assert (indicator.baseline, indicator.target, indicator.by_sex, indicator.by_province) == (
        Decimal("0.00"),
        Decimal("300.00"),
        True,
        True,
    )
    assert indicator.history.get().history_user == manager


@pytest.mark.parametrize(
    ("baseline", "target", "field", "code"),
    [
        (Decimal("10"), Decimal("10"), "target", "target_not_above_baseline"),
        (Decimal("10"), Decimal("5"), "target", "target_not_above_baseline"),
        (Decimal("-1"), Decimal("5"), "baseline", "negative_value"),
        (Decimal("0"), Decimal("-5"), "target", "negative_value"),
    ],
)
def test_indicator_create_refuses_a_target_rule_and_writes_nothing(
    db, baseline, target, field, code
):
    output = OutputFactory()

    with pytest.raises(DomainError) as caught:
        indicator_create(
            output=output, code="I1", title="x", unit="persons", baseline=baseline, target=target
        )

    assert_field_error(caught.value, field, code)
    assert not Indicator.objects.exists()


def test_indicator_create_refuses_a_duplicate_code(db):
    existing = IndicatorFactory(code="I1")

    with pytest.raises(DomainError) as caught:
        indicator_create(output=existing.output, code="I1", title="x", unit="persons", target=5)

    assert_field_error(caught.value, "code", "duplicate_code")
    assert Indicator.objects.count() == 1


# --- Concurrency (PostgreSQL) -------------------------------------------------


@pytest.mark.postgres
def test_a_period_change_waits_for_a_concurrent_expenditure_and_then_refuses(
    require_postgres, transactional_db
):
    """Without the project row lock both would pass their checks and leave an
    expenditure outside the new period."""
    project = ProjectFactory()
    recorded, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def record_expenditure() -> None:
        try:
            with transaction.atomic():
                expenditure_create(
                    project=project,
                    category="travel",
                    spent_on=datetime.date(2023, 1, 15),
                    amount=Decimal("10.00"),
                )
                recorded.set()
                release.wait(5)
        finally:
            connection.close()

    def move_period() -> None:
        recorded.wait(5)
        try:
            project_update(
                project=Project.objects.get(pk=project.pk), start_date=datetime.date(2023, 2, 1)
            )
            outcome["moved"] = True
        except DomainError as error:
            outcome["error"] = error
        finally:
            connection.close()

    writer, mover = (
        threading.Thread(target=record_expenditure),
        threading.Thread(target=move_period),
    )
    writer.start()
    mover.start()
    recorded.wait(5)
    time.sleep(0.5)  # the mover is now blocked on the project's row lock
    release.set()
    writer.join(10)
    mover.join(10)

    assert "moved" not in outcome
    assert_field_error(outcome["error"], "start_date", "expenditure_outside_period")
    assert Project.objects.get(pk=project.pk).start_date == START
    assert Expenditure.objects.get().spent_on == datetime.date(2023, 1, 15)
