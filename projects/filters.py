"""Filters of the project list (pages and API): what a user narrows a visible list by."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from organisations import access
from organisations.models import Organisation
from projects.forms import ProjectFilterForm
from projects.models import Project, Province, SubProgramme

# type="date" inputs need ISO dates whatever the locale formats dates as.
_DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Code or title")
    sub_programme = django_filters.ModelChoiceFilter(
        queryset=SubProgramme.objects.select_related("programme").order_by(
            "programme__code", "code"
        ),
        label="Sub-programme",
        empty_label="All sub-programmes",
    )
    donor = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.DONOR).order_by("short_name"),
        method="filter_donor",
        label="Donor",
        empty_label="All donors",
    )
    province = django_filters.ModelChoiceFilter(
        field_name="provinces",
        queryset=Province.objects.order_by("name"),
        label="Province",
        empty_label="All provinces",
    )
    status = django_filters.ChoiceFilter(
        choices=Project.Status.choices, label="Status", empty_label="Any status"
    )
    active_from = django_filters.DateFilter(
        method="filter_active_from", label="Active from", widget=_DATE_INPUT
    )
    active_to = django_filters.DateFilter(
        method="filter_active_to", label="Active until", widget=_DATE_INPUT
    )

    class Meta:
        model = Project
        fields = ["q", "sub_programme", "donor", "province", "status", "active_from", "active_to"]
        form = ProjectFilterForm

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # Which donor funds what is money information: offered to those who see all money.
        # A donor viewer's list holds only its own projects, so the filter would be moot.
        if not access.can_filter_by_donor(user) or access.is_donor_viewer(user):
            del self.filters["donor"]
        # As in the API, a role that never sees money is told it may not ask (and, as with
        # any filter in error, shown no rows) rather than shown every project unfiltered.
        if data and data.get("donor") and not access.can_filter_by_donor(user):
            self.form.add_error(
                None, forms.ValidationError(access.DONOR_FILTER_REFUSED, code="not_permitted")
            )

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))

    def filter_donor(self, queryset: QuerySet, name: str, value: Organisation) -> QuerySet:
        # A subquery, not a join: two agreements of one donor must not list a project twice.
        funded = Project.objects.filter(allocations__agreement__donor=value).values("pk")
        return queryset.filter(pk__in=funded)

    def filter_active_from(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(end_date__gte=value)

    def filter_active_to(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(start_date__lte=value)
