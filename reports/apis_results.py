"""API of the results framework: /api/v1/outcomes/, outputs/ and indicators/.

The rows are projects', but who reads them depends on the workplans a user sees as well
as the projects (reports.project_results.outcome_list), so the endpoints live in reports,
above both; ctportal/api/urls.py registers them beside projects' own."""

from ctportal.api.views import PortalViewSet
from projects.api_filters import IndicatorFilter, OutcomeFilter, OutputFilter
from projects.models import Indicator, Output
from projects.serializers import IndicatorSerializer, OutcomeSerializer, OutputSerializer
from reports.project_results import outcome_list


class OutcomeViewSet(PortalViewSet):
    serializer_class = OutcomeSerializer
    filterset_class = OutcomeFilter
    ordering_fields = ["code"]
    search_fields = ["code", "title"]
    csv_filename = "outcomes"

    def get_queryset(self):
        return outcome_list(user=self.request.user).order_by("sub_programme_id", "code", "id")


class OutputViewSet(PortalViewSet):
    serializer_class = OutputSerializer
    filterset_class = OutputFilter
    ordering_fields = ["code"]
    search_fields = ["code", "title"]
    csv_filename = "outputs"

    def get_queryset(self):
        outcomes = outcome_list(user=self.request.user).values("pk")
        return (
            Output.objects.filter(outcome__in=outcomes)
            .select_related("outcome")
            .order_by("outcome__code", "code", "id")
        )


class IndicatorViewSet(PortalViewSet):
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    ordering_fields = ["code"]
    search_fields = ["code", "title"]
    csv_filename = "indicators"

    def get_queryset(self):
        outcomes = outcome_list(user=self.request.user).values("pk")
        return Indicator.objects.filter(output__outcome__in=outcomes).order_by(
            "output__code", "code", "id"
        )
