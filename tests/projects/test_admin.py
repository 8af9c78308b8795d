import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import BudgetLine, ExchangeRate, Expenditure, Project
from tests.factories import (
    CountryProgrammeFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    IndicatorFactory,
    OrganisationFactory,
    ProjectFactory,
    ProvinceFactory,
    SubProgrammeFactory,
)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def form_errors(response) -> dict[str, list[str]]:
    return {
        field: list(errors) for field, errors in response.context["adminform"].form.errors.items()
    }


def project_form_data(project: Project, **changes) -> dict:
    data = {
        "code": project.code,
        "title": project.title,
        "description": project.description,
        "sub_programme": project.sub_programme_id,
        "status": project.status,
        "start_date": project.start_date.isoformat(),
        "end_date": project.end_date.isoformat(),
        "dac_sector": project.dac_sector,
        "provinces": [p.pk for p in project.provinces.all()],
        "counterparts": [o.pk for o in project.counterparts.all()],
        "nap_areas": [n.pk for n in project.nap_areas.all()],
        "notes": project.notes,
    }
    return {**data, **changes}


# --- Expenditure --------------------------------------------------------------


def test_admin_refuses_an_expenditure_outside_the_project_period_on_spent_on(admin_client):
    project = ProjectFactory()

    response = admin_client.post(
        "/admin/projects/expenditure/add/",
        {
            "project": project.pk,
            "category": "training",
            "spent_on": "2025-07-01",
            "amount": "1500.00",
            "currency": "USD",
            "description": "Workshop, Karachi",
        },
    )

    assert response.status_code == 200
    assert form_errors(response) == {
        "spent_on": ["01 July 2025 is outside the project's period (01 Jul 2022 - 30 Jun 2025)."]
    }
    assert not Expenditure.objects.exists()
    assert not Expenditure.history.exists()


def test_admin_reports_a_missing_rate_on_currency_and_saves_nothing(admin_client):
    project = ProjectFactory()

    response = admin_client.post(
        "/admin/projects/expenditure/add/",
        {
            "project": project.pk,
            "category": "training",
            "spent_on": "2023-02-10",
            "amount": "1500.00",
            "currency": "EUR",
        },
    )

    assert form_errors(response) == {
        "currency": ["No exchange rate to USD is recorded for EUR in or before February 2023."]
    }
    assert not Expenditure.objects.exists()


def test_admin_adds_an_expenditure_through_the_service_with_its_usd_value(
    admin_client, administrator
):
    project = ProjectFactory()
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 2, 1), usd_per_unit="1.0725")

    response = admin_client.post(
        "/admin/projects/expenditure/add/",
        {
            "project": project.pk,
            "category": "training",
            "spent_on": "2023-02-10",
            "amount": "12345.67",
            "currency": "EUR",
        },
    )

    assert response.status_code == 302
    expenditure = Expenditure.objects.get()
    assert (expenditure.usd_rate, expenditure.amount_usd) == (
        Decimal("1.07250000"),
        Decimal("13240.73"),
    )
    assert expenditure.history.get().history_user == administrator


def test_admin_changes_an_expenditure_amount_and_revalues_it(admin_client):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 1, 1), usd_per_unit="1.08")
    expenditure = ExpenditureFactory(
        currency="EUR", amount=Decimal("100.00"), usd_rate=Decimal("1.08")
    )

    response = admin_client.post(
        f"/admin/projects/expenditure/{expenditure.pk}/change/",
        {
            "project": expenditure.project_id,
            "category": expenditure.category,
            "spent_on": expenditure.spent_on.isoformat(),
            "amount": "200.00",
            "currency": "EUR",
            "description": "",
        },
    )

    assert response.status_code == 302
    expenditure.refresh_from_db()
    assert (expenditure.amount, expenditure.amount_usd) == (Decimal("200.00"), Decimal("216.00"))


def test_admin_deletes_an_expenditure_through_the_service(admin_client, administrator):
    expenditure = ExpenditureFactory()

    response = admin_client.post(
        f"/admin/projects/expenditure/{expenditure.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Expenditure.objects.exists()
    assert Expenditure.history.filter(id=expenditure.pk).latest().history_user == administrator


# --- Projects -----------------------------------------------------------------


def test_admin_adds_a_project_with_its_relations_through_the_service(admin_client, administrator):
    sub_programme = SubProgrammeFactory()
    punjab = ProvinceFactory(code="PK-PB", name="Punjab")
    nacta = OrganisationFactory(short_name="NACTA")

    response = admin_client.post(
        "/admin/projects/project/add/",
        {
            "code": "PAKX20",
            "title": "CFT",
            "sub_programme": sub_programme.pk,
            "status": "2",
            "start_date": "2022-07-01",
            "end_date": "2025-06-30",
            "dac_sector": "15210",
            "provinces": [punjab.pk],
            "counterparts": [nacta.pk],
        },
    )

    assert response.status_code == 302
    project = Project.objects.get()
    assert (list(project.provinces.all()), list(project.counterparts.all())) == ([punjab], [nacta])
    assert {row.history_user for row in project.history.all()} == {administrator}


def test_admin_refuses_to_move_a_project_period_past_its_expenditure(admin_client):
    project = ProjectFactory()
    ExpenditureFactory(project=project, spent_on=datetime.date(2023, 1, 15))

    response = admin_client.post(
        f"/admin/projects/project/{project.pk}/change/",
        project_form_data(project, start_date="2023-02-01"),
    )

    assert response.status_code == 200
    assert form_errors(response) == {
        "start_date": ["An expenditure is recorded on 15 January 2023, before this start date."]
    }
    assert Project.objects.get(pk=project.pk).start_date == datetime.date(2022, 7, 1)


def test_admin_refuses_a_project_ending_before_it_starts(admin_client):
    response = admin_client.post(
        "/admin/projects/project/add/",
        {
            "code": "PAKX20",
            "title": "CFT",
            "sub_programme": SubProgrammeFactory().pk,
            "status": "2",
            "start_date": "2022-07-01",
            "end_date": "2022-06-30",
        },
    )

    assert form_errors(response) == {"end_date": ["The end date cannot be before the start date."]}
    assert not Project.objects.exists()


def test_project_change_list_query_count_is_the_same_for_one_and_five_projects(
    admin_client, django_assert_num_queries
):
    provinces = [
        ProvinceFactory(code="PK-PB", name="Punjab"),
        ProvinceFactory(code="PK-SD", name="Sindh"),
    ]
    counterparts = [OrganisationFactory(), OrganisationFactory()]
    sub_programmes = [
        SubProgrammeFactory(code="SP-IV"),
        SubProgrammeFactory(programme=CountryProgrammeFactory(code="CP-PAK-II"), code="SP-I"),
    ]

    def add_project(n: int) -> None:
        project = ProjectFactory(sub_programme=sub_programmes[n % 2])
        project.provinces.set(provinces)
        project.counterparts.set(counterparts)

    add_project(0)
    with CaptureQueriesContext(connection) as one:
        response = admin_client.get("/admin/projects/project/")
    assert response.status_code == 200
    for n in range(1, 5):
        add_project(n)

    with django_assert_num_queries(len(one.captured_queries)):
        response = admin_client.get("/admin/projects/project/")

    assert response.context["cl"].result_count == 5


# --- Budget lines and exchange rates ------------------------------------------


def test_admin_refuses_a_budget_line_outside_the_project_period_on_year(admin_client):
    project = ProjectFactory()

    response = admin_client.post(
        "/admin/projects/budgetline/add/",
        {
            "project": project.pk,
            "category": "training",
            "year": "2026",
            "amount": "1000.00",
            "currency": "USD",
        },
    )

    assert form_errors(response) == {"year": ["2026 is outside the project's period (2022-2025)."]}
    assert not BudgetLine.objects.exists()


def test_admin_changes_a_budget_line_amount_through_the_service(admin_client, administrator):
    project = ProjectFactory()
    line = BudgetLine.objects.create(
        project=project, category="training", year=2023, amount=Decimal("100.00")
    )

    response = admin_client.post(
        f"/admin/projects/budgetline/{line.pk}/change/", {"amount": "250.00", "currency": "USD"}
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.amount == Decimal("250.00")
    assert line.history.latest().history_user == administrator


def test_admin_adds_an_exchange_rate_on_the_first_of_its_month(admin_client):
    response = admin_client.post(
        "/admin/projects/exchangerate/add/",
        {"currency": "EUR", "month": "2023-02-17", "usd_per_unit": "1.0725", "source": "UN"},
    )

    assert response.status_code == 302
    assert list(ExchangeRate.objects.values_list("currency", "month")) == [
        ("EUR", datetime.date(2023, 2, 1))
    ]


def test_admin_refuses_a_usd_exchange_rate(admin_client):
    response = admin_client.post(
        "/admin/projects/exchangerate/add/",
        {"currency": "USD", "month": "2023-02-01", "usd_per_unit": "1", "source": "UN"},
    )

    assert form_errors(response) == {
        "currency": ["USD is the reporting currency: its rate is always 1."]
    }
    assert not ExchangeRate.objects.exists()


def test_admin_refuses_a_second_rate_for_the_same_month(admin_client):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 2, 1), usd_per_unit="1.07")

    response = admin_client.post(
        "/admin/projects/exchangerate/add/",
        {"currency": "EUR", "month": "2023-02-20", "usd_per_unit": "1.0725", "source": "UN"},
    )

    assert response.status_code == 200
    assert ExchangeRate.objects.get().usd_per_unit == Decimal("1.07")


def test_admin_refuses_an_indicator_target_not_above_its_baseline(admin_client):
    indicator = IndicatorFactory(baseline=Decimal("0"), target=Decimal("100"))

    response = admin_client.post(
        f"/admin/projects/indicator/{indicator.pk}/change/",
        {
            "output": indicator.output_id,
            "code": indicator.code,
            "title": indicator.title,
            "unit": indicator.unit,
            "baseline": "100",
            "target": "100",
        },
    )

    assert form_errors(response) == {"target": ["The target must be above the baseline (100)."]}
    indicator.refresh_from_db()
    assert (indicator.baseline, indicator.target) == (Decimal("0.00"), Decimal("100.00"))


@pytest.mark.parametrize(
    "model",
    [
        "province",
        "naparea",
        "exchangerate",
        "countryprogramme",
        "subprogramme",
        "project",
        "budgetline",
        "expenditure",
        "outcome",
        "output",
        "indicator",
    ],
)
def test_every_projects_admin_page_opens(admin_client, model):
    ExpenditureFactory()
    IndicatorFactory()

    assert admin_client.get(f"/admin/projects/{model}/").status_code == 200
    assert admin_client.get(f"/admin/projects/{model}/add/").status_code == 200
