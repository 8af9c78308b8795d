"""What API clients may narrow project lists by: an allow-list of fields, each value
checked (a malformed date or an unknown choice is a 400)."""

import django_filters
from django.db.models import QuerySet

from ctportal.api.filters import (
    CodeFilter,
    IdFilter,
    ObjectFilter,
    PortalFilterSet,
    YearFilter,
    date_filter,
)
from ctportal.money import Currency
from organisations.api_filters import DonorFilter
from organisations.models import Organisation
from projects.models import (
    BudgetCategory,
    BudgetLine,
    ExchangeRate,
    Expenditure,
    Indicator,
    Outcome,
    Output,
    Project,
    Province,
    SubProgramme,
)

COUNTERPARTS = Organisation.objects.filter(kind=Organisation.Kind.COUNTERPART)


def _funded_by(donor: Organisation) -> QuerySet:
    # A subquery, not a join: two agreements of one donor must not repeat a row.
    return Project.objects.filter(allocations__agreement__donor=donor).values("pk")


class ExchangeRateFilter(PortalFilterSet):
    currency = django_filters.ChoiceFilter(choices=Currency.choices)
    month_from = date_filter("month", "gte", "Months from (YYYY-MM-DD)")
    month_to = date_filter("month", "lte", "Months up to (YYYY-MM-DD)")

    class Meta:
        model = ExchangeRate
        fields = ["currency", "month_from", "month_to"]


class SubProgrammeFilter(PortalFilterSet):
    programme = IdFilter(field_name="programme_id")

    class Meta:
        model = SubProgramme
        fields = ["programme"]


class ProjectFilter(PortalFilterSet):
    code = django_filters.CharFilter()
    sub_programme = ObjectFilter(queryset=SubProgramme.objects.all())
    donor = DonorFilter(narrow=lambda rows, donor: rows.filter(pk__in=_funded_by(donor)))
    province = CodeFilter(queryset=Province.objects.all(), method="filter_province")
    counterpart = ObjectFilter(queryset=COUNTERPARTS, method="filter_counterpart")
    status = django_filters.ChoiceFilter(choices=Project.Status.choices)
    active_from = date_filter("end_date", "gte", "Active on or after (YYYY-MM-DD)")
    active_to = date_filter("start_date", "lte", "Active on or before (YYYY-MM-DD)")

    class Meta:
        model = Project
        fields = [
            "code",
            "sub_programme",
            "donor",
            "province",
            "counterpart",
            "status",
            "active_from",
            "active_to",
        ]

    def filter_province(self, queryset, name, value):
        return queryset.filter(pk__in=Project.objects.filter(provinces=value).values("pk"))

    def filter_counterpart(self, queryset, name, value):
        return queryset.filter(pk__in=Project.objects.filter(counterparts=value).values("pk"))


class _ProjectMoneyFilter(PortalFilterSet):
    """Shared by budget lines and expenditure: the project's attributes and a donor."""

    project = IdFilter(field_name="project_id")
    sub_programme = ObjectFilter(
        field_name="project__sub_programme", queryset=SubProgramme.objects.all()
    )
    province = CodeFilter(queryset=Province.objects.all(), method="filter_province")
    donor = DonorFilter(narrow=lambda rows, donor: rows.filter(project__in=_funded_by(donor)))
    category = django_filters.ChoiceFilter(choices=BudgetCategory.choices)
    currency = django_filters.ChoiceFilter(choices=Currency.choices)

    def filter_province(self, queryset, name, value):
        return queryset.filter(project__in=Project.objects.filter(provinces=value).values("pk"))


class BudgetLineFilter(_ProjectMoneyFilter):
    year = YearFilter()
    year_from = YearFilter(field_name="year", lookup_expr="gte")
    year_to = YearFilter(field_name="year", lookup_expr="lte")

    class Meta:
        model = BudgetLine
        fields = [
            "project",
            "sub_programme",
            "province",
            "donor",
            "category",
            "currency",
            "year",
            "year_from",
            "year_to",
        ]


class ExpenditureFilter(_ProjectMoneyFilter):
    spent_from = date_filter("spent_on", "gte", "Spent on or after (YYYY-MM-DD)")
    spent_to = date_filter("spent_on", "lte", "Spent on or before (YYYY-MM-DD)")

    class Meta:
        model = Expenditure
        fields = [
            "project",
            "sub_programme",
            "province",
            "donor",
            "category",
            "currency",
            "spent_from",
            "spent_to",
        ]


class OutcomeFilter(PortalFilterSet):
    sub_programme = IdFilter(field_name="sub_programme_id")
    project = IdFilter(field_name="project_id")

    class Meta:
        model = Outcome
        fields = ["sub_programme", "project"]


class OutputFilter(PortalFilterSet):
    outcome = IdFilter(field_name="outcome_id")
    sub_programme = IdFilter(field_name="outcome__sub_programme_id")

    class Meta:
        model = Output
        fields = ["outcome", "sub_programme"]


class IndicatorFilter(PortalFilterSet):
    output = IdFilter(field_name="output_id")
    outcome = IdFilter(field_name="output__outcome_id")
    sub_programme = IdFilter(field_name="output__outcome__sub_programme_id")

    class Meta:
        model = Indicator
        fields = ["output", "outcome", "sub_programme"]
