import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from ctportal.exceptions import DomainError
from projects.models import (
    BudgetLine,
    Expenditure,
    Indicator,
    Outcome,
    Output,
    Project,
)
from projects.services import (
    budget_line_set,
    expenditure_create,
    indicator_create,
    outcome_create,
    output_create,
    project_update,
)
from tests.factories import (
    BudgetLineFactory,
    IndicatorFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    SubProgrammeFactory,
)
from tests.projects.services_support import START, assert_field_error

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
