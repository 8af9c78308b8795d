"""Each lineage's latest verified update is kept (VerifiedProgress), not searched for
(issue 14): after any sequence of writes it is what the updates themselves say, and the
progress summary read from it equals the one searched for."""

import random

import pytest

from organisations.models import Role
from tests.factories import (
    ActivityFactory,
    OutputFactory,
    ProgressUpdateFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from workplans.models import ProgressUpdate, VerifiedProgress
from workplans.selectors_results import PROGRESS_GROUP_BYS, progress_summary
from workplans.services.progress_latest import verified_progress_rebuild

pytestmark = pytest.mark.django_db

State = ProgressUpdate.State
STATES = [State.DRAFT, State.SUBMITTED, State.RETURNED, State.VERIFIED, State.CLOSED]


def _expected() -> dict:
    """{lineage: (update id, quarter, status, percent)}, computed in Python from every
    update: the verified one with the highest quarter, the newest on a tie."""
    best: dict = {}
    for update in ProgressUpdate.objects.select_related("activity"):
        if update.state != State.VERIFIED:
            continue
        key = (update.quarter, update.pk)
        lineage = update.activity.lineage
        if lineage not in best or key > best[lineage][0]:
            best[lineage] = (key, update)
    return {
        lineage: (u.pk, u.quarter, u.status, u.percent_complete)
        for lineage, (_key, u) in best.items()
    }


def _kept() -> dict:
    return {
        row.lineage: (row.update_id, row.quarter, row.status, row.percent_complete)
        for row in VerifiedProgress.objects.all()
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kept_latest_verified_update_equals_the_updates_after_random_writes(seed):
    rng = random.Random(seed)
    output = OutputFactory()
    workplan = WorkplanFactory(sub_programme=output.outcome.sub_programme)
    old = WorkplanVersionFactory(workplan=workplan, number=1, status="superseded")
    new = WorkplanVersionFactory(workplan=workplan, number=2, status="approved")
    pairs = []  # the same lineage on both versions, as a revision leaves it
    for _ in range(4):
        first = ActivityFactory(version=old, output=output)
        pairs.append((first, ActivityFactory(version=new, output=output, lineage=first.lineage)))
    activities = [a for pair in pairs for a in pair]
    for _step in range(40):
        updates = list(ProgressUpdate.objects.all())
        action = rng.choice(["create", "create", "state", "edit", "move", "delete"])
        if action == "create" or not updates:
            activity = rng.choice(activities)
            taken = set(activity.updates.values_list("quarter", flat=True))
            free = [q for q in range(1, 9) if q not in taken]
            if free:
                ProgressUpdateFactory(
                    activity=activity,
                    quarter=rng.choice(free),
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
            taken = set(update.activity.updates.values_list("quarter", flat=True))
            free = [q for q in range(1, 9) if q not in taken]
            if free and rng.random() < 0.5:
                update.quarter = rng.choice(free)
            update.save()
        elif action == "move":
            # A revision's carry-over re-points an update at another activity, here at
            # times one of another lineage.
            update = rng.choice(updates)
            target = rng.choice(activities)
            if not target.updates.filter(quarter=update.quarter).exists():
                update.activity = target
                update.save()
        else:
            rng.choice(updates).delete()
        assert _kept() == _expected(), f"seed {seed}, step {_step}: {action}"
    manager = user_with_role(Role.PROGRAMME_MANAGER)
    for group_by in PROGRESS_GROUP_BYS:
        kept = progress_summary(user=manager, group_by=group_by, workplan_id=None, quarter=None)
        # Quarter 99 takes the search through the updates, with the same answer.
        searched = progress_summary(user=manager, group_by=group_by, workplan_id=None, quarter=99)
        assert kept == searched


def test_a_rebuild_after_a_bulk_load_keeps_the_same_rows():
    activity = ActivityFactory()
    ProgressUpdateFactory(activity=activity, quarter=1, state=State.VERIFIED, percent_complete=10)
    ProgressUpdateFactory(activity=activity, quarter=3, state=State.VERIFIED, percent_complete=70)
    ProgressUpdateFactory(activity=activity, quarter=4, state=State.SUBMITTED)
    kept = _kept()
    assert list(kept.values())[0][1:] == (3, "on_track", 70)
    VerifiedProgress.objects.all().delete()
    assert verified_progress_rebuild() == 1
    assert _kept() == kept == _expected()
