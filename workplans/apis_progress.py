"""API of progress: the updates counterparts report and managers verify or return, and
the progress summary. Reads apply organisations.access and the progress visibility of
workplans.selectors; writes go through workplans.services, as the progress pages'."""

from django.db.models import F
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from ctportal.api.exceptions import Conflict
from ctportal.api.views import AggregateView, PortalViewSet
from organisations import access
from organisations.api_permissions import HasRole, ProgressRoles
from workplans import selectors, selectors_summary, services
from workplans.api_filters import ProgressUpdateFilter
from workplans.models import ProgressUpdate
from workplans.serializers import (
    EvidenceFileSerializer,
    EvidenceUploadSerializer,
    ProgressReturnSerializer,
    ProgressSummaryParamsSerializer,
    ProgressSummaryRowSerializer,
    ProgressSummarySerializer,
    ProgressUpdateEditSerializer,
    ProgressUpdateInputSerializer,
    ProgressUpdateSerializer,
)


def _values(rows) -> list[tuple]:
    return [(row["indicator"], row["sex"], row["province"], row["value"]) for row in rows]


@extend_schema_view(
    create=extend_schema(
        request=ProgressUpdateInputSerializer, responses={201: ProgressUpdateSerializer}
    ),
    partial_update=extend_schema(
        request=ProgressUpdateEditSerializer, responses={200: ProgressUpdateSerializer}
    ),
    submit=extend_schema(request=None, responses={200: ProgressUpdateSerializer}),
    verify=extend_schema(request=None, responses={200: ProgressUpdateSerializer}),
    return_=extend_schema(
        request=ProgressReturnSerializer, responses={200: ProgressUpdateSerializer}
    ),
    evidence=extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceFileSerializer},
    ),
)
class ProgressUpdateViewSet(PortalViewSet):
    """Progress updates: counterpart staff of the lead organisation write drafts (PATCH
    names the revision it edits; a stale one is a 409), attach evidence and submit them;
    programme managers verify them or return them with a comment. Donor viewers see
    verified updates only. Every write is the same service call as the progress pages',
    e-mails and stored files included."""

    permission_classes = [HasRole, ProgressRoles]
    serializer_class = ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilter
    ordering_fields = ["quarter", "submitted_at", "verified_at", "percent_complete"]
    search_fields = ["narrative", "challenges", "activity__code"]
    csv_filename = "progress-updates"
    http_method_names = ["get", "post", "patch", "head", "options"]
    conflict_actions = ("create", "partial_update")

    def get_queryset(self):
        # What the serializer reads of the activity, its version and the people as four
        # columns (ProgressUpdateSerializer), not four objects per row; the selector's
        # select_related serves the pages.
        updates = selectors.progress_update_list(user=self.request.user).select_related(None)
        return updates.annotate(
            activity_code=F("activity__code"),
            workplan=F("activity__version__workplan_id"),
            author_username=F("author__username"),
            verified_by_username=F("verified_by__username"),
        ).defer("created_at")  # the achieved values: read for the page by the serializer

    def create(self, request):
        serializer = ProgressUpdateInputSerializer(
            data=request.data, activity_queryset=selectors.activities_visible_to(request.user)
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        activity = data["activity"]
        access.require(
            access.can_report_progress_for(request.user, activity.lead_counterpart_id),
            "Only staff of the counterpart that leads this activity report its progress.",
        )
        if ProgressUpdate.objects.filter(activity=activity, quarter=data["quarter"]).exists():
            raise Conflict(
                f"The Q{data['quarter']} update of {activity.code} exists already; "
                "change it with PATCH, naming the revision you read.",
                code="already_exists",
            )
        update = services.progress_update_save(
            activity=activity,
            quarter=data["quarter"],
            user=request.user,
            status=data["status"],
            percent_complete=data["percent_complete"],
            narrative=data["narrative"],
            challenges=data["challenges"],
            values=_values(data["values"]),
            # Nothing may exist yet: an update saved meanwhile (revision 1+) is a conflict.
            expected_revision=0,
        )
        return Response(self.read_back(update), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        update = self.get_object()
        serializer = ProgressUpdateEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "values" in data:
            values = _values(data["values"])
        else:
            values = [
                (v.indicator, v.sex, v.province, v.value)
                for v in update.values.select_related("indicator", "province")
            ]
        update = services.progress_update_save(
            activity=update.activity,
            quarter=update.quarter,
            user=request.user,
            status=data.get("status", update.status),
            percent_complete=data.get("percent_complete", update.percent_complete),
            narrative=data.get("narrative", update.narrative),
            challenges=data.get("challenges", update.challenges),
            values=values,
            expected_revision=data["expected_revision"],
        )
        return Response(self.read_back(update))

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft or returned update for review; programme managers are e-mailed."""
        update = services.progress_update_submit(
            update=self.get_object(),
            user=request.user,
            base_url=request.build_absolute_uri("/"),
        )
        return Response(self.read_back(update))

    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Verify a submitted update: its figures then count in dashboards and reports."""
        update = services.progress_update_verify(update=self.get_object(), user=request.user)
        return Response(self.read_back(update))

    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Return a submitted update to its counterpart with a comment saying why; its author
        is e-mailed the comment."""
        update = self.get_object()
        serializer = ProgressReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = services.progress_update_return(
            update=update,
            user=request.user,
            comment=serializer.validated_data["comment"],
            base_url=request.build_absolute_uri("/"),
        )
        return Response(self.read_back(update))

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request, pk=None):
        """Attach a file to a draft or returned update (multipart field `evidence`); its
        type is read from its content, as on the progress page."""
        update = self.get_object()
        serializer = EvidenceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = services.evidence_attach(
            update=update, user=request.user, uploaded_file=serializer.validated_data["evidence"]
        )
        return Response(EvidenceFileSerializer(evidence).data, status=status.HTTP_201_CREATED)


class ProgressSummaryView(AggregateView):
    """Activities by the status of their latest verified update, per workplan, output or
    status, with a total: the figures a progress dashboard shows."""

    permission_classes = [HasRole]
    known_params = frozenset({"group_by", "workplan", "quarter"})
    csv_filename = "progress-summary"

    @extend_schema(
        operation_id="progress_summary",
        parameters=[ProgressSummaryParamsSerializer],
        responses={200: ProgressSummarySerializer},
        tags=["progress"],
    )
    def get(self, request):
        if (kept := self.kept_response()) is not None:
            return kept
        params = ProgressSummaryParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        group_by = params.validated_data.get("group_by") or "workplan"
        rows, total = selectors_summary.progress_summary(
            user=request.user,
            group_by=group_by,
            workplan_id=params.validated_data.get("workplan"),
            quarter=params.validated_data.get("quarter"),
        )
        data = ProgressSummarySerializer({"group_by": group_by, "rows": rows, "total": total}).data
        header = list(ProgressSummaryRowSerializer().fields)
        return self.table_response(data, header=header, rows=[*data["rows"], data["total"]])
