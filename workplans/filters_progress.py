"""Filters of the progress review queue: what a manager narrows the submitted updates by."""

import django_filters
from django.db.models import QuerySet

from organisations.models import Organisation
from projects.models import Province, SubProgramme
from workplans.models import Activity, ProgressUpdate


class ProgressReviewFilter(django_filters.FilterSet):
    sub_programme = django_filters.ModelChoiceFilter(
        field_name="activity__version__workplan__sub_programme",
        queryset=SubProgramme.objects.select_related("programme").order_by(
            "programme__code", "code"
        ),
        label="Sub-programme",
        empty_label="All sub-programmes",
    )
    province = django_filters.ModelChoiceFilter(
        queryset=Province.objects.order_by("name"),
        method="filter_province",
        label="Province",
        empty_label="All provinces",
    )
    counterpart = django_filters.ModelChoiceFilter(
        field_name="activity__lead_counterpart",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.COUNTERPART).order_by(
            "short_name"
        ),
        label="Counterpart",
        empty_label="All counterparts",
    )

    class Meta:
        model = ProgressUpdate
        fields = ["sub_programme", "province", "counterpart"]

    def filter_province(self, queryset: QuerySet, name: str, value: Province) -> QuerySet:
        # A subquery, not a join: an activity in two provinces must not be listed twice.
        in_province = Activity.objects.filter(provinces=value).values("pk")
        return queryset.filter(activity__in=in_province)
