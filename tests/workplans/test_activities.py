"""Activities: planned only on a draft or returned version, by managers, within the rules."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.factories import (
    DonorFactory,
    IndicatorFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from tests.workplans import (
    SUBMITTED_AT,
    approved_version,
    counterpart,
    planned_activity,
    punjab,
    sindh,
    snapshot,
)
from workplans.models import Activity, WorkplanVersion
from workplans.services import activity_create, activity_delete, activity_update

pytestmark = pytest.mark.django_db

Status = WorkplanVersion.Status


@pytest.fixture
def draft():
    return WorkplanVersionFactory(workplan=WorkplanFactory(code="WP-SP4-2022"))


@pytest.fixture
def output():
    return OutputFactory(code="Op1.1", title="CTD investigators trained")


@pytest.fixture
def trained(output):
    return IndicatorFactory(output=output, code="I1.1.1", by_sex=True)


def create(version, user, **overrides):
    values = {
        "version": version,
        "code": "A1.1.1",
        "title": "Training of CTD Punjab investigators",
        "output": overrides.pop("output", None) or OutputFactory(),
        "lead_counterpart": counterpart(),
        "user": user,
    }
    values.update(overrides)
    return activity_create(**values)


def test_activity_create_writes_the_activity_with_provinces_targets_and_history(
    draft, manager, output, trained
):
    project = ProjectFactory(code="PAKX41")
    activity = create(
        draft,
        manager,
        output=output,
        provinces=[punjab(), sindh()],
        budget=Decimal("125000.00"),
        budget_currency="USD",
        project=project,
        description="Two two-week courses.",
        targets=[(trained, 1, 20), (trained, 3, Decimal("25"))],
    )

    activity.refresh_from_db()
    assert (activity.version, activity.code, activity.budget, activity.project) == (
        draft,
        "A1.1.1",
        Decimal("125000.00"),
        project,
    )
    assert sorted(p.code for p in activity.provinces.all()) == ["PK-PB", "PK-SD"]
    assert list(activity.targets.values_list("indicator__code", "quarter", "value")) == [
        ("I1.1.1", 1, Decimal("20")),
        ("I1.1.1", 3, Decimal("25")),
    ]
    assert activity.history.earliest().history_user == manager
    assert {t.history.get().history_user for t in activity.targets.all()} == {manager}


def test_a_returned_version_is_editable_again(manager):
    returned = WorkplanVersionFactory(status=Status.RETURNED, submitted_at=SUBMITTED_AT)
    assert create(returned, manager).version == returned


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            Status.APPROVED,
            "Version 1 of WP-SP4-2022 is approved and frozen; start a revision to change it.",
        ),
        (
            Status.SUBMITTED,
            "Version 1 of WP-SP4-2022 is submitted for approval and frozen; it can change "
            "again only if the EWG returns it.",
        ),
        (
            Status.SUPERSEDED,
            "Version 1 of WP-SP4-2022 is superseded and frozen; start a revision of the "
            "version in force.",
        ),
    ],
)
def test_no_activity_is_added_to_a_frozen_version(manager, status, message):
    version = approved_version(workplan=WorkplanFactory(code="WP-SP4-2022"), status=status)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(version, manager)
    assert (error.value.field, error.value.domain_code) == (None, "version_frozen")
    assert error.value.messages == [message]
    assert snapshot() == before


def test_editing_an_activity_of_an_approved_version_is_refused(manager):
    activity = planned_activity(approved_version())
    other = IndicatorFactory(output=activity.output)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        activity_update(activity=activity, user=manager, title="Changed")
    assert error.value.domain_code == "version_frozen"
    with pytest.raises(DomainError) as error:
        activity_update(activity=activity, user=manager, targets=[(other, 1, 5)])
    assert error.value.domain_code == "version_frozen"
    with pytest.raises(DomainError) as error:
        activity_delete(activity=activity, user=manager)
    assert error.value.domain_code == "version_frozen"
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.DONOR_VIEWER, Role.COUNTERPART_STAFF, Role.EWG_SECRETARIAT])
def test_only_managers_plan_activities(draft, role):
    user = user_with_role(role)
    activity = planned_activity(draft)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        create(draft, user, code="A9")
    with pytest.raises(PermissionDenied):
        activity_update(activity=activity, user=user, title="Changed")
    with pytest.raises(PermissionDenied):
        activity_delete(activity=activity, user=user)
    assert snapshot() == before


def test_a_target_must_be_on_an_indicator_of_the_activitys_output(draft, manager, output):
    foreign = IndicatorFactory(code="I9.9")
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(draft, manager, output=output, targets=[(foreign, 1, 10)])
    assert (error.value.field, error.value.domain_code) == ("targets", "indicator_not_of_output")
    assert snapshot() == before


@pytest.mark.parametrize("quarter", [0, 5, -1])
def test_a_target_quarter_must_be_in_the_workplan(draft, manager, output, trained, quarter):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(draft, manager, output=output, targets=[(trained, quarter, 10)])
    assert (error.value.field, error.value.domain_code) == ("targets", "quarter_outside_workplan")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("targets", "code"),
    [
        ("negative", "negative_value"),
        ("duplicate", "duplicate_target"),
        ("not_a_number", "invalid_number"),
    ],
)
def test_target_values_are_non_negative_numbers_once_per_quarter(
    draft, manager, output, trained, targets, code
):
    rows = {
        "negative": [(trained, 1, Decimal("-1"))],
        "duplicate": [(trained, 1, 5), (trained, 1, 6)],
        "not_a_number": [(trained, 1, "many")],
    }[targets]
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(draft, manager, output=output, targets=rows)
    assert (error.value.field, error.value.domain_code) == ("targets", code)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"budget": Decimal("-0.01")}, "budget", "negative_budget"),
        ({"budget": Decimal("1000.5"), "budget_currency": "JPY"}, "budget", "invalid_precision"),
        ({"budget_currency": "XXX"}, "budget_currency", "unknown_currency"),
        ({"title": ""}, "title", "required"),
        ({"code": "A" * 21}, "code", "too_long"),
    ],
)
def test_activity_fields_are_checked(draft, manager, overrides, field, code):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(draft, manager, **overrides)
    assert (error.value.field, error.value.domain_code) == (field, code)
    assert snapshot() == before


def test_an_activity_code_is_unique_within_its_version(draft, manager):
    create(draft, manager)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(draft, manager, title="Another activity")
    assert (error.value.field, error.value.domain_code) == ("code", "duplicate_code")
    assert snapshot() == before
    # The same code in another workplan's version is fine.
    assert create(WorkplanVersionFactory(), manager).code == "A1.1.1"


def test_the_lead_must_be_a_counterpart(draft, manager):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(draft, manager, lead_counterpart=DonorFactory(short_name="JAPAN"))
    assert (error.value.field, error.value.domain_code) == ("lead_counterpart", "not_a_counterpart")
    assert snapshot() == before


def test_output_and_project_must_be_of_the_workplans_sub_programme(draft, manager):
    borders = SubProgrammeFactory(code="SP-I", title="Border management")
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(draft, manager, output=OutputFactory(outcome=OutcomeFactory(sub_programme=borders)))
    assert (error.value.field, error.value.domain_code) == (
        "output",
        "output_of_other_sub_programme",
    )
    with pytest.raises(DomainError) as error:
        create(draft, manager, project=ProjectFactory(sub_programme=borders))
    assert (error.value.field, error.value.domain_code) == (
        "project",
        "project_of_other_sub_programme",
    )
    assert snapshot() == before


def test_activity_update_changes_fields_and_keeps_targets_and_provinces_unless_given(
    draft, manager
):
    activity = planned_activity(draft, budget=Decimal("1000.00"))
    activity.provinces.set([punjab()])
    targets_before = sorted(activity.targets.values_list("indicator_id", "quarter", "value"))

    activity_update(activity=activity, user=manager, title="Renamed", budget=Decimal("2000"))

    activity.refresh_from_db()
    assert (activity.title, activity.budget) == ("Renamed", Decimal("2000.00"))
    assert sorted(activity.targets.values_list("indicator_id", "quarter", "value")) == (
        targets_before
    )
    assert [p.code for p in activity.provinces.all()] == ["PK-PB"]
    assert activity.history.latest().history_user == manager


def test_activity_update_replaces_targets_and_provinces_when_given(draft, manager):
    activity = planned_activity(draft)
    activity_update(
        activity=activity,
        user=manager,
        targets=[(activity.plain, 1, 2), (activity.trained, 4, 60)],
        provinces=[sindh()],
    )
    assert sorted(activity.targets.values_list("indicator__code", "quarter", "value")) == [
        ("I-PLAIN", 1, Decimal("2")),
        ("I-TRAINED", 4, Decimal("60")),
    ]
    assert [p.code for p in activity.provinces.all()] == ["PK-SD"]
    activity_update(activity=activity, user=manager, targets=[])
    assert not activity.targets.exists()


def test_a_new_output_must_still_carry_the_existing_targets(draft, manager):
    activity = planned_activity(draft)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        activity_update(activity=activity, user=manager, output=OutputFactory())
    assert (error.value.field, error.value.domain_code) == ("targets", "indicator_not_of_output")
    assert snapshot() == before


def test_activity_update_refuses_fields_it_does_not_own(draft, manager):
    activity = planned_activity(draft)
    with pytest.raises(TypeError):
        activity_update(activity=activity, user=manager, version=WorkplanVersionFactory())


def test_activity_delete_removes_an_activity_of_a_draft(draft, manager):
    activity = planned_activity(draft)
    activity_delete(activity=activity, user=manager)
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert Activity.history.filter(id=activity.pk).latest().history_type == "-"
