"""The latest verified update of each activity lineage (VerifiedProgress), kept with the
updates it sums up.

Every save or deletion of a progress update refreshes the lineages it touches, in the
transaction of the write (signals, so that no writer can forget it: the services, the
admin, the carry-over of a revision, fixtures). A lineage's activity rows are locked
first, so two verifications of one lineage at once cannot leave the older as the latest.
Writes that bypass save() (bulk loads) call verified_progress_rebuild() afterwards.
"""

from collections.abc import Iterable
from uuid import UUID

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from workplans.models import Activity, ProgressUpdate, VerifiedProgress

VERIFIED = ProgressUpdate.State.VERIFIED


def _latest(lineage: UUID):
    return (
        ProgressUpdate.objects.filter(activity__lineage=lineage, state=VERIFIED)
        .order_by("-quarter", "-pk")
        .values("pk", "quarter", "status", "percent_complete")
        .first()
    )


@transaction.atomic
def verified_progress_refresh(*, lineages: Iterable[UUID]) -> None:
    """Recompute the kept latest verified update of each lineage from the updates."""
    for lineage in lineages:
        list(Activity.objects.filter(lineage=lineage).order_by("pk").select_for_update())
        latest = _latest(lineage)
        if latest is None:
            VerifiedProgress.objects.filter(lineage=lineage).delete()
            continue
        VerifiedProgress.objects.update_or_create(
            lineage=lineage,
            defaults={
                "update_id": latest["pk"],
                "quarter": latest["quarter"],
                "status": latest["status"],
                "percent_complete": latest["percent_complete"],
            },
        )


@transaction.atomic
def verified_progress_rebuild() -> int:
    """Recompute every lineage's row from scratch (after a bulk load); the rows kept."""
    VerifiedProgress.objects.all().delete()
    # Ordered so each lineage's latest comes first; the first row of a lineage is kept
    # (DISTINCT ON would do it in PostgreSQL, but the embedded SQLite has none).
    ordered = (
        ProgressUpdate.objects.filter(state=VERIFIED)
        .order_by("activity__lineage", "-quarter", "-pk")
        .values_list("activity__lineage", "pk", "quarter", "status", "percent_complete")
    )
    rows, seen = [], None
    for lineage, pk, q, status, percent in ordered.iterator(chunk_size=5000):
        if lineage == seen:
            continue
        seen = lineage
        rows.append(
            VerifiedProgress(
                lineage=lineage, update_id=pk, quarter=q, status=status, percent_complete=percent
            )
        )
    VerifiedProgress.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _touched(update: ProgressUpdate) -> list[UUID]:
    # The lineage a row kept before (an update moved to another lineage frees it first),
    # then the update's own.
    before = list(
        VerifiedProgress.objects.filter(update_id=update.pk).values_list("lineage", flat=True)
    )
    own = Activity.objects.filter(pk=update.activity_id).values_list("lineage", flat=True).first()
    return [*(lineage for lineage in before if lineage != own), *([own] if own else [])]


def _on_save(sender, instance: ProgressUpdate, raw=False, **kwargs) -> None:
    if raw:
        return
    if (
        instance.state != VERIFIED
        and not VerifiedProgress.objects.filter(update_id=instance.pk).exists()
    ):
        return  # neither verified now nor the kept latest of any lineage: nothing changes
    verified_progress_refresh(lineages=_touched(instance))


def _on_delete(sender, instance: ProgressUpdate, **kwargs) -> None:
    lineage = (
        Activity.objects.filter(pk=instance.activity_id).values_list("lineage", flat=True).first()
    )
    if lineage is not None:
        verified_progress_refresh(lineages=[lineage])


def connect() -> None:
    post_save.connect(_on_save, sender=ProgressUpdate, dispatch_uid="verified_progress_save")
    post_delete.connect(_on_delete, sender=ProgressUpdate, dispatch_uid="verified_progress_delete")
