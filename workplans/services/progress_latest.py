"""The latest verified update of each activity lineage as at every quarter, for each group of
viewers (VerifiedProgress), kept with the updates it sums up.

Every save or deletion of a progress update refreshes the lineages it touches, in the
transaction of the write (signals, so that no writer can forget it: the services, the
admin, the carry-over of a revision, fixtures). So does a save of an activity that has
verified updates (its lead decides which counterpart sees them) and a version's move into
or out of the statuses the EWG decided (donor viewers see only updates on those). A
lineage's activity rows are locked first, so two verifications of one lineage at once
cannot leave the older as the latest. Writes that bypass save() (bulk loads) call
verified_progress_rebuild() afterwards.

Which viewers see which updates is workplans.selectors.visible_progress_updates; the groups
here must stay those: every verified update (programme-wide roles), those on decided
versions (donor viewers: a lineage never leaves its workplan, so their sub-programme
filter is the in-force activity's), those of activities a counterpart leads (its staff).
"""

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from ctportal import figures_cache
from workplans.models import Activity, ProgressUpdate, VerifiedProgress, WorkplanVersion

VERIFIED = ProgressUpdate.State.VERIFIED
BATCH = 5000


@dataclass(frozen=True)
class _Verified:
    """A verified update of a lineage, with what decides who sees it."""

    pk: int
    quarter: int
    status: str
    percent_complete: int
    lead_counterpart_id: int
    decided: bool


_FIELDS = (
    "activity__lineage",
    "pk",
    "quarter",
    "status",
    "percent_complete",
    "activity__lead_counterpart_id",
    "activity__version__status",
)


def _verified(row: tuple) -> _Verified:
    _lineage, pk, quarter, status, percent, lead, version_status = row
    decided = version_status in WorkplanVersion.DECIDED
    return _Verified(pk, quarter, status, percent, lead, decided)


def lineage_rows(lineage: UUID, updates: Iterable[_Verified]) -> list[VerifiedProgress]:
    """A lineage's rows from its verified updates: for each distinct set of updates some
    viewers see (everyone's, the decided versions', each lead counterpart's), one row per
    quarter with a verified update, holding the newest of that quarter until the next."""
    updates = list(updates)
    groups: dict[frozenset[int], dict] = {}

    def seen_by(members: list[_Verified], **flags) -> None:
        if members:
            group = groups.setdefault(
                frozenset(u.pk for u in members),
                {"members": members, "everyone": False, "decided": False, "lead": None},
            )
            group.update(flags)

    seen_by(updates, everyone=True)
    seen_by([u for u in updates if u.decided], decided=True)
    for lead in sorted({u.lead_counterpart_id for u in updates}):
        # Two leads never see the same (non-empty) updates: one lead per group.
        seen_by([u for u in updates if u.lead_counterpart_id == lead], lead=lead)
    rows = []
    for group in groups.values():
        newest: dict[int, _Verified] = {}
        for update in sorted(group["members"], key=lambda u: (u.quarter, u.pk)):
            newest[update.quarter] = update
        quarters = sorted(newest)
        for quarter, until in zip(quarters, [*quarters[1:], None], strict=True):
            update = newest[quarter]
            rows.append(
                VerifiedProgress(
                    lineage=lineage,
                    quarter=quarter,
                    until_quarter=until,
                    everyone=group["everyone"],
                    decided=group["decided"],
                    lead_counterpart_id=group["lead"],
                    update_id=update.pk,
                    status=update.status,
                    percent_complete=update.percent_complete,
                )
            )
    return rows


@transaction.atomic
def verified_progress_refresh(*, lineages: Iterable[UUID]) -> None:
    """Recompute the kept rows of each lineage from its verified updates (four queries)."""
    lineages = sorted(set(lineages))
    if not lineages:
        return
    # Locked in one order by every writer: no two refreshes wait on each other in a cycle.
    list(
        Activity.objects.filter(lineage__in=lineages)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", flat=True)
    )
    by_lineage: dict[UUID, list[_Verified]] = {}
    for row in ProgressUpdate.objects.filter(
        activity__lineage__in=lineages, state=VERIFIED
    ).values_list(*_FIELDS):
        by_lineage.setdefault(row[0], []).append(_verified(row))
    VerifiedProgress.objects.filter(lineage__in=lineages).delete()
    VerifiedProgress.objects.bulk_create(
        [row for lineage in lineages for row in lineage_rows(lineage, by_lineage.get(lineage, []))]
    )


@transaction.atomic
def verified_progress_rebuild() -> int:
    """Recompute every lineage's rows from scratch (after a bulk load); the rows kept."""
    VerifiedProgress.objects.all().delete()
    ordered = (
        ProgressUpdate.objects.filter(state=VERIFIED)
        .order_by("activity__lineage", "pk")
        .values_list(*_FIELDS)
    )
    written, pending = 0, []
    for lineage, rows in itertools.groupby(
        ordered.iterator(chunk_size=BATCH), key=lambda row: row[0]
    ):
        pending.extend(lineage_rows(lineage, map(_verified, rows)))
        if len(pending) >= BATCH:
            VerifiedProgress.objects.bulk_create(pending, batch_size=BATCH)
            written, pending = written + len(pending), []
    VerifiedProgress.objects.bulk_create(pending, batch_size=BATCH)
    figures_cache.data_changed()  # bulk_create sends no post_save
    return written + len(pending)


# --- What refreshes which lineages -----------------------------------------------------


def _kept_lineages(**update_filter) -> list[UUID]:
    return list(
        VerifiedProgress.objects.filter(**update_filter)
        .values_list("lineage", flat=True)
        .distinct()
    )


def _on_update_save(sender, instance: ProgressUpdate, raw=False, **kwargs) -> None:
    if raw:
        return
    kept = _kept_lineages(update_id=instance.pk)
    if instance.state != VERIFIED and not kept:
        return  # neither verified now nor kept for anyone: nothing changes
    # The lineages that kept it (an update moved to another lineage frees them), and its own.
    own = Activity.objects.filter(pk=instance.activity_id).values_list("lineage", flat=True)
    verified_progress_refresh(lineages=[*kept, *own])


def _on_update_delete(sender, instance: ProgressUpdate, **kwargs) -> None:
    if instance.state != VERIFIED:
        return  # never kept: nothing changes
    lineage = Activity.objects.filter(pk=instance.activity_id).values_list("lineage", flat=True)
    verified_progress_refresh(lineages=list(lineage))


def _on_activity_save(sender, instance: Activity, created=False, raw=False, **kwargs) -> None:
    # Its lead decides which counterpart sees its verified updates. (Activities of approved
    # versions, the only ones with updates, never change through the services; this keeps
    # the rows right whatever writes them.)
    if raw or created:
        return
    if ProgressUpdate.objects.filter(activity=instance, state=VERIFIED).exists():
        kept = _kept_lineages(update__activity=instance)
        verified_progress_refresh(lineages=[*kept, instance.lineage])


def _before_version_save(sender, instance: WorkplanVersion, raw=False, **kwargs) -> None:
    instance._decided_before = None
    if not raw and not instance._state.adding:
        status = WorkplanVersion.objects.filter(pk=instance.pk).values_list("status", flat=True)
        instance._decided_before = status.first() in WorkplanVersion.DECIDED


def _on_version_save(sender, instance: WorkplanVersion, raw=False, **kwargs) -> None:
    # Donor viewers see verified updates on decided versions only. (Through the services a
    # version has updates only once approved, and stays decided: this is for other writers.)
    before = getattr(instance, "_decided_before", None)
    if raw or before is None or before == (instance.status in WorkplanVersion.DECIDED):
        return
    verified_progress_refresh(
        lineages=ProgressUpdate.objects.filter(activity__version=instance, state=VERIFIED)
        .values_list("activity__lineage", flat=True)
        .distinct()
    )


def connect() -> None:
    post_save.connect(_on_update_save, sender=ProgressUpdate, dispatch_uid="verified_progress_save")
    post_delete.connect(
        _on_update_delete, sender=ProgressUpdate, dispatch_uid="verified_progress_delete"
    )
    post_save.connect(_on_activity_save, sender=Activity, dispatch_uid="verified_progress_activity")
    pre_save.connect(
        _before_version_save, sender=WorkplanVersion, dispatch_uid="verified_progress_version_pre"
    )
    post_save.connect(
        _on_version_save, sender=WorkplanVersion, dispatch_uid="verified_progress_version"
    )
