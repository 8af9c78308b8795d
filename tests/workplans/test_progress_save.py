"""Progress updates: counterpart staff report on approved activities; managers verify or
return them; evidence is checked by content."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.factories import (
    ActivityTargetFactory,
    IndicatorFactory,
    ProgressUpdateFactory,
    WorkplanFactory,
    user_with_role,
)
from tests.workplans import (
    approved_version,
    counterpart,
    counterpart_user,
    planned_activity,
    punjab,
    snapshot,
)
from tests.workplans.progress_support import State, save
from workplans.models import ProgressUpdate, WorkplanVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return counterpart("CTD-PB")


@pytest.fixture
def activity(lead):
    return planned_activity(approved_version(), lead=lead)


@pytest.fixture
def reporter(lead):
    return counterpart_user(lead, username="ctd-pb-officer")


@pytest.fixture
def colleague(lead):
    return counterpart_user(lead, username="ctd-pb-colleague")


@pytest.fixture
def outsider():
    return counterpart_user(counterpart("CTD-SD"), username="ctd-sd-officer")


# --- progress_update_save -----------------------------------------------------


def test_the_lead_counterpart_saves_a_draft_with_disaggregated_values(activity, reporter):
    province = punjab()
    update = save(
        activity,
        reporter,
        challenges="Trainers' visas delayed.",
        values=[
            (activity.plain, "", None, 1),
            (activity.trained, "female", province, 12),
            (activity.trained, "male", province, Decimal("18")),
            (activity.trained, None, None, 30),
        ],
    )

    update.refresh_from_db()
    assert (update.state, update.revision, update.author, update.percent_complete) == (
        State.DRAFT,
        1,
        reporter,
        40,
    )
    assert update.challenges == "Trainers' visas delayed."
    assert sorted(
        (v.indicator.code, v.sex, v.province_id, v.value) for v in update.values.all()
    ) == [
        ("I-PLAIN", "", None, Decimal("1")),
        ("I-TRAINED", "", None, Decimal("30")),
        ("I-TRAINED", "female", "PK-PB", Decimal("12")),
        ("I-TRAINED", "male", "PK-PB", Decimal("18")),
    ]
    assert update.history.get().history_user == reporter


def test_saving_again_updates_the_draft_replaces_its_values_and_increments_the_revision(
    activity, reporter, colleague
):
    first = save(activity, reporter)
    second = save(
        activity,
        colleague,
        percent_complete=60,
        values=[(activity.trained, "female", None, 5)],
        expected_revision=1,
    )

    assert second.pk == first.pk
    second.refresh_from_db()
    assert (second.revision, second.percent_complete, second.author) == (2, 60, reporter)
    assert [(v.indicator.code, v.sex, v.value) for v in second.values.all()] == [
        ("I-TRAINED", "female", Decimal("5"))
    ]
    assert second.history.latest().history_user == colleague


def test_a_stale_revision_is_refused_and_the_first_save_is_kept(activity, reporter, colleague):
    save(activity, reporter)
    # Both open revision 1; the colleague saves first.
    save(
        activity,
        colleague,
        percent_complete=70,
        narrative="Second course held.",
        expected_revision=1,
    )
    before = snapshot()

    with pytest.raises(DomainError) as error:
        save(activity, reporter, percent_complete=10, narrative="Stale text.", expected_revision=1)

    assert (error.value.field, error.value.domain_code) == (None, "stale_revision")
    assert error.value.messages == [
        f"Someone saved the Q2 update of {activity.code} after you opened it (you edited "
        "revision 1, it is now at revision 2). Reload it to see their changes, then make "
        "yours again."
    ]
    assert snapshot() == before
    update = ProgressUpdate.objects.get()
    assert (update.revision, update.percent_complete, update.narrative) == (
        2,
        70,
        "Second course held.",
    )


@pytest.mark.parametrize(
    "user_fixture", ["outsider", "manager", "ewg_secretary", "administrator", "donor"]
)
def test_only_staff_of_the_lead_counterpart_report_progress(request, activity, user_fixture):
    user = (
        user_with_role(Role.DONOR_VIEWER)
        if user_fixture == "donor"
        else request.getfixturevalue(user_fixture)
    )
    before = snapshot()
    with pytest.raises(PermissionDenied):
        save(activity, user)
    assert snapshot() == before


@pytest.mark.parametrize(
    "status", [WorkplanVersion.Status.DRAFT, WorkplanVersion.Status.SUBMITTED, "superseded"]
)
def test_progress_is_reported_only_on_an_approved_version(lead, reporter, status):
    activity = planned_activity(approved_version(status=status), lead=lead)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter)
    assert (error.value.field, error.value.domain_code) == (None, "version_not_approved")
    assert snapshot() == before


@pytest.mark.parametrize("quarter", [0, 5])
def test_the_quarter_must_be_in_the_workplan(activity, reporter, quarter):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, quarter=quarter)
    assert (error.value.field, error.value.domain_code) == ("quarter", "quarter_outside_workplan")
    assert snapshot() == before


def test_a_quarter_that_has_not_started_cannot_be_reported(lead, reporter):
    this_year = timezone.localdate().year
    workplan = WorkplanFactory(
        period_start=datetime.date(this_year + 2, 1, 1),
        period_end=datetime.date(this_year + 2, 12, 31),
    )
    activity = planned_activity(approved_version(workplan=workplan), lead=lead)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, quarter=1)
    assert (error.value.field, error.value.domain_code) == ("quarter", "quarter_not_started")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"percent_complete": 101}, "percent_complete", "percent_out_of_range"),
        ({"percent_complete": -1}, "percent_complete", "percent_out_of_range"),
        (
            {"status": "completed", "percent_complete": 90},
            "percent_complete",
            "completed_needs_100",
        ),
        ({"status": "finished"}, "status", "invalid_choice"),
    ],
)
def test_status_and_percent_are_checked(activity, reporter, overrides, field, code):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, **overrides)
    assert (error.value.field, error.value.domain_code) == (field, code)
    assert snapshot() == before


def test_a_completed_activity_is_100_percent(activity, reporter):
    update = save(activity, reporter, status="completed", percent_complete=100)
    assert (update.status, update.percent_complete) == ("completed", 100)


@pytest.mark.parametrize(
    ("value_row", "code"),
    [
        (lambda a: (a.plain, None, None, -1), "negative_value"),
        (lambda a: (IndicatorFactory(output=a.output), None, None, 1), "indicator_not_on_activity"),
        (lambda a: (a.plain, "female", None, 1), "sex_not_disaggregated"),
        (lambda a: (a.plain, None, punjab(), 1), "province_not_disaggregated"),
        (lambda a: (a.trained, "other", None, 1), "invalid_sex"),
    ],
)
def test_achieved_values_are_checked(activity, reporter, value_row, code):
    row = value_row(activity)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, values=[row])
    assert (error.value.field, error.value.domain_code) == ("values", code)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("value_row", "message"),
    [
        (
            lambda a: (a.plain, None, None, "2.5"),
            "I-PLAIN counts events: the value achieved must be a whole number, not 2.5.",
        ),
        (
            lambda a: (a.trained, "female", punjab(), Decimal("12.50")),
            "I-TRAINED counts persons: the value achieved (female, Punjab) must be a whole "
            "number, not 12.5.",
        ),
    ],
)
def test_a_count_achieved_is_a_whole_number_as_its_target_is(
    activity, reporter, value_row, message
):
    row = value_row(activity)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter, values=[row])
    assert (error.value.field, error.value.domain_code) == ("values", "not_whole_number")
    assert error.value.messages == [message]
    assert snapshot() == before


def test_a_measure_achieved_may_have_decimals_and_a_count_zero_decimals(activity, reporter):
    share = IndicatorFactory(output=activity.output, code="I-SHARE", unit="percent of cases")
    ActivityTargetFactory(activity=activity, indicator=share, quarter=2, value=Decimal("40"))

    update = save(
        activity,
        reporter,
        values=[(share, None, None, "12.5"), (activity.plain, None, None, Decimal("3.00"))],
    )

    assert sorted((v.indicator.code, v.value) for v in update.values.all()) == [
        ("I-PLAIN", Decimal("3")),
        ("I-SHARE", Decimal("12.5")),
    ]


def test_a_value_is_given_once_per_indicator_sex_and_province(activity, reporter):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(
            activity,
            reporter,
            values=[(activity.plain, None, None, 1), (activity.plain, "", None, 2)],
        )
    assert (error.value.field, error.value.domain_code) == ("values", "duplicate_value")
    assert snapshot() == before


def test_a_refused_edit_of_an_existing_draft_changes_nothing(activity, reporter):
    save(activity, reporter)
    before = snapshot()
    with pytest.raises(DomainError):
        save(activity, reporter, percent_complete=50, values=[(activity.plain, None, None, -5)])
    assert snapshot() == before


@pytest.mark.parametrize("state", [State.SUBMITTED, State.VERIFIED])
def test_nobody_edits_a_submitted_or_verified_update(activity, reporter, manager, state):
    ProgressUpdateFactory(activity=activity, quarter=2, author=reporter, state=state)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        save(activity, reporter)
    assert (error.value.field, error.value.domain_code) == (None, "not_editable")
    with pytest.raises(PermissionDenied):
        save(activity, manager)
    assert snapshot() == before
