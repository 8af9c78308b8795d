"""Money pages for programme managers through the test client: the budget grid, expenditures
and exchange rates. Saved values are exact; refusals show under their row and field and
write nothing; every change keeps who, when, what and why; lists do not grow in queries."""

import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import BudgetLine
from tests.factories import (
    BudgetLineFactory,
)
from tests.projects.money_views_support import errors_of


def grid(rows: list[dict], *, initial: int = 0, reason: str = "") -> dict:
    data = {
        "budget-TOTAL_FORMS": str(len(rows)),
        "budget-INITIAL_FORMS": str(initial),
        "budget-MIN_NUM_FORMS": "0",
        "budget-MAX_NUM_FORMS": "200",
        "reason": reason,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"budget-{index}-{name}"] = value
    return data


def lines(project):
    return sorted(
        BudgetLine.objects.filter(project=project).values_list(
            "category", "year", "amount", "currency"
        )
    )


# --- Budget grid -----------------------------------------------------------------------------


def test_budget_grid_shows_saved_lines_with_a_label_on_every_input(project, manager_client):
    BudgetLineFactory(project=project, category="training", year=2023)

    html = manager_client.get(reverse("projects:budget", args=["P1"])).content.decode()

    # One saved line and two blank rows, each input labelled with its column and row.
    for row, index in ((1, 0), (2, 1), (3, 2)):
        for field, label in (("category", "Category"), ("year", "Year"), ("amount", "Amount")):
            expected = (
                f'<label class="grid-label" for="id_budget-{index}-{field}">{label}'
                f'<span class="visually-hidden">, row {row}</span></label>'
            )
            assert expected in html
    assert 'name="budget-0-DELETE"' in html
    assert 'name="budget-1-DELETE"' not in html  # new rows are removed, not marked
    template = re.search(r"<template data-formset-template>(.*?)</template>", html, re.S).group(1)
    assert (
        'for="id_budget-__prefix__-amount">Amount<span class="visually-hidden">, row __row__'
        in (template)
    )
    assert "data-formset-add" in html
    assert "data-formset-remove" in html


def test_budget_grid_saves_new_changed_and_removed_lines_at_once(project, manager_client, manager):
    training = BudgetLineFactory(project=project, category="training", year=2023)
    travel = BudgetLineFactory(project=project, category="travel", year=2023)
    travel_pk = travel.pk

    response = manager_client.post(
        reverse("projects:budget", args=["P1"]),
        grid(
            [
                {
                    "line": training.pk,
                    "category": "training",
                    "year": "2023",
                    "amount": "125000.50",
                    "currency": "USD",
                },
                {
                    "line": travel.pk,
                    "category": "travel",
                    "year": "2023",
                    "amount": "100000.00",
                    "currency": "USD",
                    "DELETE": "on",
                },
                {"category": "equipment", "year": "2024", "amount": "9000", "currency": "EUR"},
                {"category": "", "year": "", "amount": "", "currency": "USD"},  # left blank
            ],
            initial=2,
            reason="Mid-term review",
        ),
    )

    assert response.status_code == 302
    assert lines(project) == [
        ("equipment", 2024, Decimal("9000.00"), "EUR"),
        ("training", 2023, Decimal("125000.50"), "USD"),
    ]
    removed = BudgetLine.history.filter(id=travel_pk, history_type="-").get()
    assert (removed.history_user, removed.history_change_reason) == (manager, "Mid-term review")

    page = manager_client.get(reverse("projects:budget", args=["P1"])).content.decode()
    history = page[page.index('id="history-heading"') :]
    assert "Amina Khan" in history
    assert "Mid-term review" in history
    assert "USD 100,000.00 → USD 125,000.50" in history


def test_budget_grid_shows_each_error_under_its_row_and_field_and_saves_nothing(
    project, manager_client
):
    saved = BudgetLineFactory(project=project, category="training", year=2023)

    response = manager_client.post(
        reverse("projects:budget", args=["P1"]),
        grid(
            [
                {
                    "line": saved.pk,
                    "category": "training",
                    "year": "2023",
                    "amount": "1",
                    "currency": "USD",
                },
                {"category": "travel", "year": "2021", "amount": "-5", "currency": "USD"},
                {"category": "training", "year": "2023", "amount": "10", "currency": "USD"},
            ],
            initial=1,
        ),
    )

    assert response.status_code == 400
    assert errors_of(response, "id_budget-1-year") == (
        "2021 is outside the project&#x27;s period (2022-2025)."
    )
    assert errors_of(response, "id_budget-1-amount") == "A budget cannot be negative."
    assert errors_of(response, "id_budget-2-category") == (
        "Training, workshops and meetings in 2023 is already budgeted in another line."
    )
    assert errors_of(response, "id_reason") == "Say why saved budget lines change or go."
    assert lines(project) == [("training", 2023, Decimal("100000.00"), "USD")]


def test_a_removed_line_stays_removed_when_the_grid_comes_back_with_errors(project, manager_client):
    saved = BudgetLineFactory(project=project, category="training", year=2023)

    response = manager_client.post(
        reverse("projects:budget", args=["P1"]),
        grid(
            [
                {
                    "line": saved.pk,
                    "category": "training",
                    "year": "2023",
                    "amount": "100000.00",
                    "currency": "USD",
                    "DELETE": "on",
                },
                {"category": "travel", "year": "2030", "amount": "1", "currency": "USD"},
            ],
            initial=1,
            reason="Moved to travel",
        ),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-label="Budget line, row 1" hidden>' in html
    assert 'aria-label="Budget line, row 2">' in html
    assert 'name="budget-0-DELETE" class="form-check-input" id="id_budget-0-DELETE" checked' in html
    assert BudgetLine.objects.filter(pk=saved.pk).exists()


def test_budget_grid_refuses_a_line_of_another_project(project, manager_client):
    other = BudgetLineFactory(category="training", year=2023)

    response = manager_client.post(
        reverse("projects:budget", args=["P1"]),
        grid(
            [
                {
                    "line": other.pk,
                    "category": "training",
                    "year": "2023",
                    "amount": "1",
                    "currency": "USD",
                    "DELETE": "on",
                }
            ],
            initial=1,
            reason="x",
        ),
    )

    assert response.status_code == 400
    assert BudgetLine.objects.filter(pk=other.pk, amount=Decimal("100000.00")).exists()


def test_budget_page_query_count_does_not_grow_with_lines(project, manager_client):
    def count(n):
        BudgetLine.objects.all().delete()
        for year in range(2022, 2022 + n):
            BudgetLineFactory(
                project=project,
                year=min(year, 2025),
                category=f"{['staff', 'travel', 'training', 'equipment', 'psc'][year - 2022]}",
            )
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(reverse("projects:budget", args=["P1"]))
        assert response.status_code == 200
        assert response.context["formset"].initial_form_count() == n
        return len(queries)

    assert count(1) == count(5)
