"""Each lineage's latest verified update is kept (VerifiedProgress) as at every quarter, for
each group of viewers, not searched for (issue 14): after any sequence of writes, by any
writer that saves rows (here the models themselves, below the services' rules), it is what
the updates say, and a rebuild after a bulk load writes the same."""

import random

import pytest

from organisations.models import Role
from tests.factories import (
    ActivityFactory,
    OrganisationFactory,
    OutputFactory,
    ProgressUpdateFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from tests.workplans.verified_progress_support import (
    QUARTERS,
    expected_latest,
    kept_figures_match,
    kept_latest,
    searched_summary,
)
from workplans.models import ProgressUpdate, VerifiedProgress, WorkplanVersion
from workplans.selectors_summary import PROGRESS_GROUP_BYS, progress_summary
from workplans.services.progress_latest import verified_progress_rebuild

pytestmark = pytest.mark.django_db

State = ProgressUpdate.State
STATES = [State.DRAFT, State.SUBMITTED, State.RETURNED, State.VERIFIED, State.CLOSED]


def _kept_rows() -> list[tuple]:
    return sorted(
        VerifiedProgress.objects.values_list(
            "lineage",
            "quarter",
            "until_quarter",
            "everyone",
            "decided",
            "lead_counterpart_id",
            "update_id",
            "status",
            "percent_complete",
        ),
        key=repr,
    )


def _free_quarter(rng, activity) -> int | None:
    taken = set(activity.updates.values_list("quarter", flat=True))
    free = [q for q in range(1, 9) if q not in taken]
    return rng.choice(free) if free else None


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_kept_rows_equal_the_updates_after_random_writes_of_any_row(seed):
    rng = random.Random(seed)
    output = OutputFactory()
    leads = [OrganisationFactory(), OrganisationFactory()]
    workplan = WorkplanFactory(sub_programme=output.outcome.sub_programme)
    old = WorkplanVersionFactory(workplan=workplan, number=1, status="superseded")
    new = WorkplanVersionFactory(workplan=workplan, number=2, status="approved")
    draft = WorkplanVersionFactory(workplan=workplan, number=3, status="draft")
    activities = []  # the same lineage on every version, as revisions leave it
    for _ in range(3):
        first = ActivityFactory(version=old, output=output, lead_counterpart=rng.choice(leads))
        activities.append(first)
        for version in (new, draft):
            activities.append(
                ActivityFactory(
                    version=version,
                    output=output,
                    lineage=first.lineage,
                    lead_counterpart=rng.choice(leads),
                )
            )
    actions = ["create", "create", "state", "edit", "move", "delete", "lead", "version"]
    for step in range(60):
        updates = list(ProgressUpdate.objects.all())
        action = rng.choice(actions)
        if action == "create" or not updates:
            activity = rng.choice(activities)
            quarter = _free_quarter(rng, activity)
            if quarter:
                ProgressUpdateFactory(
                    activity=activity,
                    quarter=quarter,
                    state=rng.choice(STATES),
                    status=rng.choice(ProgressUpdate.Status.values),
                    percent_complete=rng.randint(0, 100),
                )
        elif action == "state":
            update = rng.choice(updates)
            update.state = rng.choice(STATES)
            update.save()
        elif action == "edit":
            update = rng.choice(updates)
            update.percent_complete = rng.randint(0, 100)
            update.status = rng.choice(ProgressUpdate.Status.values)
            quarter = _free_quarter(rng, update.activity)
            if quarter and rng.random() < 0.5:
                update.quarter = quarter
            update.save()
        elif action == "move":
            # A revision's carry-over re-points an update at another activity, here at
            # times one of another lineage.
            update = rng.choice(updates)
            target = rng.choice(activities)
            if not target.updates.filter(quarter=update.quarter).exists():
                update.activity = target
                update.save()
        elif action == "delete":
            rng.choice(updates).delete()
        elif action == "lead":
            # Who leads an activity decides which counterpart sees its updates.
            activity = rng.choice(activities)
            activity.lead_counterpart = rng.choice(leads)
            activity.save()
        else:
            # Donor viewers see only the updates on versions the EWG decided: one of two
            # versions moves between decided and open (a workplan has one open at most).
            version, other = rng.sample([old, draft], 2)
            if version.status != "superseded":
                version.status = "superseded"
            elif other.status == "superseded":
                version.status = rng.choice(WorkplanVersion.OPEN_STATUSES)
            version.save()
        assert kept_latest() == expected_latest(), f"seed {seed}, step {step}: {action}"
    kept_figures_match()
    rows = _kept_rows()
    verified_progress_rebuild()
    assert _kept_rows() == rows


def test_a_rebuild_after_a_bulk_load_keeps_the_same_rows():
    activity = ActivityFactory(version__status="approved")
    ProgressUpdateFactory(activity=activity, quarter=1, state=State.VERIFIED, percent_complete=10)
    ProgressUpdateFactory(activity=activity, quarter=3, state=State.VERIFIED, percent_complete=70)
    ProgressUpdateFactory(activity=activity, quarter=4, state=State.SUBMITTED)
    rows = _kept_rows()
    # One set of rows serves every viewer (one lead, a decided version): Q1-Q2, then Q3 on.
    assert [row[1:5] for row in rows] == [(1, 3, True, True), (3, None, True, True)]
    assert [row[7:] for row in rows] == [("on_track", 10), ("on_track", 70)]
    VerifiedProgress.objects.all().delete()
    assert verified_progress_rebuild() == 2
    assert _kept_rows() == rows
    assert kept_latest() == expected_latest()


def test_viewers_who_see_different_updates_read_different_rows():
    """A revision gave the activity to another counterpart: each counterpart's staff see
    their own organisation's updates, programme-wide roles both."""
    first_lead, second_lead = OrganisationFactory(), OrganisationFactory()
    old = ActivityFactory(version__status="superseded", lead_counterpart=first_lead)
    new = ActivityFactory(
        version__workplan=old.version.workplan,
        version__number=2,
        version__status="approved",
        lineage=old.lineage,
        lead_counterpart=second_lead,
    )
    earlier = ProgressUpdateFactory(activity=old, quarter=1, state=State.VERIFIED)
    later = ProgressUpdateFactory(activity=new, quarter=2, state=State.VERIFIED)
    kept = kept_latest()
    assert kept == expected_latest()
    assert kept[("everyone", new.lineage, None)] == later.pk
    assert kept[("everyone", new.lineage, 1)] == earlier.pk
    assert kept[(first_lead.pk, new.lineage, None)] == earlier.pk
    assert kept[(second_lead.pk, new.lineage, None)] == later.pk
    assert (second_lead.pk, new.lineage, 1) not in kept


def test_the_summary_read_from_the_kept_rows_equals_the_searched_one_for_every_viewer():
    output = OutputFactory()
    lead, other = OrganisationFactory(kind="counterpart"), OrganisationFactory(kind="counterpart")
    old = WorkplanVersionFactory(
        workplan__sub_programme=output.outcome.sub_programme, status="superseded"
    )
    new = WorkplanVersionFactory(workplan=old.workplan, number=2, status="approved")
    rng = random.Random(7)
    for index in range(6):
        was = ActivityFactory(
            version=old, output=output, lead_counterpart=rng.choice([lead, other])
        )
        now = ActivityFactory(
            version=new, output=output, lineage=was.lineage, lead_counterpart=lead
        )
        for activity, quarter in ((was, 1), (was, 2), (now, 2), (now, 3)):
            if rng.random() < 0.6:
                ProgressUpdateFactory(
                    activity=activity,
                    quarter=quarter,
                    state=rng.choice([State.VERIFIED, State.VERIFIED, State.SUBMITTED]),
                    status=ProgressUpdate.Status.values[index % 5],
                    percent_complete=rng.randint(0, 100),
                )
    viewers = [
        user_with_role(Role.PROGRAMME_MANAGER),
        user_with_role(Role.COUNTERPART_STAFF, lead),
        user_with_role(Role.COUNTERPART_STAFF, other),
    ]
    for user in viewers:
        for group_by in PROGRESS_GROUP_BYS:
            for quarter in QUARTERS:
                asked = {"user": user, "group_by": group_by, "quarter": quarter}
                kept = progress_summary(**asked, workplan_id=None)
                assert kept == searched_summary(**asked, workplan_id=None), asked
