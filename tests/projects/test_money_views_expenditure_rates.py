"""Money pages for programme managers through the test client: the budget grid, expenditures
and exchange rates. Saved values are exact; refusals show under their row and field and
write nothing; every change keeps who, when, what and why; lists do not grow in queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import ExchangeRate, Expenditure
from tests.factories import (
    ExchangeRateFactory,
    ExpenditureFactory,
    UserFactory,
)
from tests.projects.money_views_support import errors_of

# --- Expenditures ---------------------------------------------------------------------------


def test_manager_records_an_expenditure_in_euro_at_the_months_rate(project, manager_client):
    ExchangeRateFactory(
        currency="EUR", month=datetime.date(2023, 5, 1), usd_per_unit=Decimal("1.0875")
    )

    response = manager_client.post(
        reverse("projects:expenditure-create", args=["P1"]),
        {
            "project": project.pk,
            "category": "training",
            "spent_on": "2023-05-17",
            "amount": "1234.56",
            "currency": "EUR",
            "description": "Venue, Lahore workshop",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/projects/P1/expenditures/"
    expenditure = Expenditure.objects.get()
    assert (
        expenditure.project,
        expenditure.category,
        expenditure.spent_on,
        expenditure.amount,
        expenditure.currency,
        expenditure.usd_rate,
        expenditure.amount_usd,
        expenditure.description,
    ) == (
        project,
        "training",
        datetime.date(2023, 5, 17),
        Decimal("1234.56"),
        "EUR",
        Decimal("1.08750000"),
        Decimal("1342.58"),
        "Venue, Lahore workshop",
    )
    listing = manager_client.get(response["Location"]).content.decode()
    assert "EUR 1,234.56" in listing
    assert "1,342.58" in listing


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"spent_on": "2021-05-17"},
            "id_spent_on",
            "17 May 2021 is outside the project&#x27;s period (01 Jul 2022 - 30 Jun 2025).",
        ),
        (
            {"currency": "JPY", "amount": "100"},
            "id_currency",
            "No exchange rate to USD is recorded for JPY in or before May 2023.",
        ),
        ({"amount": "0"}, "id_amount", "An expenditure must be greater than zero."),
    ],
)
def test_expenditure_refusals_show_on_their_field_and_write_nothing(
    project, manager_client, overrides, field, message
):
    data = {
        "project": project.pk,
        "category": "training",
        "spent_on": "2023-05-17",
        "amount": "10",
        "currency": "USD",
    }
    data.update(overrides)

    response = manager_client.post(reverse("projects:expenditure-create", args=["P1"]), data)

    assert response.status_code == 400
    assert errors_of(response, field) == message
    assert not Expenditure.objects.exists()


def test_every_rule_an_expenditure_breaks_is_shown_at_once(project, manager_client):
    response = manager_client.post(
        reverse("projects:expenditure-create", args=["P1"]),
        {
            "project": project.pk,
            "category": "training",
            "spent_on": "2019-02-01",
            "amount": "0",
            "currency": "EUR",
        },
    )

    assert response.status_code == 400
    assert errors_of(response, "id_amount") == "An expenditure must be greater than zero."
    assert errors_of(response, "id_spent_on") == (
        "01 February 2019 is outside the project&#x27;s period (01 Jul 2022 - 30 Jun 2025)."
    )
    assert errors_of(response, "id_currency") == (
        "No exchange rate to USD is recorded for EUR in or before February 2019."
    )
    assert not Expenditure.objects.exists()


def test_correcting_an_expenditure_needs_a_reason_and_keeps_it_in_the_history(
    project, manager_client, manager
):
    expenditure = ExpenditureFactory(project=project, amount=Decimal("1000.00"))
    url = reverse("projects:expenditure-update", args=["P1", expenditure.pk])
    data = {
        "project": project.pk,
        "category": "travel",
        "spent_on": "2023-01-15",
        "amount": "950.00",
        "currency": "USD",
        "description": "",
    }

    refused = manager_client.post(url, data)
    assert refused.status_code == 400
    assert errors_of(refused, "id_reason") == "This field is required."
    assert Expenditure.objects.get().amount == Decimal("1000.00")

    saved = manager_client.post(url, {**data, "reason": "Credit note from the hotel"})
    assert saved.status_code == 302
    expenditure.refresh_from_db()
    assert (expenditure.category, expenditure.amount, expenditure.amount_usd) == (
        "travel",
        Decimal("950.00"),
        Decimal("950.00"),
    )
    latest = expenditure.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        manager,
        "Credit note from the hotel",
    )
    page = manager_client.get(url).content.decode()
    history = page[page.index('id="history-heading"') :]
    assert "Credit note from the hotel" in history
    assert "USD 1,000.00 → USD 950.00" in history
    assert "Training, workshops and meetings → Travel" in history


def test_deleting_an_expenditure_asks_for_confirmation_and_a_reason(
    project, manager_client, manager
):
    expenditure = ExpenditureFactory(project=project, description="Printer")
    url = reverse("projects:expenditure-delete", args=["P1", expenditure.pk])

    confirm = manager_client.get(url)
    assert confirm.status_code == 200
    assert "Delete this expenditure?" in confirm.content.decode()

    refused = manager_client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert errors_of(refused, "id_reason") == "This field is required."
    assert Expenditure.objects.filter(pk=expenditure.pk).exists()

    response = manager_client.post(url, {"reason": "Entered twice"})
    assert response.status_code == 302
    assert not Expenditure.objects.exists()
    listing = manager_client.get(reverse("projects:expenditure-list", args=["P1"]))
    deleted = listing.content.decode().split('data-testid="deleted-expenditures"')[1]
    assert "Amina Khan" in deleted
    assert "Entered twice" in deleted
    assert "Printer" in deleted


def test_an_expenditure_of_another_project_is_not_found_under_this_one(project, manager_client):
    other = ExpenditureFactory()

    for name in ("projects:expenditure-update", "projects:expenditure-delete"):
        assert manager_client.get(reverse(name, args=["P1", other.pk])).status_code == 404
    assert (
        manager_client.post(
            reverse("projects:expenditure-delete", args=["P1", other.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert Expenditure.objects.filter(pk=other.pk).exists()


def test_expenditure_list_query_count_does_not_grow(project, manager_client):
    def count(n):
        Expenditure.objects.all().delete()
        ExpenditureFactory.create_batch(n, project=project)
        deleted = ExpenditureFactory(project=project)
        deleted._history_user = UserFactory()
        deleted.delete()
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(reverse("projects:expenditure-list", args=["P1"]))
        assert len(response.context["expenditures"]) == n
        return len(queries)

    assert count(1) == count(5)


# --- Exchange rates ---------------------------------------------------------------------------


def test_rate_list_filters_by_currency_and_sorts_by_month(manager_client):
    for month, currency in ((1, "EUR"), (3, "EUR"), (2, "EUR"), (2, "JPY")):
        ExchangeRateFactory(currency=currency, month=datetime.date(2023, month, 1))
    url = reverse("projects:rate-list")

    newest = manager_client.get(url + "?currency=EUR")
    assert [r.month.month for r in newest.context["rates"]] == [3, 2, 1]
    assert {r.currency for r in newest.context["rates"]} == {"EUR"}
    assert 'aria-sort="descending"' in newest.content.decode()

    oldest = manager_client.get(url + "?currency=EUR&sort=month")
    assert [r.month.month for r in oldest.context["rates"]] == [1, 2, 3]
    assert 'aria-sort="ascending"' in oldest.content.decode()


def test_manager_adds_a_rate_for_the_month(manager_client, manager):
    response = manager_client.post(
        reverse("projects:rate-create"),
        {"currency": "EUR", "month": "2023-04-18", "usd_per_unit": "1.0987", "source": "UN ORE"},
    )

    assert response.status_code == 302
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.month, rate.usd_per_unit, rate.source) == (
        "EUR",
        datetime.date(2023, 4, 1),
        Decimal("1.09870000"),
        "UN ORE",
    )
    assert rate.history.get().history_user == manager


def test_adding_a_rate_for_a_month_already_recorded_is_refused(manager_client):
    ExchangeRateFactory(
        currency="EUR", month=datetime.date(2023, 4, 1), usd_per_unit=Decimal("1.1")
    )

    response = manager_client.post(
        reverse("projects:rate-create"),
        {"currency": "EUR", "month": "2023-04-30", "usd_per_unit": "2", "source": "x"},
    )

    assert response.status_code == 400
    assert errors_of(response, "id_month") == (
        "A rate for EUR April 2023 is already recorded: correct it from the list instead."
    )
    assert ExchangeRate.objects.get().usd_per_unit == Decimal("1.10000000")


def test_a_negative_rate_is_refused_on_its_field(manager_client):
    response = manager_client.post(
        reverse("projects:rate-create"),
        {"currency": "EUR", "month": "2023-04-01", "usd_per_unit": "-1", "source": "x"},
    )

    assert response.status_code == 400
    assert errors_of(response, "id_usd_per_unit") == "The rate must be greater than zero."
    assert not ExchangeRate.objects.exists()


def test_correcting_a_rate_keeps_currency_and_month_and_records_why(manager_client, manager):
    rate = ExchangeRateFactory(
        currency="EUR", month=datetime.date(2023, 4, 1), usd_per_unit=Decimal("1.1")
    )
    url = reverse("projects:rate-update", args=[rate.pk])

    response = manager_client.post(
        url,
        {
            "currency": "JPY",  # ignored: a correction keeps the currency and month
            "month": "2024-01-01",
            "usd_per_unit": "1.0915",
            "source": "UN ORE, corrected",
            "reason": "Typo in the April figure",
        },
    )

    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.currency, rate.month, rate.usd_per_unit, rate.source) == (
        "EUR",
        datetime.date(2023, 4, 1),
        Decimal("1.09150000"),
        "UN ORE, corrected",
    )
    page = manager_client.get(url).content.decode()
    history = page[page.index('id="history-heading"') :]
    assert "Typo in the April figure" in history
    assert "1.1 → 1.0915" in history


def test_rate_list_query_count_does_not_grow(manager_client):
    def count(n):
        ExchangeRate.objects.all().delete()
        for month in range(1, n + 1):
            ExchangeRateFactory(month=datetime.date(2023, month, 1))
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(reverse("projects:rate-list"))
        assert len(response.context["rates"]) == n
        return len(queries)

    assert count(1) == count(5)
