import datetime
from decimal import Decimal

import pytest

from ctportal.exceptions import DomainError
from projects.models import (
    ExchangeRate,
    Project,
)
from projects.services import (
    exchange_rate_set,
    project_create,
    project_update,
)
from tests.factories import (
    BudgetLineFactory,
    CountryProgrammeFactory,
    DonorFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    NapAreaFactory,
    OrganisationFactory,
    ProjectFactory,
    ProvinceFactory,
    SubProgrammeFactory,
)
from tests.projects.services_support import END, START, assert_field_error

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
