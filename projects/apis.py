"""API of projects: programmes, sub-programmes, projects, budgets, expenditure and exchange
rates. Reads apply organisations.access; expenditure is written through projects.services,
as on the pages. The results framework's endpoints are reports.apis_results (who reads an
outcome depends on the workplans one sees, too)."""

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from ctportal.api.views import PortalViewSet
from organisations import access
from organisations.api_permissions import HasRole, ManagesMoneyToWrite, SeesMoney
from projects import services
from projects.api_filters import (
    BudgetLineFilter,
    ExchangeRateFilter,
    ExpenditureFilter,
    ProjectFilter,
    SubProgrammeFilter,
)
from projects.models import (
    BudgetLine,
    CountryProgramme,
    ExchangeRate,
    Expenditure,
    NapArea,
    Project,
    Province,
    SubProgramme,
)
from projects.selectors import project_list, project_list_visible_to
from projects.serializers import (
    BudgetLineSerializer,
    CountryProgrammeSerializer,
    ExchangeRateSerializer,
    ExpenditureInputSerializer,
    ExpenditureSerializer,
    NapAreaSerializer,
    ProjectSerializer,
    ProvinceSerializer,
    SubProgrammeSerializer,
)

MONEY_PERMISSIONS = [HasRole, SeesMoney]
# The project's own columns ProjectSerializer shows (updated_at is also Last-Modified).
PROJECT_ROW_COLUMNS = [
    name
    for name in ProjectSerializer.Meta.fields
    if name in {field.name for field in Project._meta.concrete_fields}
]


def _of_visible_projects(user, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` (with a `project`) on projects the user may open; for roles
    that open every project no condition at all (one every row meets still cost a
    subquery, and kept a list's count from being its table's: ctportal.row_counts)."""
    if access.is_programme_wide(user):
        return queryset
    return queryset.filter(project__in=project_list_visible_to(user).values("pk"))


class ExchangeRateViewSet(PortalViewSet):
    """UN operational rates (USD per unit) by currency and month: for roles that see money."""

    permission_classes = MONEY_PERMISSIONS
    serializer_class = ExchangeRateSerializer
    filterset_class = ExchangeRateFilter
    ordering_fields = ["currency", "month"]
    csv_filename = "exchange-rates"

    def get_queryset(self):
        return ExchangeRate.objects.order_by("currency", "-month")


class CountryProgrammeViewSet(PortalViewSet):
    serializer_class = CountryProgrammeSerializer
    ordering_fields = ["code", "start_date"]
    search_fields = ["code", "title"]
    csv_filename = "programmes"

    def get_queryset(self):
        return CountryProgramme.objects.prefetch_related("sub_programmes").order_by(
            "-start_date", "code"
        )


class SubProgrammeViewSet(PortalViewSet):
    serializer_class = SubProgrammeSerializer
    filterset_class = SubProgrammeFilter
    ordering_fields = ["code"]
    search_fields = ["code", "title"]
    csv_filename = "sub-programmes"

    def get_queryset(self):
        return SubProgramme.objects.select_related("programme").order_by("programme__code", "code")


class ProjectViewSet(PortalViewSet):
    """Projects the user may open: all for programme-wide roles, a donor's funded ones, a
    counterpart's own."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    ordering_fields = ["code", "title", "start_date", "end_date", "status"]
    search_fields = ["code", "title"]
    csv_filename = "projects"

    def get_queryset(self):
        # The columns a row shows (and updated_at, its Last-Modified), its sub-programme's
        # code; the relations are read as values for the whole page by the serializer
        # (projects.selectors_rows), not prefetched as model instances.
        return (
            project_list(user=self.request.user)
            .select_related(None)
            .select_related("sub_programme")
            .prefetch_related(None)
            .only(*PROJECT_ROW_COLUMNS, "sub_programme__code")
        )


class ProvinceViewSet(PortalViewSet):
    """Provinces by ISO 3166-2:PK code: what a project's `provinces` name."""

    serializer_class = ProvinceSerializer
    ordering_fields = ["code", "name"]
    csv_filename = "provinces"
    lookup_value_regex = "[A-Z]{2}-[A-Z]{2}"

    def get_queryset(self):
        return Province.objects.order_by("code")

    def get_object(self):
        # Looked up by code, not by a numeric id.
        obj = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.last_modified = obj.updated_at
        return obj


class NapAreaViewSet(PortalViewSet):
    """National Action Plan points: what a project's `nap_areas` ids name."""

    serializer_class = NapAreaSerializer
    ordering_fields = ["version", "number"]
    csv_filename = "nap-areas"

    def get_queryset(self):
        return NapArea.objects.order_by("version", "number")


class BudgetLineViewSet(PortalViewSet):
    """Planned cost by project, category and year: roles that see money, for the projects
    they may open."""

    permission_classes = MONEY_PERMISSIONS
    serializer_class = BudgetLineSerializer
    filterset_class = BudgetLineFilter
    ordering_fields = ["year", "category", "amount"]
    csv_filename = "budget-lines"

    def get_queryset(self):
        return (
            _of_visible_projects(self.request.user, BudgetLine.objects.all())
            .select_related("project")
            .order_by("project__code", "year", "category")
        )


@extend_schema_view(
    create=extend_schema(
        request=ExpenditureInputSerializer, responses={201: ExpenditureSerializer}
    ),
    partial_update=extend_schema(
        request=ExpenditureInputSerializer, responses={200: ExpenditureSerializer}
    ),
    destroy=extend_schema(responses={204: None}),
)
class ExpenditureViewSet(PortalViewSet):
    """What was spent, by project, category and date; programme managers record it."""

    permission_classes = [*MONEY_PERMISSIONS, ManagesMoneyToWrite]
    serializer_class = ExpenditureSerializer
    filterset_class = ExpenditureFilter
    ordering_fields = ["spent_on", "amount", "amount_usd", "category"]
    search_fields = ["description"]
    csv_filename = "expenditures"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            _of_visible_projects(self.request.user, Expenditure.objects.all())
            .annotate(project_code=F("project__code"))  # a column, not a project per row
            .order_by("-spent_on", "-id")
        )

    def _input(self, **kwargs) -> ExpenditureInputSerializer:
        serializer = ExpenditureInputSerializer(
            project_queryset=project_list_visible_to(self.request.user),
            **kwargs,
        )
        serializer.is_valid(raise_exception=True)
        return serializer

    def create(self, request):
        data = self._input(data=request.data).validated_data
        expenditure = services.expenditure_create(user=request.user, **data)
        return Response(self.read_back(expenditure), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        expenditure = self.get_object()
        data = self._input(data=request.data, partial=True).validated_data
        expenditure = services.expenditure_update(
            expenditure=expenditure, user=request.user, **data
        )
        return Response(self.read_back(expenditure))

    def destroy(self, request, pk=None):
        services.expenditure_delete(expenditure=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
