"""The progress summary reads each activity's latest verified update where it is kept
(VerifiedProgress), for every viewer, grouping and quarter (issue 14): after random
sequences of progress written through the services (reports submitted, verified,
returned and corrected; revisions that move a counterpart's activity to another and carry
open progress over), it equals the summary searched through the updates as each viewer
sees them. And it costs the same queries for one activity as for five."""

import random

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.factories import (
    AllocationFactory,
    DonorFactory,
    EwgMeetingFactory,
    FundingAgreementFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    user_with_role,
)
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from tests.workplans.verified_progress_support import (
    QUARTERS,
    expected_latest,
    kept_latest,
    searched_summary,
)
from workplans.models import Activity, ProgressUpdate, WorkplanVersion
from workplans.selectors_summary import PROGRESS_GROUP_BYS, progress_summary
from workplans.services import (
    activity_delete,
    activity_update,
    progress_update_return,
    progress_update_save,
    progress_update_verify,
    version_approve,
    version_revise,
    version_submit,
)
from workplans.services.progress_rules import progress_actions

pytestmark = pytest.mark.django_db

State = ProgressUpdate.State


class World:
    """Two workplans of two sub-programmes (a donor funds the first only), each with
    activities led by two counterparts, and a viewer of every kind."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        funded, unfunded = SubProgrammeFactory(), SubProgrammeFactory()
        self.leads = [counterpart("CTD-PB"), counterpart("CTD-SD")]
        self.reporters = {lead.pk: counterpart_user(lead) for lead in self.leads}
        self.manager = user_with_role(Role.PROGRAMME_MANAGER)
        self.ewg = user_with_role(Role.EWG_SECRETARIAT)
        self.workplans = []
        for sub_programme in (funded, unfunded):
            version = approved_version(workplan=WorkplanFactory(sub_programme=sub_programme))
            self.workplans.append(version.workplan)
            for index in range(3):
                planned_activity(version, lead=rng.choice(self.leads), code=f"A{index + 1}")
        donor = DonorFactory()
        project = ProjectFactory(sub_programme=funded)
        AllocationFactory(agreement=FundingAgreementFactory(donor=donor), project=project)
        outsider = DonorFactory()
        AllocationFactory(agreement=FundingAgreementFactory(donor=outsider))
        self.viewers = {
            "manager": self.manager,
            "secretariat": self.ewg,
            "administrator": user_with_role(Role.ADMINISTRATOR),
            "donor": user_with_role(Role.DONOR_VIEWER, donor),
            "donor funding elsewhere": user_with_role(Role.DONOR_VIEWER, outsider),
            **{
                f"counterpart {lead.short_name}": counterpart_user(lead, username=lead.short_name)
                for lead in self.leads
            },
            "counterpart leading nothing": counterpart_user(counterpart("CTD-KP")),
            "no role": get_user_model().objects.create_user("nobody"),
        }

    def in_force(self) -> list[Activity]:
        return list(
            Activity.objects.filter(version__status=WorkplanVersion.Status.APPROVED)
            .select_related("version__workplan")
            .order_by("pk")
        )

    def submitted(self) -> list[ProgressUpdate]:
        return list(
            ProgressUpdate.objects.filter(state=State.SUBMITTED)
            .select_related("activity__version__workplan")
            .order_by("pk")
        )

    # --- What people do ---------------------------------------------------------------

    def report(self) -> None:
        """A counterpart writes (or corrects) a quarter of one of its activities and submits it."""
        activity = self.rng.choice(self.in_force())
        quarter = self.rng.randint(1, 4)
        update = ProgressUpdate.objects.filter(activity=activity, quarter=quarter).first()
        if not progress_actions(activity=activity, update=update, quarter=quarter).can_edit:
            return
        status = self.rng.choice(ProgressUpdate.Status.values)
        progress_update_save(
            activity=activity,
            quarter=quarter,
            user=self.reporters[activity.lead_counterpart_id],
            status=status,
            percent_complete=100 if status == "completed" else self.rng.randint(0, 99),
            submit=True,
        )

    def verify(self) -> None:
        submitted = self.submitted()
        if submitted:
            progress_update_verify(update=self.rng.choice(submitted), user=self.manager)

    def return_(self) -> None:
        submitted = [
            u
            for u in self.submitted()
            if progress_actions(activity=u.activity, update=u).can_return
        ]
        if submitted:
            progress_update_return(
                update=self.rng.choice(submitted), user=self.manager, comment="Say more."
            )

    def revise(self) -> None:
        """A revision of one workplan, with one activity given to the other counterpart and
        at times one dropped, approved: open progress is carried over or closed."""
        workplan = self.rng.choice(self.workplans)
        try:
            revision = version_revise(workplan=workplan, user=self.manager)
        except DomainError:
            return
        copies = list(revision.activities.order_by("code"))
        moved = self.rng.choice(copies)
        other = next(lead for lead in self.leads if lead.pk != moved.lead_counterpart_id)
        activity_update(activity=moved, user=self.manager, lead_counterpart=other)
        if self.rng.random() < 0.3:
            activity_delete(
                activity=self.rng.choice([c for c in copies if c != moved]), user=self.manager
            )
        version_submit(version=revision, user=self.manager)
        meeting = EwgMeetingFactory(sub_programme=workplan.sub_programme, date=timezone.localdate())
        version_approve(version=revision, meeting=meeting, user=self.ewg)

    def act(self, *, revise: bool) -> str:
        name = self.rng.choice(["report", "report", "report", "verify", "verify", "return_"])
        if revise or self.rng.random() < 0.05:
            name = "revise"
        getattr(self, name)()
        return name


def _same(world: World, *, group_by: str, quarter: int | None, workplan_id: int | None, why):
    for name, user in world.viewers.items():
        asked = {"user": user, "group_by": group_by, "workplan_id": workplan_id, "quarter": quarter}
        assert progress_summary(**asked) == searched_summary(**asked), (why, name, asked)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kept_summary_equals_the_searched_one_after_random_progress_written_by_the_services(
    seed,
):
    rng = random.Random(seed)
    world = World(rng)
    done = []
    for step in range(45):
        # A revision now and then, with progress of both leads verified before and after.
        done.append(world.act(revise=step % 15 == 14))
        why = f"seed {seed}, step {step}: {done[-1]}"
        assert kept_latest() == expected_latest(), why
        _same(
            world,
            group_by=rng.choice(PROGRESS_GROUP_BYS),
            quarter=rng.choice(QUARTERS),
            workplan_id=rng.choice([None, world.workplans[0].pk]),
            why=why,
        )
    assert {"verify", "return_", "revise"} <= set(done), done
    assert ProgressUpdate.objects.filter(state=State.VERIFIED).count() >= 5
    for group_by in PROGRESS_GROUP_BYS:
        for quarter in QUARTERS:
            for workplan in [None, *world.workplans]:
                _same(
                    world,
                    group_by=group_by,
                    quarter=quarter,
                    workplan_id=workplan and workplan.pk,
                    why=f"seed {seed}, at the end",
                )


# --- Queries: the same for one activity as for five ---------------------------------------


def _queries(user_id: int, group_by: str, quarter: int | None) -> int:
    user = get_user_model().objects.get(pk=user_id)  # no membership cached from before
    with CaptureQueriesContext(connection) as queries:
        progress_summary(user=user, group_by=group_by, workplan_id=None, quarter=quarter)
    return len(queries)


def _add_activity(version: WorkplanVersion, lead, index: int) -> None:
    activity = planned_activity(version, lead=lead, code=f"Q{index}")
    for quarter in (1, 2, 3):
        ProgressUpdateFactory(
            activity=activity,
            quarter=quarter,
            state=State.VERIFIED,
            status="on_track",
            percent_complete=10 * quarter,
        )


def test_the_summary_costs_the_same_queries_for_one_activity_as_for_five():
    lead = counterpart("CTD-PB")
    reporter = counterpart_user(lead)
    sub_programme = SubProgrammeFactory()
    version = approved_version(workplan=WorkplanFactory(sub_programme=sub_programme))
    donor = DonorFactory()
    AllocationFactory(
        agreement=FundingAgreementFactory(donor=donor),
        project=ProjectFactory(sub_programme=sub_programme),
    )
    viewers = {
        "manager": user_with_role(Role.PROGRAMME_MANAGER).pk,
        "donor": user_with_role(Role.DONOR_VIEWER, donor).pk,
        "counterpart": reporter.pk,
    }
    asked = [(v, g, q) for v in viewers for g in PROGRESS_GROUP_BYS for q in (None, 2)]
    _add_activity(version, lead, 0)
    one = {a: _queries(viewers[a[0]], a[1], a[2]) for a in asked}
    for index in range(1, 5):
        _add_activity(version, lead, index)
    five = {a: _queries(viewers[a[0]], a[1], a[2]) for a in asked}
    assert five == one
    # The viewer's membership (and a donor's or counterpart's organisation), then one
    # grouped query.
    assert max(five.values()) <= 3, five
    rows, total = progress_summary(
        user=get_user_model().objects.get(pk=viewers["donor"]),
        group_by="status",
        workplan_id=None,
        quarter=2,
    )
    assert total["activities"] == total["on_track"] == 5
    assert str(total["average_percent_complete"]) == "20.0"
