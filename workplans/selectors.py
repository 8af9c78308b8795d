"""Reads for workplans: querysets already shaped for the pages and APIs that show them."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet

from ctportal.exceptions import DomainError
from ctportal.money import Money
from organisations import access
from projects.selectors import project_list_visible_to
from workplans.models import (
    Activity,
    ActivityTarget,
    ProgressUpdate,
    WorkplanVersion,
)

# Meetings live in their own module; these names stay readable from here too.
from workplans.selectors_meetings import meeting_decision_list as meeting_decision_list
from workplans.selectors_meetings import meeting_document_get as meeting_document_get
from workplans.selectors_meetings import meeting_get as meeting_get
from workplans.selectors_meetings import meeting_list as meeting_list
from workplans.selectors_meetings import version_decision_list as version_decision_list

# --- Who sees which versions and updates --------------------------------------

# What the EWG decided: the version in force and the ones it replaced.
DECIDED_STATUSES = WorkplanVersion.DECIDED


def versions_visible_to(
    user, queryset: QuerySet[WorkplanVersion] | None = None
) -> QuerySet[WorkplanVersion]:
    """The versions (of `queryset`, all by default) the user may see: every one for the
    roles that see the whole programme; what the EWG decided for counterpart staff; what it
    decided for the sub-programmes a donor viewer's money reaches (those of the projects it
    may see, projects.selectors); none for anyone else."""
    queryset = WorkplanVersion.objects.all() if queryset is None else queryset
    if access.is_programme_wide(user):
        return queryset
    decided = queryset.filter(status__in=DECIDED_STATUSES)
    if access.is_counterpart(user):
        return decided
    if access.donor_of(user) is not None:
        funded = project_list_visible_to(user).values("sub_programme_id")
        return decided.filter(workplan__sub_programme__in=funded)
    return queryset.none()


def activities_visible_to(user) -> QuerySet[Activity]:
    """The activities of the versions the user may see (versions_visible_to); for the
    roles that see every version no condition at all (one every row meets still cost a
    subquery, and kept the list's count from being its table's: ctportal.row_counts)."""
    if access.is_programme_wide(user):
        return Activity.objects.all()
    return Activity.objects.filter(version__in=versions_visible_to(user).values("pk"))


# --- Versions and activities --------------------------------------------------


def workplan_version_list(
    *, user, filters: Mapping[str, Any] | None = None
) -> QuerySet[WorkplanVersion]:
    """The versions `user` may see (versions_visible_to), newest workplan first,
    each with its workplan, sub-programme, deciding meeting and `activity_count`.

    filters: workplan, sub_programme, status (each a pk/value; empty values are ignored).
    """
    visible = versions_visible_to(user)
    queryset = (
        WorkplanVersion.objects.filter(pk__in=visible.values("pk"))
        .select_related(
            "workplan__sub_programme__programme",
            "decided_by_meeting__sub_programme",
            "based_on",
            "submitted_by",
        )
        .annotate(activity_count=Count("activities"))
        .order_by("-workplan__period_start", "workplan__code", "-number")
    )
    filters = filters or {}
    for name, lookup in (
        ("workplan", "workplan"),
        ("sub_programme", "workplan__sub_programme"),
        ("status", "status"),
    ):
        value = filters.get(name)
        if value not in (None, ""):
            queryset = queryset.filter(**{lookup: value})
    return queryset


def version_get(*, user, pk: int) -> WorkplanVersion:
    """One version `user` may see; one they may not see does not exist for them."""
    return workplan_version_list(user=user).get(pk=pk)


def version_in_force(*, user, workplan_id: int) -> WorkplanVersion | None:
    """The approved version of a workplan, where `user` may see it."""
    return (
        workplan_version_list(user=user)
        .filter(workplan_id=workplan_id, status=WorkplanVersion.Status.APPROVED)
        .first()
    )


def activity_list(*, version: WorkplanVersion) -> QuerySet[Activity]:
    """The activities of a version, by code, with everything a table of them shows."""
    return (
        Activity.objects.filter(version=version)
        .select_related("output__outcome", "lead_counterpart", "project", "version__workplan")
        .prefetch_related(
            "provinces",
            Prefetch(
                "targets",
                queryset=ActivityTarget.objects.select_related("indicator").order_by(
                    "indicator__code", "quarter"
                ),
            ),
        )
        .order_by("code")
    )


def activity_table_keys(
    *, version: WorkplanVersion, lead_counterpart_id: int | None = None, search: str = ""
) -> list[dict[str, Any]]:
    """Every activity of a version (led by `lead_counterpart_id`, when given; whose code or
    title holds every word of `search`) with the columns its table sorts by: pk, code,
    title, budget, output_code, lead. One query, light enough for every activity of a
    version, so the table can be sorted whole and shown a page at a time."""
    activities = Activity.objects.filter(version=version)
    if lead_counterpart_id is not None:
        activities = activities.filter(lead_counterpart_id=lead_counterpart_id)
    for word in search.split():
        activities = activities.filter(Q(code__icontains=word) | Q(title__icontains=word))
    return list(
        activities.order_by("code").values(
            "pk",
            "code",
            "title",
            "budget",
            output_code=F("output__code"),
            lead=F("lead_counterpart__short_name"),
        )
    )


def activity_table_rows(*, pks: Sequence[int]) -> list[Activity]:
    """The activities `pks`, in that order, with what a row of a version's table shows:
    output, lead, and `province_list` and `target_list` (by indicator code and quarter,
    each with its indicator) as lists. Three queries, whatever the number of rows."""
    activities = (
        Activity.objects.filter(pk__in=list(pks))
        .select_related("output", "lead_counterpart")
        .prefetch_related(
            Prefetch("provinces", to_attr="province_list"),
            Prefetch(
                "targets",
                queryset=ActivityTarget.objects.select_related("indicator").order_by(
                    "indicator__code", "quarter"
                ),
                to_attr="target_list",
            ),
        )
    )
    by_pk = {activity.pk: activity for activity in activities}
    return [by_pk[pk] for pk in pks if pk in by_pk]


# --- What changed between two versions ---------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field of an activity, as it was and as it is."""

    field: str
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class TargetChange:
    """The target of one indicator in one quarter; None where there was (or is) none."""

    indicator: Any
    quarter: int
    old: Decimal | None
    new: Decimal | None

    @property
    def label(self) -> str:
        return f"Target {self.indicator.code} Q{self.quarter}"


@dataclass(frozen=True)
class ActivityChange:
    """An activity present in both versions (same lineage) whose plan changed."""

    old: Activity
    new: Activity
    fields: list[FieldChange]
    targets: list[TargetChange]

    @property
    def lineage(self) -> uuid.UUID:
        return self.new.lineage

    @property
    def changed_fields(self) -> list[str]:
        return [change.field for change in self.fields] + (["targets"] if self.targets else [])


@dataclass(frozen=True)
class VersionDiff:
    old: WorkplanVersion
    new: WorkplanVersion
    added: list[Activity] = field(default_factory=list)
    removed: list[Activity] = field(default_factory=list)
    changed: list[ActivityChange] = field(default_factory=list)
    unchanged: list[Activity] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)


# (field, label, how to read the compared value from an activity)
_COMPARED_FIELDS = (
    ("code", "Code", lambda a: a.code),
    ("title", "Title", lambda a: a.title),
    ("description", "Description", lambda a: a.description),
    ("output", "Output", lambda a: a.output),
    ("lead_counterpart", "Lead counterpart", lambda a: a.lead_counterpart),
    ("project", "Project", lambda a: a.project),
    ("provinces", "Provinces", lambda a: tuple(sorted(a.provinces.all(), key=lambda p: p.code))),
    ("budget", "Budget", lambda a: Money(a.budget, a.budget_currency)),
)


def _activity_changes(old: Activity, new: Activity) -> ActivityChange | None:
    fields = [
        FieldChange(field=name, label=label, old=read(old), new=read(new))
        for name, label, read in _COMPARED_FIELDS
        if read(old) != read(new)
    ]
    old_targets = {(t.indicator_id, t.quarter): t for t in old.targets.all()}
    new_targets = {(t.indicator_id, t.quarter): t for t in new.targets.all()}
    targets = []
    for key in sorted(
        old_targets.keys() | new_targets.keys(),
        key=lambda k: ((old_targets.get(k) or new_targets[k]).indicator.code, k[1]),
    ):
        before, after = old_targets.get(key), new_targets.get(key)
        old_value = before.value if before else None
        new_value = after.value if after else None
        if old_value != new_value:
            targets.append(
                TargetChange(
                    indicator=(after or before).indicator,
                    quarter=key[1],
                    old=old_value,
                    new=new_value,
                )
            )
    if not fields and not targets:
        return None
    return ActivityChange(old=old, new=new, fields=fields, targets=targets)


def version_diff(*, old: WorkplanVersion, new: WorkplanVersion) -> VersionDiff:
    """What changed from `old` to `new` of the same workplan: activities added, removed,
    and changed field by field and target by target, matched by lineage."""
    if old.workplan_id != new.workplan_id:
        raise DomainError(
            "Only two versions of the same workplan can be compared.",
            code="versions_of_different_workplans",
        )
    before = {a.lineage: a for a in activity_list(version=old)}
    after = {a.lineage: a for a in activity_list(version=new)}
    diff = VersionDiff(old=old, new=new)
    for lineage, activity in after.items():
        if lineage not in before:
            diff.added.append(activity)
            continue
        change = _activity_changes(before[lineage], activity)
        if change:
            diff.changed.append(change)
        else:
            diff.unchanged.append(activity)
    diff.removed.extend(a for lineage, a in before.items() if lineage not in after)
    for items in (diff.added, diff.removed, diff.unchanged):
        items.sort(key=lambda a: a.code)
    diff.changed.sort(key=lambda c: c.new.code)
    return diff


# --- Progress -----------------------------------------------------------------


def visible_progress_updates(user, queryset: QuerySet[ProgressUpdate]) -> QuerySet[ProgressUpdate]:
    """Programme-wide roles see every update; counterpart staff those of activities their
    organisation leads; donor viewers only verified ones on workplans they may see."""
    if access.is_programme_wide(user):
        return queryset
    organisation = access.organisation_of(user)
    if access.is_counterpart(user) and organisation is not None:
        return queryset.filter(activity__lead_counterpart=organisation)
    if access.donor_of(user) is not None:
        versions = versions_visible_to(user)
        return queryset.filter(
            state=ProgressUpdate.State.VERIFIED, activity__version__in=versions.values("pk")
        )
    return queryset.none()


def verified_progress_audience(user) -> dict[str, object] | None:
    """Which rows of the kept latest verified updates (VerifiedProgress) hold what `user`
    sees, as a filter on its columns: the groups of visible_progress_updates above, which
    workplans.services.progress_latest keeps apart. None: the user sees no update."""
    if access.is_programme_wide(user):
        return {"everyone": True}
    organisation = access.organisation_of(user)
    if access.is_counterpart(user) and organisation is not None:
        return {"lead_counterpart": organisation.pk}
    if access.donor_of(user) is not None:
        return {"decided": True}
    return None


_PROGRESS_FILTERS = {
    "workplan": "activity__version__workplan",
    "version": "activity__version",
    "activity": "activity",
    "lineage": "activity__lineage",
    "lead_counterpart": "activity__lead_counterpart",
    "quarter": "quarter",
    "state": "state",
    "status": "status",
}


def progress_update_list(
    *, user, filters: Mapping[str, Any] | None = None
) -> QuerySet[ProgressUpdate]:
    """The progress updates `user` may see, with their activity, workplan and people.

    filters: workplan, version, activity, lineage, lead_counterpart, quarter, state, status
    (empty values are ignored; unknown names are refused).
    """
    filters = filters or {}
    unknown = set(filters) - set(_PROGRESS_FILTERS)
    if unknown:
        raise ValueError(f"Unknown progress filters: {', '.join(sorted(unknown))}")
    queryset = visible_progress_updates(
        user,
        ProgressUpdate.objects.select_related(
            "activity__version__workplan",
            "activity__lead_counterpart",
            "activity__output",
            "author",
            "verified_by",
        ),
    )
    for name, value in filters.items():
        if value not in (None, ""):
            queryset = queryset.filter(**{_PROGRESS_FILTERS[name]: value})
    return queryset.order_by("activity__version__workplan__code", "activity__code", "quarter")


def progress_update_get(*, user, pk: int) -> ProgressUpdate:
    """One update `user` may see, with its values, evidence and transitions."""
    return (
        progress_update_list(user=user)
        .prefetch_related(
            "values__indicator",
            "values__province",
            "evidence__uploaded_by",
            "transitions__by",
        )
        .get(pk=pk)
    )
