"""Services behind the management pages: the budget grid saved as one change, imports that
report every error of every row, and edits and deletions in the results framework."""

import datetime
from decimal import Decimal

import pytest

from ctportal.exceptions import DomainError
from projects.exceptions import RowErrors
from projects.models import BudgetLine, ExchangeRate, Expenditure, Indicator, Outcome, Output
from projects.services import (
    BudgetLineChange,
    ExchangeRateInput,
    ExpenditureInput,
    budget_save,
    exchange_rate_import,
    expenditure_import,
    expenditure_import_validate,
    indicator_delete,
    indicator_update,
    outcome_delete,
    outcome_update,
    output_delete,
    output_update,
)
from tests.factories import (
    ActivityFactory,
    BudgetLineFactory,
    ExchangeRateFactory,
    IndicatorFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
)


@pytest.fixture
def project(db):
    # Period 2022-07-01 .. 2025-06-30.
    return ProjectFactory(code="P1")


def lines_of(project):
    return sorted(
        (line.category, line.year, line.amount, line.currency)
        for line in BudgetLine.objects.filter(project=project)
    )


# --- Budget grid ----------------------------------------------------------------------


def test_budget_save_creates_changes_and_removes_lines_in_one_go(project, manager):
    training = BudgetLineFactory(project=project, category="training", year=2023)
    travel = BudgetLineFactory(project=project, category="travel", year=2023)
    travel_pk = travel.pk

    budget_save(
        project=project,
        rows=[
            BudgetLineChange("training", 2023, Decimal("120000.00"), "USD", line=training),
            BudgetLineChange("travel", 2023, Decimal("100000.00"), "USD", line=travel, delete=True),
            BudgetLineChange("equipment", 2024, Decimal("5000"), "EUR"),
        ],
        user=manager,
        reason="Revised after the mid-term review",
    )

    assert lines_of(project) == [
        ("equipment", 2024, Decimal("5000.00"), "EUR"),
        ("training", 2023, Decimal("120000.00"), "USD"),
    ]
    changed = training.history.latest()
    assert (changed.history_user, changed.history_change_reason) == (
        manager,
        "Revised after the mid-term review",
    )
    removed = BudgetLine.history.filter(id=travel_pk).latest()
    assert (removed.history_type, removed.history_change_reason) == (
        "-",
        "Revised after the mid-term review",
    )


def test_budget_save_reports_every_error_of_every_row_and_saves_nothing(project, manager):
    saved = BudgetLineFactory(project=project, category="training", year=2023)

    with pytest.raises(RowErrors) as caught:
        budget_save(
            project=project,
            rows=[
                BudgetLineChange("travel", 2021, Decimal("-5"), "USD"),
                BudgetLineChange("training", 2023, Decimal("1.005"), "USD", line=saved),
                BudgetLineChange("training", 2023, Decimal("10"), "USD"),
                BudgetLineChange("psc", 2024, Decimal("10"), "JPY"),
            ],
            user=manager,
        )

    assert caught.value.rows == {
        0: {
            "year": ["2021 is outside the project's period (2022-2025)."],
            "amount": ["A budget cannot be negative."],
        },
        1: {"amount": ["USD amounts have 2 decimal places at most."]},
        2: {
            "category": [
                "Training, workshops and meetings in 2023 is already budgeted in another line."
            ]
        },
    }
    assert caught.value.error.message_dict == {
        "reason": ["Say why saved budget lines change or go."]
    }
    assert lines_of(project) == [("training", 2023, Decimal("100000.00"), "USD")]


def test_budget_save_needs_no_reason_for_new_lines_only(project, manager):
    budget_save(project=project, rows=[BudgetLineChange("travel", 2024, Decimal("10"))])

    assert lines_of(project) == [("travel", 2024, Decimal("10.00"), "USD")]


def test_budget_save_refuses_a_change_to_a_saved_line_without_a_reason(project, manager):
    saved = BudgetLineFactory(project=project, category="training", year=2023)

    with pytest.raises(RowErrors) as caught:
        budget_save(
            project=project,
            rows=[BudgetLineChange("training", 2023, Decimal("1"), line=saved)],
            reason="   ",
        )

    assert caught.value.rows == {}
    assert caught.value.error.message_dict == {
        "reason": ["Say why saved budget lines change or go."]
    }
    assert lines_of(project) == [("training", 2023, Decimal("100000.00"), "USD")]


def test_budget_save_lets_two_saved_lines_swap_their_years(project, manager):
    a = BudgetLineFactory(project=project, category="training", year=2023, amount=Decimal("1"))
    b = BudgetLineFactory(project=project, category="training", year=2024, amount=Decimal("2"))

    budget_save(
        project=project,
        rows=[
            BudgetLineChange("training", 2024, Decimal("1"), line=a),
            BudgetLineChange("training", 2023, Decimal("2"), line=b),
        ],
        reason="Years were entered the wrong way round",
    )

    assert lines_of(project) == [
        ("training", 2023, Decimal("2.00"), "USD"),
        ("training", 2024, Decimal("1.00"), "USD"),
    ]


def test_budget_save_refuses_a_line_of_another_project(project, manager):
    other = BudgetLineFactory(category="training", year=2023)

    with pytest.raises(RowErrors) as caught:
        budget_save(
            project=project,
            rows=[BudgetLineChange("training", 2023, Decimal("1"), line=other, delete=True)],
            reason="x",
        )

    assert caught.value.rows == {0: {"": ["This line is not in this project's budget."]}}
    assert BudgetLine.objects.filter(pk=other.pk).exists()


# --- Expenditure import ------------------------------------------------------------------


def test_expenditure_import_validate_names_every_error_of_every_row(project):
    other = ProjectFactory(code="P2", start_date=datetime.date(2024, 1, 1))

    problems = expenditure_import_validate(
        rows=[
            ExpenditureInput(project, "training", datetime.date(2023, 5, 1), Decimal("10"), "USD"),
            ExpenditureInput(project, "food", datetime.date(2021, 5, 1), Decimal("0"), "USD"),
            ExpenditureInput(other, "travel", datetime.date(2023, 5, 1), Decimal("1.5"), "JPY"),
            ExpenditureInput(None, None, None, Decimal("3"), "EUR"),
        ]
    )

    assert problems == {
        1: {
            "category": ["'food' is not a budget category."],
            "amount": ["An expenditure must be greater than zero."],
            "spent_on": [
                "01 May 2021 is outside the project's period (01 Jul 2022 - 30 Jun 2025)."
            ],
        },
        2: {
            "amount": ["JPY amounts have 0 decimal places at most."],
            "spent_on": [
                "01 May 2023 is outside the project's period (01 Jan 2024 - 30 Jun 2025)."
            ],
            "currency": ["No exchange rate to USD is recorded for JPY in or before May 2023."],
        },
    }


def test_expenditure_import_saves_nothing_when_a_row_is_wrong(project, manager):
    with pytest.raises(RowErrors):
        expenditure_import(
            rows=[
                ExpenditureInput(
                    project, "training", datetime.date(2023, 5, 1), Decimal("10"), "USD"
                ),
                ExpenditureInput(
                    project, "training", datetime.date(2023, 5, 1), Decimal("-1"), "USD"
                ),
            ],
            user=manager,
        )

    assert not Expenditure.objects.exists()


def test_expenditure_import_saves_every_row_with_its_usd_value(project, manager):
    ExchangeRateFactory(
        currency="EUR", month=datetime.date(2023, 5, 1), usd_per_unit=Decimal("1.1")
    )

    saved = expenditure_import(
        rows=[
            ExpenditureInput(
                project, "training", datetime.date(2023, 5, 2), Decimal("10"), "EUR", "Hall"
            ),
            ExpenditureInput(project, "travel", datetime.date(2023, 6, 1), Decimal("7.25"), "USD"),
        ],
        user=manager,
        reason="Imported from may.xlsx",
    )

    assert [(e.category, e.amount, e.currency, e.amount_usd, e.description) for e in saved] == [
        ("training", Decimal("10"), "EUR", Decimal("11.00"), "Hall"),
        ("travel", Decimal("7.25"), "USD", Decimal("7.25"), ""),
    ]
    assert saved[0].history.get().history_change_reason == "Imported from may.xlsx"


# --- Exchange rate import ----------------------------------------------------------------


def test_exchange_rate_import_refuses_duplicates_and_bad_rates_and_saves_nothing(manager):
    march = datetime.date(2023, 3, 1)

    with pytest.raises(RowErrors) as caught:
        exchange_rate_import(
            rows=[
                ExchangeRateInput("EUR", march, Decimal("1.07"), "UN"),
                ExchangeRateInput("EUR", datetime.date(2023, 3, 15), Decimal("1.08"), "UN"),
                ExchangeRateInput("USD", march, Decimal("1"), "UN"),
                ExchangeRateInput("JPY", march, Decimal("0"), "UN"),
            ],
            user=manager,
        )

    assert caught.value.rows == {
        1: {"month": ["EUR March 2023 is given twice."]},
        2: {"currency": ["USD is the reporting currency: its rate is always 1."]},
        3: {"usd_per_unit": ["The rate must be greater than zero."]},
    }
    assert not ExchangeRate.objects.exists()


def test_exchange_rate_import_sets_new_rates_and_corrects_existing_ones(manager):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 3, 1), usd_per_unit=Decimal("1"))

    exchange_rate_import(
        rows=[
            ExchangeRateInput("EUR", datetime.date(2023, 3, 1), Decimal("1.0712"), "UN ORE"),
            ExchangeRateInput("JPY", datetime.date(2023, 3, 1), Decimal("0.0075"), "UN ORE"),
        ],
        user=manager,
        reason="Imported from rates.csv",
    )

    assert sorted(ExchangeRate.objects.values_list("currency", "usd_per_unit", "source")) == [
        ("EUR", Decimal("1.07120000"), "UN ORE"),
        ("JPY", Decimal("0.00750000"), "UN ORE"),
    ]
    eur = ExchangeRate.objects.get(currency="EUR")
    assert eur.history.latest().history_change_reason == "Imported from rates.csv"


# --- Results framework -----------------------------------------------------------------


def test_outcome_update_keeps_codes_unique_in_the_framework(project):
    OutcomeFactory(sub_programme=project.sub_programme, project=project, code="Oc1")
    second = OutcomeFactory(sub_programme=project.sub_programme, project=project, code="Oc2")

    with pytest.raises(DomainError) as caught:
        outcome_update(outcome=second, code="Oc1")

    assert caught.value.message_dict == {"code": ["There is already an outcome Oc1 here."]}
    assert Outcome.objects.get(pk=second.pk).code == "Oc2"


def test_outcome_update_moves_an_outcome_to_the_whole_sub_programme(project):
    outcome = OutcomeFactory(sub_programme=project.sub_programme, project=project, code="Oc1")

    outcome_update(outcome=outcome, project=None, title="Shared outcome")

    outcome.refresh_from_db()
    assert (outcome.project, outcome.title) == (None, "Shared outcome")


def test_output_update_and_delete(project):
    outcome = OutcomeFactory(sub_programme=project.sub_programme, project=project)
    OutputFactory(outcome=outcome, code="Op1")
    output = OutputFactory(outcome=outcome, code="Op2")
    IndicatorFactory(output=output)

    with pytest.raises(DomainError) as caught:
        output_update(output=output, code="Op1")
    assert caught.value.message_dict == {
        "code": [f"Outcome {outcome.code} already has an output Op1."]
    }

    output_update(output=output, title="Renamed")
    assert Output.objects.get(pk=output.pk).title == "Renamed"

    output_delete(output=output)
    assert not Output.objects.filter(pk=output.pk).exists()
    assert not Indicator.objects.filter(output_id=output.pk).exists()


def test_outcome_delete_is_refused_while_a_workplan_activity_uses_its_output(project):
    outcome = OutcomeFactory(sub_programme=project.sub_programme, project=project, code="Oc1")
    output = OutputFactory(outcome=outcome)
    ActivityFactory(output=output)
    ActivityFactory(output=output)

    with pytest.raises(DomainError) as caught:
        outcome_delete(outcome=outcome)

    assert caught.value.messages == [
        "Outcome Oc1 cannot be deleted: workplans refer to it (2 activities)."
    ]
    assert Outcome.objects.filter(pk=outcome.pk).exists()
    assert Output.objects.filter(pk=output.pk).exists()


def test_indicator_update_checks_target_against_baseline_and_records_the_actor(manager):
    indicator = IndicatorFactory(baseline=Decimal("10"), target=Decimal("100"))

    with pytest.raises(DomainError) as caught:
        indicator_update(indicator=indicator, baseline=Decimal("100"), user=manager)
    assert caught.value.message_dict == {"target": ["The target must be above the baseline (100)."]}

    indicator_update(indicator=indicator, unit="prosecutors", by_sex=True, user=manager)
    indicator.refresh_from_db()
    assert (indicator.unit, indicator.by_sex, indicator.baseline) == (
        "prosecutors",
        True,
        Decimal("10.00"),
    )
    assert indicator.history.latest().history_user == manager

    indicator_delete(indicator=indicator, user=manager)
    assert not Indicator.objects.filter(pk=indicator.pk).exists()
