"""The project page's workplan results: the activities of the in-force workplans that the
project pays for, what verified progress has achieved against its indicators, and which
activities are late in reporting.

The project is projects', its activities and progress are workplans'; the page joins them,
so the read lives in reports, above both (projects never imports workplans). So does who
reads which results framework, since a workplan as well as a project opens one."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from organisations.access import is_programme_wide
from projects.models import Outcome, Project, Province, SubProgramme
from projects.selectors import project_list_visible_to
from workplans.models import Activity, WorkplanVersion
from workplans.selectors import versions_visible_to
from workplans.selectors_results import (
    IndicatorProgress,
    LateActivity,
    indicator_progress,
    late_activities,
)


def project_activities(*, user, project: Project) -> QuerySet[Activity]:
    """Activities of approved (in force) workplan versions that this project pays for."""
    versions = versions_visible_to(
        user, WorkplanVersion.objects.filter(status=WorkplanVersion.Status.APPROVED)
    )
    return (
        Activity.objects.filter(project=project, version__in=versions.values("pk"))
        .select_related("version__workplan", "output", "lead_counterpart")
        .prefetch_related(Prefetch("provinces", queryset=Province.objects.order_by("name")))
        .order_by("version__workplan__code", "code")
    )


@dataclass(frozen=True)
class ProjectWorkplanResults:
    activities: list[Activity]
    # {indicator id: verified achievements} for every indicator of the outcomes shown.
    indicator_progress: dict[int, IndicatorProgress]
    late_activities: list[LateActivity]


def project_workplan_results(
    *, user, project: Project, outcomes: list[Outcome], today: datetime.date
) -> ProjectWorkplanResults:
    """The workplan side of the project page for `outcomes` (the project's results
    framework, outputs and indicators prefetched): one query for the activities, one
    grouped query for every indicator shown, two for the activities late in reporting."""
    return ProjectWorkplanResults(
        activities=list(project_activities(user=user, project=project)),
        indicator_progress=indicator_progress(
            indicator_ids=[
                indicator.pk
                for outcome in outcomes
                for output in outcome.outputs.all()
                for indicator in output.indicators.all()
            ],
            project=project,
        ),
        late_activities=late_activities(project=project, today=today, user=user),
    )


def outcome_list(*, user) -> QuerySet[Outcome]:
    """The results frameworks the user may read: a project's own outcomes with the project,
    a sub-programme's shared ones with any project or workplan version of it the user sees
    (a counterpart reads the outputs and indicators that a decided workplan plans against).
    The API's outcomes, outputs and indicators (reports.apis_results)."""
    if is_programme_wide(user):
        return Outcome.objects.all()
    versions = versions_visible_to(user)
    projects = project_list_visible_to(user).values("pk")
    sub_programmes = SubProgramme.objects.filter(
        Q(projects__in=projects) | Q(workplans__versions__in=versions.values("pk"))
    ).values("pk")
    return Outcome.objects.filter(
        Q(project__in=projects) | Q(project__isnull=True, sub_programme__in=sub_programmes)
    )
