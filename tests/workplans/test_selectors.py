"""Reads: who sees which versions and updates, shaped querysets, and version diffs."""

from decimal import Decimal

import pytest

from ctportal.exceptions import DomainError
from ctportal.money import Money
from organisations.models import Role
from tests.factories import (
    ActivityFactory,
    AllocationFactory,
    DonorFactory,
    FundingAgreementFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from tests.workplans import (
    approved_version,
    counterpart,
    counterpart_user,
    planned_activity,
    punjab,
    sindh,
)
from workplans.models import ProgressUpdate, WorkplanVersion
from workplans.selectors import (
    activity_list,
    progress_update_get,
    progress_update_list,
    version_diff,
    version_get,
    workplan_version_list,
)
from workplans.services import (
    activity_create,
    activity_delete,
    activity_update,
    version_revise,
)

pytestmark = pytest.mark.django_db

Status = WorkplanVersion.Status


@pytest.fixture
def sp4_versions():
    """WP-SP4: v1 superseded, v2 approved (2 activities), v3 draft. WP-SP1 v1 approved."""
    workplan = WorkplanFactory(code="WP-SP4")
    v1 = approved_version(workplan=workplan, status=Status.SUPERSEDED)
    v2 = approved_version(workplan=workplan, number=2)
    ActivityFactory.create_batch(2, version=v2)
    v3 = WorkplanVersionFactory(workplan=workplan, number=3, status=Status.DRAFT)
    borders = SubProgrammeFactory(code="SP-I", title="Border management")
    other = approved_version(workplan=WorkplanFactory(code="WP-SP1", sub_programme=borders))
    return {"v1": v1, "v2": v2, "v3": v3, "other": other}


def codes(versions) -> set[tuple[str, int]]:
    return {(v.workplan.code, v.number) for v in versions}


# --- versions -----------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROGRAMME_MANAGER, Role.EWG_SECRETARIAT])
def test_programme_staff_see_every_version_including_drafts(sp4_versions, role):
    assert codes(workplan_version_list(user=user_with_role(role))) == {
        ("WP-SP4", 1),
        ("WP-SP4", 2),
        ("WP-SP4", 3),
        ("WP-SP1", 1),
    }


def test_counterparts_see_only_decided_versions(sp4_versions):
    user = user_with_role(Role.COUNTERPART_STAFF)
    assert codes(workplan_version_list(user=user)) == {("WP-SP4", 1), ("WP-SP4", 2), ("WP-SP1", 1)}
    with pytest.raises(WorkplanVersion.DoesNotExist):
        version_get(user=user, pk=sp4_versions["v3"].pk)


def test_a_donor_sees_decided_versions_of_the_sub_programmes_it_funds_counted_once(sp4_versions):
    donor = DonorFactory(short_name="JAPAN")
    agreement = FundingAgreementFactory(donor=donor)
    sub_programme = sp4_versions["v2"].workplan.sub_programme
    # Two funded projects in the same sub-programme must not double anything.
    for project in ProjectFactory.create_batch(2, sub_programme=sub_programme):
        AllocationFactory(agreement=agreement, project=project)
    viewer = user_with_role(Role.DONOR_VIEWER, donor)

    versions = list(workplan_version_list(user=viewer))

    assert codes(versions) == {("WP-SP4", 1), ("WP-SP4", 2)}
    assert {v.number: v.activity_count for v in versions} == {1: 0, 2: 2}
    assert version_get(user=viewer, pk=sp4_versions["v2"].pk) == sp4_versions["v2"]
    for hidden in ("v3", "other"):
        with pytest.raises(WorkplanVersion.DoesNotExist):
            version_get(user=viewer, pk=sp4_versions[hidden].pk)


def test_a_user_without_membership_sees_nothing(sp4_versions, django_user_model):
    stranger = django_user_model.objects.create_user("stranger", password="x-y-z-123")
    assert list(workplan_version_list(user=stranger)) == []


def test_workplan_version_list_filters(sp4_versions, manager):
    listed = workplan_version_list(
        user=manager, filters={"workplan": sp4_versions["v2"].workplan_id, "status": "approved"}
    )
    assert list(listed) == [sp4_versions["v2"]]


def test_workplan_version_list_query_count_does_not_grow_with_rows(
    manager, django_assert_num_queries
):
    approved_version()
    with django_assert_num_queries(1):
        rows = [
            (str(v), v.workplan.sub_programme, v.decided_by_meeting, v.activity_count)
            for v in workplan_version_list(user=manager)
        ]
    for _ in range(4):
        approved_version()
    with django_assert_num_queries(1):
        rows = [
            (str(v), v.workplan.sub_programme, v.decided_by_meeting, v.activity_count)
            for v in workplan_version_list(user=manager)
        ]
    assert len(rows) == 5


# --- activities ---------------------------------------------------------------


def read_activity_rows(version):
    return [
        (
            a.code,
            a.output.code,
            a.lead_counterpart.short_name,
            a.project and a.project.code,
            [p.code for p in a.provinces.all()],
            [(t.indicator.code, t.quarter, t.value) for t in a.targets.all()],
        )
        for a in activity_list(version=version)
    ]


def test_activity_list_query_count_is_the_same_for_one_and_five_activities(
    django_assert_num_queries,
):
    one, five = WorkplanVersionFactory(), WorkplanVersionFactory()
    planned_activity(one, project=ProjectFactory()).provinces.set([punjab()])
    for _ in range(5):
        planned_activity(five, project=ProjectFactory()).provinces.set([punjab(), sindh()])

    with django_assert_num_queries(3):
        assert len(read_activity_rows(one)) == 1
    with django_assert_num_queries(3):
        assert len(read_activity_rows(five)) == 5


# --- version_diff -------------------------------------------------------------


def test_version_diff_reports_added_removed_and_changed_activities_field_by_field(manager):
    approved = approved_version()
    lead, other_lead = counterpart("CTD-PB"), counterpart("CTD-SD")
    kept = planned_activity(approved, code="A1", title="Unchanged", lead=lead)
    changed = planned_activity(
        approved, code="A2", title="Training", lead=lead, budget=Decimal("1000.00")
    )
    changed.provinces.set([punjab()])
    removed = planned_activity(approved, code="A3", title="Dropped", lead=lead)

    revision = version_revise(workplan=approved.workplan, user=manager)
    copy_of = {a.lineage: a for a in revision.activities.all()}
    activity_update(
        activity=copy_of[changed.lineage],
        user=manager,
        title="Training of investigators",
        budget=Decimal("1500.00"),
        lead_counterpart=other_lead,
        provinces=[punjab(), sindh()],
        # plain Q1 unchanged, plain Q2 3 -> 4, trained Q2 removed, trained Q3 added
        targets=[(changed.plain, 1, 2), (changed.plain, 2, 4), (changed.trained, 3, 15)],
    )
    activity_delete(activity=copy_of[removed.lineage], user=manager)
    added = activity_create(
        version=revision,
        code="A4",
        title="New exercise",
        output=kept.output,
        lead_counterpart=lead,
        user=manager,
    )

    diff = version_diff(old=approved, new=revision)

    assert [a.code for a in diff.added] == ["A4"]
    assert diff.added[0] == added
    assert [a.code for a in diff.removed] == ["A3"]
    assert [a.code for a in diff.unchanged] == ["A1"]
    assert len(diff.changed) == 1
    change = diff.changed[0]
    assert change.lineage == changed.lineage
    assert [(f.field, f.old, f.new) for f in change.fields] == [
        ("title", "Training", "Training of investigators"),
        ("lead_counterpart", lead, other_lead),
        ("provinces", (punjab(),), (punjab(), sindh())),
        ("budget", Money(Decimal("1000.00"), "USD"), Money(Decimal("1500.00"), "USD")),
    ]
    assert [(t.indicator.code, t.quarter, t.old, t.new) for t in change.targets] == [
        ("I-PLAIN", 2, Decimal("3"), Decimal("4")),
        ("I-TRAINED", 2, Decimal("40"), None),
        ("I-TRAINED", 3, None, Decimal("15")),
    ]
    assert change.changed_fields == ["title", "lead_counterpart", "provinces", "budget", "targets"]
    assert diff.has_changes


def test_version_diff_of_an_unchanged_revision_has_no_changes(manager):
    approved = approved_version()
    planned_activity(approved)
    revision = version_revise(workplan=approved.workplan, user=manager)
    diff = version_diff(old=approved, new=revision)
    assert not diff.has_changes
    assert len(diff.unchanged) == 1


def test_version_diff_compares_only_versions_of_one_workplan():
    with pytest.raises(DomainError) as error:
        version_diff(old=WorkplanVersionFactory(), new=WorkplanVersionFactory())
    assert error.value.domain_code == "versions_of_different_workplans"


# --- progress updates ---------------------------------------------------------


@pytest.fixture
def updates():
    """CTD-PB: a draft (Q1) and a verified (Q2) update; CTD-SD: a submitted one (Q1)."""
    version = approved_version()
    punjab_ctd, sindh_ctd = counterpart("CTD-PB"), counterpart("CTD-SD")
    pb_activity = planned_activity(version, lead=punjab_ctd)
    sd_activity = planned_activity(version, lead=sindh_ctd)
    return {
        "pb_draft": ProgressUpdateFactory(activity=pb_activity, quarter=1),
        "pb_verified": ProgressUpdateFactory(
            activity=pb_activity, quarter=2, state=ProgressUpdate.State.VERIFIED
        ),
        "sd_submitted": ProgressUpdateFactory(
            activity=sd_activity, quarter=1, state=ProgressUpdate.State.SUBMITTED
        ),
        "version": version,
        "punjab_ctd": punjab_ctd,
    }


def test_managers_see_every_update_and_can_filter(updates, manager):
    assert set(progress_update_list(user=manager)) == {
        updates["pb_draft"],
        updates["pb_verified"],
        updates["sd_submitted"],
    }
    assert list(
        progress_update_list(user=manager, filters={"quarter": 1, "state": "submitted"})
    ) == [updates["sd_submitted"]]


def test_counterparts_see_the_updates_of_their_own_organisation(updates):
    user = counterpart_user(updates["punjab_ctd"])
    assert set(progress_update_list(user=user)) == {updates["pb_draft"], updates["pb_verified"]}
    with pytest.raises(ProgressUpdate.DoesNotExist):
        progress_update_get(user=user, pk=updates["sd_submitted"].pk)


def test_donors_see_only_verified_updates_of_workplans_they_fund(updates):
    donor = DonorFactory(short_name="EU")
    AllocationFactory(
        agreement=FundingAgreementFactory(donor=donor),
        project=ProjectFactory(sub_programme=updates["version"].workplan.sub_programme),
    )
    assert list(progress_update_list(user=user_with_role(Role.DONOR_VIEWER, donor))) == [
        updates["pb_verified"]
    ]
    assert list(progress_update_list(user=user_with_role(Role.DONOR_VIEWER))) == []


def test_progress_update_list_refuses_unknown_filters(manager):
    with pytest.raises(ValueError, match="colour"):
        progress_update_list(user=manager, filters={"colour": "red"})


def test_progress_update_list_query_count_does_not_grow_with_rows(
    manager, django_assert_num_queries
):
    version = approved_version()
    ProgressUpdateFactory(activity=planned_activity(version))

    def read():
        return [
            (
                u.activity.code,
                u.activity.version.workplan.code,
                u.activity.lead_counterpart.short_name,
                u.activity.output.code,
                u.author.username,
                u.verified_by,
            )
            for u in progress_update_list(user=manager)
        ]

    with django_assert_num_queries(1):
        assert len(read()) == 1
    for _ in range(4):
        ProgressUpdateFactory(activity=planned_activity(version))
    with django_assert_num_queries(1):
        assert len(read()) == 5
