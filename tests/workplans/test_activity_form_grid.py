"""The activity form's grid of targets per quarter: labelled cells, rows added and removed,
whole numbers for counts; a frozen version's forms answer with a clear page; removing an
activity asks first; the version page's activities are searchable and sortable."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ctportal.exceptions import DomainError
from tests.factories import (
    ActivityFactory,
    ActivityTargetFactory,
    IndicatorFactory,
    OutcomeFactory,
    OutputFactory,
    SubProgrammeFactory,
)
from tests.workplans import snapshot
from tests.workplans.activity_form_support import form_data
from tests.workplans.html import labelled_fields
from workplans.models import Activity, ActivityTarget
from workplans.services import activity_create, activity_validate, unit_is_count

pytestmark = pytest.mark.django_db


QUARTERS = ["Q1 (Jul-Sep 2022)", "Q2 (Oct-Dec 2022)", "Q3 (Jan-Mar 2023)", "Q4 (Apr-Jun 2023)"]


def targets_of(activity) -> list[tuple[str, int, Decimal]]:
    return list(
        ActivityTarget.objects.filter(activity=activity)
        .order_by("indicator__code", "quarter")
        .values_list("indicator__code", "quarter", "value")
    )


# --- The grid is labelled ---------------------------------------------------------


def test_every_cell_of_the_targets_grid_has_a_label_naming_its_quarter_and_row(
    manager_client, plan
):
    activity = ActivityFactory(version=plan["draft"], output=plan["output"], code="A1")
    ActivityTargetFactory(activity=activity, indicator=plan["workshops"], quarter=3, value=3)

    response = manager_client.get(reverse("workplans:activity-update", args=[activity.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    expected = {"targets-0-indicator": "Indicator in row 1"}
    expected.update({f"targets-0-q{n}": f"{q} target for I1.1b" for n, q in enumerate(QUARTERS, 1)})
    expected["targets-0-DELETE"] = "Remove the targets of I1.1b"
    for row in (2, 3):  # the two blank rows offered for more indicators
        expected[f"targets-{row - 1}-indicator"] = f"Indicator in row {row}"
        expected.update(
            {
                f"targets-{row - 1}-q{n}": f"{q} target in row {row}"
                for n, q in enumerate(QUARTERS, 1)
            }
        )
    assert labelled_fields(html, "targets-") == expected
    # The row the browser clones for "Add an indicator" is labelled the same way.
    template = labelled_fields(html, "targets-", in_template=True)
    assert template["targets-__prefix__-indicator"] == "Indicator in row __row__"
    assert template["targets-__prefix__-q3"] == "Q3 (Jan-Mar 2023) target in row __row__"
    # A saved count shows as the whole number it is.
    assert 'name="targets-0-q3" value="3"' in html


# --- Rows added and removed -------------------------------------------------------


def test_rows_added_in_the_browser_are_saved_with_the_activity(manager_client, plan):
    rows = [
        {"indicator": plan["persons"].pk, "q1": "20", "q2": "", "q3": "25", "q4": ""},
        {"indicator": plan["workshops"].pk, "q3": "2"},
        {"indicator": plan["share"].pk, "q4": "12.5"},
        {"indicator": "", "q1": ""},  # a blank row the person did not use
    ]

    response = manager_client.post(
        reverse("workplans:activity-create", args=[plan["draft"].pk]), form_data(plan, rows)
    )

    assert response.status_code == 302
    activity = Activity.objects.get(version=plan["draft"], code="A1")
    assert targets_of(activity) == [
        ("I1.1a", 1, Decimal("20")),
        ("I1.1a", 3, Decimal("25")),
        ("I1.1b", 3, Decimal("2")),
        ("I1.1c", 4, Decimal("12.5")),
    ]


def test_a_removed_row_deletes_its_saved_targets(manager_client, manager, plan):
    activity = ActivityFactory(version=plan["draft"], output=plan["output"], code="A1")
    ActivityTargetFactory(activity=activity, indicator=plan["persons"], quarter=1, value=20)
    ActivityTargetFactory(activity=activity, indicator=plan["workshops"], quarter=3, value=3)
    rows = [
        {"indicator": plan["persons"].pk, "q1": "20"},
        {"indicator": plan["workshops"].pk, "q3": "3", "DELETE": "on"},
    ]

    response = manager_client.post(
        reverse("workplans:activity-update", args=[activity.pk]),
        form_data(plan, rows, initial=2),
    )

    assert response.status_code == 302
    assert targets_of(activity) == [("I1.1a", 1, Decimal("20"))]
    deleted = ActivityTarget.history.get(history_type="-")
    assert (deleted.indicator_id, deleted.quarter, deleted.history_user) == (
        plan["workshops"].pk,
        3,
        manager,
    )


def test_a_removed_row_is_not_checked(manager_client, plan):
    """A row being removed may hold a wrong value: it goes, it does not block the save."""
    activity = ActivityFactory(version=plan["draft"], output=plan["output"], code="A1")
    ActivityTargetFactory(activity=activity, indicator=plan["persons"], quarter=1, value=20)
    rows = [{"indicator": plan["persons"].pk, "q1": "2.5", "DELETE": "on"}]

    response = manager_client.post(
        reverse("workplans:activity-update", args=[activity.pk]), form_data(plan, rows, initial=1)
    )

    assert response.status_code == 302
    assert targets_of(activity) == []


def test_two_rows_for_one_indicator_are_refused_on_the_second(manager_client, plan):
    before = snapshot()
    rows = [
        {"indicator": plan["persons"].pk, "q1": "20"},
        {"indicator": plan["persons"].pk, "q2": "5"},
    ]

    response = manager_client.post(
        reverse("workplans:activity-create", args=[plan["draft"].pk]), form_data(plan, rows)
    )

    assert response.status_code == 400
    formset = response.context["formset"]
    assert formset.forms[1].errors == {
        "indicator": ["I1.1a already has a row (row 1); put all its quarters there."]
    }
    assert snapshot() == before


def test_values_without_an_indicator_ask_for_one(manager_client, plan):
    before = snapshot()
    rows = [{"indicator": "", "q2": "5"}]

    response = manager_client.post(
        reverse("workplans:activity-create", args=[plan["draft"].pk]), form_data(plan, rows)
    )

    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors == {
        "indicator": ["Choose the indicator these targets are for."]
    }
    assert snapshot() == before


def test_a_service_refusal_about_targets_is_shown_with_the_grid(manager_client, plan):
    other = IndicatorFactory(
        output=OutputFactory(outcome=plan["output"].outcome, code="Op1.2"), code="I1.2a"
    )
    before = snapshot()
    rows = [{"indicator": other.pk, "q1": "5"}]

    response = manager_client.post(
        reverse("workplans:activity-create", args=[plan["draft"].pk]), form_data(plan, rows)
    )

    assert response.status_code == 400
    assert response.context["target_errors"] == [
        "Indicator I1.2a is not an indicator of output Op1.1."
    ]
    assert response.context["form"].non_field_errors() == ["Please correct the rows below."]
    assert "Indicator I1.2a is not an indicator of output Op1.1." in response.content.decode()
    assert snapshot() == before


# --- Counts are whole numbers -------------------------------------------------------


def test_a_count_target_with_a_fraction_is_refused_on_its_cell(manager_client, plan):
    before = snapshot()
    rows = [{"indicator": plan["persons"].pk, "q1": "20", "q3": "2.5"}]

    response = manager_client.post(
        reverse("workplans:activity-create", args=[plan["draft"].pk]), form_data(plan, rows)
    )

    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors == {
        "q3": ["I1.1a counts persons: its target in quarter 3 must be a whole number, not 2.5."]
    }
    html = response.content.decode()
    assert 'aria-describedby="id_targets-0-q3_errors"' in html
    assert snapshot() == before


def test_a_share_may_have_decimals_and_a_count_may_be_written_with_zero_decimals(
    manager_client, plan
):
    rows = [
        {"indicator": plan["share"].pk, "q1": "12.75"},
        {"indicator": plan["workshops"].pk, "q2": "4.00"},
    ]

    response = manager_client.post(
        reverse("workplans:activity-create", args=[plan["draft"].pk]), form_data(plan, rows)
    )

    assert response.status_code == 302
    assert targets_of(Activity.objects.get(code="A1")) == [
        ("I1.1b", 2, Decimal("4")),
        ("I1.1c", 1, Decimal("12.75")),
    ]


def test_the_service_refuses_a_fraction_of_a_count_whoever_calls_it(plan, manager):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        activity_create(
            version=plan["draft"],
            code="A1",
            title="Training",
            output=plan["output"],
            lead_counterpart=plan["lead"],
            targets=[(plan["workshops"], 2, Decimal("1.5"))],
            user=manager,
        )
    assert (error.value.field, error.value.domain_code) == ("targets", "not_whole_number")
    assert error.value.messages == [
        "I1.1b counts workshops: its target in quarter 2 must be a whole number, not 1.5."
    ]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("unit", "is_count"),
    [
        ("persons", True),
        ("Persons trained", True),
        ("workshops", True),
        ("handovers", True),
        ("number of cases", True),
        ("requests", True),
        ("percent", False),
        ("% of officers", False),
        ("days of training", False),
        ("USD", False),
        ("", False),
    ],
)
def test_which_units_count_whole_things(unit, is_count):
    assert unit_is_count(unit) is is_count


def test_activity_validate_names_every_wrong_field_at_once(plan):
    borders = SubProgrammeFactory(code="SP-I", title="Border management")
    foreign_output = OutputFactory(outcome=OutcomeFactory(sub_programme=borders))
    with pytest.raises(DomainError) as error:
        activity_validate(
            version=plan["draft"],
            code="A1",
            title="",
            output=foreign_output,
            lead_counterpart=None,
            budget=Decimal("-1"),
        )
    assert error.value.message_dict == {
        "title": ["The title is required."],
        "output": [f"Output {foreign_output.code} belongs to another sub-programme than WP-T."],
        "lead_counterpart": ["Choose the counterpart that leads the activity."],
        "budget": ["The budget cannot be negative."],
    }
