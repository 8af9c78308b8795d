"""API of workplans: workplans, their versions and the versions' activities. Reads apply
the visibility of workplans.selectors; writes go through workplans.services, as the pages'.
EWG meetings are in apis_meetings, progress updates and their summary in apis_progress."""

from django.db.models import F
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from ctportal.api.views import PortalViewSet
from organisations.api_permissions import EditsWorkplansToWrite, HasRole
from workplans import selectors, services
from workplans.api_filters import ActivityFilter, WorkplanFilter, WorkplanVersionFilter
from workplans.models import Workplan
from workplans.serializers import (
    ActivityInputSerializer,
    ActivitySerializer,
    ActivityUpdateSerializer,
    WorkplanSerializer,
    WorkplanVersionSerializer,
)


class WorkplanViewSet(PortalViewSet):
    """Workplans of which the user may see at least one version."""

    serializer_class = WorkplanSerializer
    filterset_class = WorkplanFilter
    ordering_fields = ["code", "period_start"]
    search_fields = ["code", "title"]
    csv_filename = "workplans"

    def get_queryset(self):
        visible = selectors.versions_visible_to(self.request.user).values("workplan_id")
        return (
            Workplan.objects.filter(pk__in=visible)
            .select_related("sub_programme")
            .order_by("-period_start", "code")
        )


class WorkplanVersionViewSet(PortalViewSet):
    """Versions: managers and the EWG secretariat see all; others what was approved."""

    serializer_class = WorkplanVersionSerializer
    filterset_class = WorkplanVersionFilter
    ordering_fields = ["number", "submitted_at", "approved_at"]
    csv_filename = "workplan-versions"

    def get_queryset(self):
        return selectors.workplan_version_list(user=self.request.user)


@extend_schema_view(
    create=extend_schema(request=ActivityInputSerializer, responses={201: ActivitySerializer}),
    partial_update=extend_schema(
        request=ActivityUpdateSerializer, responses={200: ActivitySerializer}
    ),
    destroy=extend_schema(responses={204: None}),
)
class ActivityViewSet(PortalViewSet):
    """Activities of the versions the user may see; managers plan them on draft or
    returned versions (an approved version is frozen: a 400 with code version_frozen)."""

    permission_classes = [HasRole, EditsWorkplansToWrite]
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering_fields = ["code", "budget"]
    search_fields = ["code", "title"]
    csv_filename = "activities"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            selectors.activities_visible_to(self.request.user)
            # Two columns the serializer shows, not a version and an organisation per row.
            .annotate(
                workplan=F("version__workplan_id"),
                lead_counterpart_short_name=F("lead_counterpart__short_name"),
            )
            # Provinces and targets are read as values for the whole page by the serializer
            # (workplans.selectors_rows), not prefetched as model instances.
            .defer("created_at")
            .order_by("version__workplan__code", "-version__number", "code", "id")
        )

    @staticmethod
    def _arguments(data: dict) -> dict:
        arguments = dict(data)
        if "targets" in arguments:
            arguments["targets"] = [
                (t["indicator"], t["quarter"], t["value"]) for t in arguments["targets"]
            ]
        return arguments

    def create(self, request):
        serializer = ActivityInputSerializer(
            data=request.data, version_queryset=selectors.versions_visible_to(request.user)
        )
        serializer.is_valid(raise_exception=True)
        activity = services.activity_create(
            user=request.user, **self._arguments(serializer.validated_data)
        )
        return Response(self.read_back(activity), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        activity = self.get_object()
        serializer = ActivityUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = services.activity_update(
            activity=activity, user=request.user, **self._arguments(serializer.validated_data)
        )
        return Response(self.read_back(activity))

    def destroy(self, request, pk=None):
        services.activity_delete(activity=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
