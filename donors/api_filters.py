"""What API clients may narrow agreements, allocations and tranches by."""

import django_filters

from ctportal.api.filters import (
    CodeFilter,
    IdFilter,
    ObjectFilter,
    PortalFilterSet,
    StrictBooleanFilter,
    date_filter,
)
from ctportal.money import Currency
from donors.models import Allocation, Disbursement, FundingAgreement
from organisations.api_filters import DonorFilter
from projects.models import Province, SubProgramme


class AgreementFilter(PortalFilterSet):
    donor = DonorFilter(field_name="donor")
    currency = django_filters.ChoiceFilter(choices=Currency.choices)
    project = IdFilter(method="filter_project")
    sub_programme = ObjectFilter(queryset=SubProgramme.objects.all(), method="filter_sub_programme")
    signed_from = date_filter("signed_on", "gte", "Signed on or after (YYYY-MM-DD)")
    signed_to = date_filter("signed_on", "lte", "Signed on or before (YYYY-MM-DD)")
    active_from = date_filter("end_date", "gte", "Running on or after (YYYY-MM-DD)")
    active_to = date_filter("start_date", "lte", "Running on or before (YYYY-MM-DD)")

    class Meta:
        model = FundingAgreement
        fields = [
            "donor",
            "currency",
            "project",
            "sub_programme",
            "signed_from",
            "signed_to",
            "active_from",
            "active_to",
        ]

    def filter_project(self, queryset, name, value):
        funding = Allocation.objects.filter(project_id=value).values("agreement_id")
        return queryset.filter(pk__in=funding)

    def filter_sub_programme(self, queryset, name, value):
        funding = Allocation.objects.filter(project__sub_programme=value).values("agreement_id")
        return queryset.filter(pk__in=funding)


class AllocationFilter(PortalFilterSet):
    donor = DonorFilter(field_name="agreement__donor")
    agreement = IdFilter(field_name="agreement_id")
    project = IdFilter(field_name="project_id")
    sub_programme = ObjectFilter(
        field_name="project__sub_programme", queryset=SubProgramme.objects.all()
    )
    province = CodeFilter(queryset=Province.objects.all(), method="filter_province")
    currency = django_filters.ChoiceFilter(
        field_name="agreement__currency", choices=Currency.choices
    )

    class Meta:
        model = Allocation
        fields = ["donor", "agreement", "project", "sub_programme", "province", "currency"]

    def filter_province(self, queryset, name, value):
        return queryset.filter(project__in=value.projects.values("pk"))


class DisbursementFilter(PortalFilterSet):
    donor = DonorFilter(field_name="agreement__donor")
    agreement = IdFilter(field_name="agreement_id")
    project = IdFilter(method="filter_project")
    currency = django_filters.ChoiceFilter(
        field_name="agreement__currency", choices=Currency.choices
    )
    planned_from = date_filter("planned_date", "gte", "Planned on or after (YYYY-MM-DD)")
    planned_to = date_filter("planned_date", "lte", "Planned on or before (YYYY-MM-DD)")
    received_from = date_filter("received_date", "gte", "Received on or after (YYYY-MM-DD)")
    received_to = date_filter("received_date", "lte", "Received on or before (YYYY-MM-DD)")
    received = StrictBooleanFilter(
        field_name="received_date", lookup_expr="isnull", exclude=True, label="Received"
    )
    overdue = StrictBooleanFilter(field_name="overdue", label="Overdue")

    class Meta:
        model = Disbursement
        fields = [
            "donor",
            "agreement",
            "project",
            "currency",
            "planned_from",
            "planned_to",
            "received_from",
            "received_to",
            "received",
            "overdue",
        ]

    def filter_project(self, queryset, name, value):
        funding = Allocation.objects.filter(project_id=value).values("agreement_id")
        return queryset.filter(agreement__in=funding)
