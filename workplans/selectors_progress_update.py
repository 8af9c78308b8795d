"""Reads for one update's pages: the activity a counterpart reports on and its update for
a quarter, the update a manager reviews with everything it holds, and its evidence files.
The lists of updates read selectors_progress."""

from django.db.models import Prefetch

from projects.models import Province
from workplans.models import Activity, EvidenceFile, ProgressUpdate, WorkplanVersion
from workplans.selectors import progress_update_list, versions_visible_to, visible_progress_updates

# --- One activity's reporting -------------------------------------------------------


def reportable_activity_get(*, user, pk: int) -> Activity:
    """An activity of a workplan version the user may see, with what its progress form
    needs (workplan, provinces, the indicators it carries through its targets);
    Activity.DoesNotExist otherwise."""
    versions = versions_visible_to(user)
    return (
        Activity.objects.filter(version__in=versions.values("pk"))
        .select_related("version__workplan", "lead_counterpart", "output", "project")
        .prefetch_related(
            Prefetch("provinces", queryset=Province.objects.order_by("name")),
            "targets__indicator",
        )
        .get(pk=pk)
    )


def activity_in_force(*, activity: Activity) -> Activity | None:
    """The same activity (same lineage, same lead) in the version of its workplan now in
    force, if the revision kept it."""
    return (
        Activity.objects.filter(
            lineage=activity.lineage,
            version__workplan_id=activity.version.workplan_id,
            version__status=WorkplanVersion.Status.APPROVED,
            lead_counterpart_id=activity.lead_counterpart_id,
        )
        .select_related("version")
        .first()
    )


def progress_update_for(*, activity: Activity, quarter: int) -> ProgressUpdate | None:
    """The update of `activity` for `quarter`, with its values, evidence and transitions."""
    return (
        ProgressUpdate.objects.filter(activity=activity, quarter=quarter)
        .select_related("author", "verified_by")
        .prefetch_related(
            "values__indicator",
            "values__province",
            "evidence__uploaded_by",
            "transitions__by",
        )
        .first()
    )


def progress_update_last_change(*, update: ProgressUpdate):
    """The newest history record of an update (who changed it, and when), or None."""
    return update.history.select_related("history_user").order_by("-history_date").first()


# --- One update under review ----------------------------------------------------------


def progress_update_review_get(*, user, pk: int) -> ProgressUpdate:
    """One update the user may see, with everything its author entered and its history."""
    return (
        progress_update_list(user=user)
        .select_related("activity__version__workplan__sub_programme", "activity__project")
        .prefetch_related(
            Prefetch("activity__provinces", queryset=Province.objects.order_by("name")),
            "values__indicator",
            "values__province",
            "evidence__uploaded_by",
            "transitions__by",
        )
        .get(pk=pk)
    )


# --- Evidence -------------------------------------------------------------------------


def evidence_get(*, user, pk: int) -> EvidenceFile:
    """An evidence file of an update the user may see; EvidenceFile.DoesNotExist otherwise."""
    visible = visible_progress_updates(user, ProgressUpdate.objects.all())
    return EvidenceFile.objects.select_related("update").get(pk=pk, update__in=visible.values("pk"))
