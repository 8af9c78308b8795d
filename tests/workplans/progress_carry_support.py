"""Helpers shared by the test_progress_carry.py split modules."""

from decimal import Decimal

from django.utils import timezone

from tests.factories import (
    EwgMeetingFactory,
)
from workplans.models import (
    Activity,
    ProgressTransition,
    ProgressUpdate,
    WorkplanVersion,
)
from workplans.services import (
    progress_update_save,
    progress_update_submit,
    version_approve,
    version_revise,
    version_submit,
)

State = ProgressUpdate.State


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def save(activity, user, quarter, **overrides):
    arguments = {
        "activity": activity,
        "quarter": quarter,
        "user": user,
        "status": "on_track",
        "percent_complete": 40,
        "narrative": f"Q{quarter} work.",
        "values": [(activity.plain, "", None, Decimal("1"))],
    }
    arguments.update(overrides)
    return progress_update_save(**arguments)


def submit(activity, user, quarter, **overrides):
    return progress_update_submit(update=save(activity, user, quarter, **overrides), user=user)


def revise(version, manager) -> WorkplanVersion:
    return version_revise(workplan=version.workplan, user=manager)


def approve(revision, manager, ewg_secretary) -> WorkplanVersion:
    version_submit(version=revision, user=manager)
    meeting = EwgMeetingFactory(
        sub_programme=revision.workplan.sub_programme, date=timezone.localdate()
    )
    return version_approve(version=revision, meeting=meeting, user=ewg_secretary)


def copy_of(activity, version) -> Activity:
    """The same activity in `version`, with the indicators planned_activity gave it."""
    copy = Activity.objects.get(version=version, lineage=activity.lineage)
    copy.plain, copy.trained = getattr(activity, "plain", None), getattr(activity, "trained", None)
    return copy


def transitions(update) -> list[tuple]:
    return list(
        ProgressTransition.objects.filter(update=update)
        .order_by("at", "pk")
        .values_list("from_state", "to_state", "by__username")
    )


def last_comment(update) -> str:
    return ProgressTransition.objects.filter(update=update).order_by("at", "pk").last().comment
