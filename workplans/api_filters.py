"""What API clients may narrow workplans, activities, meetings and progress by."""

import django_filters

from ctportal.api.filters import (
    CodeFilter,
    IdFilter,
    PortalFilterSet,
    QuarterFilter,
    date_filter,
)
from projects.models import Province
from workplans.models import Activity, EwgMeeting, ProgressUpdate, Workplan, WorkplanVersion


class WorkplanFilter(PortalFilterSet):
    sub_programme = IdFilter(field_name="sub_programme_id")
    active_from = date_filter("period_end", "gte", "Running on or after (YYYY-MM-DD)")
    active_to = date_filter("period_start", "lte", "Running on or before (YYYY-MM-DD)")

    class Meta:
        model = Workplan
        fields = ["sub_programme", "active_from", "active_to"]


class WorkplanVersionFilter(PortalFilterSet):
    workplan = IdFilter(field_name="workplan_id")
    sub_programme = IdFilter(field_name="workplan__sub_programme_id")
    status = django_filters.ChoiceFilter(choices=WorkplanVersion.Status.choices)

    class Meta:
        model = WorkplanVersion
        fields = ["workplan", "sub_programme", "status"]


class ActivityFilter(PortalFilterSet):
    version = IdFilter(field_name="version_id")
    workplan = IdFilter(field_name="version__workplan_id")
    sub_programme = IdFilter(field_name="version__workplan__sub_programme_id")
    version_status = django_filters.ChoiceFilter(
        field_name="version__status", choices=WorkplanVersion.Status.choices
    )
    output = IdFilter(field_name="output_id")
    lead_counterpart = IdFilter(field_name="lead_counterpart_id")
    project = IdFilter(field_name="project_id")
    province = CodeFilter(queryset=Province.objects.all(), method="filter_province")
    quarter = QuarterFilter(method="filter_quarter", label="Has a target in quarter")

    class Meta:
        model = Activity
        fields = [
            "version",
            "workplan",
            "sub_programme",
            "version_status",
            "output",
            "lead_counterpart",
            "project",
            "province",
            "quarter",
        ]

    def filter_province(self, queryset, name, value):
        return queryset.filter(pk__in=Activity.objects.filter(provinces=value).values("pk"))

    def filter_quarter(self, queryset, name, value):
        planned = Activity.objects.filter(targets__quarter=value).values("pk")
        return queryset.filter(pk__in=planned)


class MeetingFilter(PortalFilterSet):
    sub_programme = IdFilter(field_name="sub_programme_id")
    date_from = date_filter("date", "gte", "Held on or after (YYYY-MM-DD)")
    date_to = date_filter("date", "lte", "Held on or before (YYYY-MM-DD)")

    class Meta:
        model = EwgMeeting
        fields = ["sub_programme", "date_from", "date_to"]


class ProgressUpdateFilter(PortalFilterSet):
    workplan = IdFilter(field_name="activity__version__workplan_id")
    version = IdFilter(field_name="activity__version_id")
    activity = IdFilter(field_name="activity_id")
    output = IdFilter(field_name="activity__output_id")
    lead_counterpart = IdFilter(field_name="activity__lead_counterpart_id")
    project = IdFilter(field_name="activity__project_id")
    province = CodeFilter(queryset=Province.objects.all(), method="filter_province")
    quarter = QuarterFilter()
    state = django_filters.ChoiceFilter(choices=ProgressUpdate.State.choices)
    status = django_filters.ChoiceFilter(choices=ProgressUpdate.Status.choices)
    submitted_from = date_filter("submitted_at__date", "gte", "Submitted on or after")
    submitted_to = date_filter("submitted_at__date", "lte", "Submitted on or before")
    verified_from = date_filter("verified_at__date", "gte", "Verified on or after")
    verified_to = date_filter("verified_at__date", "lte", "Verified on or before")

    class Meta:
        model = ProgressUpdate
        fields = [
            "workplan",
            "version",
            "activity",
            "output",
            "lead_counterpart",
            "project",
            "province",
            "quarter",
            "state",
            "status",
            "submitted_from",
            "submitted_to",
            "verified_from",
            "verified_to",
        ]

    def filter_province(self, queryset, name, value):
        return queryset.filter(activity__in=Activity.objects.filter(provinces=value).values("pk"))
