"""API of workplans: workplans and their versions, activities, EWG meetings, progress
updates and the progress summary. Reads apply organisations.access (and the progress
visibility of workplans.selectors); writes go through workplans.services, as the pages'."""

from decimal import Decimal

from django.db.models import Avg, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ctportal.api.exceptions import Conflict
from ctportal.api.views import PortalViewSet, known_params_check
from organisations import access
from organisations.api_permissions import (
    EditsWorkplansToWrite,
    HasRole,
    ProgressRoles,
    SeesMeetings,
)
from workplans import selectors, services
from workplans.api_filters import (
    ActivityFilter,
    MeetingFilter,
    ProgressUpdateFilter,
    WorkplanFilter,
    WorkplanVersionFilter,
)
from workplans.models import (
    AchievedValue,
    Activity,
    ActivityTarget,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)
from workplans.serializers import (
    ActivityInputSerializer,
    ActivitySerializer,
    ActivityUpdateSerializer,
    EvidenceFileSerializer,
    EvidenceUploadSerializer,
    MeetingSerializer,
    ProgressReturnSerializer,
    ProgressSummaryParamsSerializer,
    ProgressSummarySerializer,
    ProgressUpdateEditSerializer,
    ProgressUpdateInputSerializer,
    ProgressUpdateSerializer,
    WorkplanSerializer,
    WorkplanVersionSerializer,
)


def _visible_versions(user) -> QuerySet[WorkplanVersion]:
    return selectors.versions_visible_to(user)


def _visible_activities(user) -> QuerySet[Activity]:
    return Activity.objects.filter(version__in=_visible_versions(user).values("pk"))


class WorkplanViewSet(PortalViewSet):
    """Workplans of which the user may see at least one version."""

    serializer_class = WorkplanSerializer
    filterset_class = WorkplanFilter
    ordering_fields = ["code", "period_start"]
    search_fields = ["code", "title"]
    csv_filename = "workplans"

    def get_queryset(self):
        visible = _visible_versions(self.request.user).values("workplan_id")
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
            _visible_activities(self.request.user)
            .select_related("version", "lead_counterpart")
            .prefetch_related(
                "provinces",
                Prefetch(
                    "targets", queryset=ActivityTarget.objects.order_by("indicator_id", "quarter")
                ),
            )
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
            data=request.data, version_queryset=_visible_versions(request.user)
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


class MeetingViewSet(PortalViewSet):
    """EWG meetings with attendance, decisions and the versions they decided; for the
    roles that see them on the pages (not donor viewers)."""

    permission_classes = [HasRole, SeesMeetings]
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    ordering_fields = ["date"]
    search_fields = ["venue", "chair", "notes"]
    csv_filename = "ewg-meetings"

    def get_queryset(self):
        return selectors.meeting_list()


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
        return selectors.progress_update_list(user=self.request.user).prefetch_related(
            Prefetch(
                "values",
                queryset=AchievedValue.objects.order_by("indicator_id", "sex", "province_id"),
            )
        )

    def create(self, request):
        serializer = ProgressUpdateInputSerializer(
            data=request.data, activity_queryset=_visible_activities(request.user)
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


# --- The progress summary --------------------------------------------------------------

Status = ProgressUpdate.Status
PROGRESS_GROUP_BYS = ("workplan", "output", "status")
NOT_REPORTED = "not_reported"


def _figures(condition: Q | None = None) -> dict:
    def where(extra: Q | None = None) -> Q | None:
        parts = [q for q in (condition, extra) if q is not None]
        if not parts:
            return None
        combined = parts[0]
        for part in parts[1:]:
            combined &= part
        return combined

    return {
        "activities": Count("pk", filter=where()),
        "reported": Count("pk", filter=where(Q(latest_status__isnull=False))),
        "average": Avg("latest_percent", filter=where()),
        **{value: Count("pk", filter=where(Q(latest_status=value))) for value in Status.values},
    }


def progress_summary(*, user, group_by: str, workplan_id: int | None, quarter: int | None):
    """Activities of the approved (in force) versions the user may see, each counted by the
    status of its latest verified update (up to `quarter`), per workplan, output or status.
    Counterpart staff count the activities their organisation leads, whose updates they
    see; only verified figures count. One query, whatever the number of activities."""
    in_force = _visible_versions(user).filter(status=WorkplanVersion.Status.APPROVED)
    activities = Activity.objects.filter(version__in=in_force.values("pk"))
    if access.is_counterpart(user):
        activities = activities.filter(lead_counterpart=access.organisation_of(user))
    if workplan_id is not None:
        activities = activities.filter(version__workplan_id=workplan_id)
    verified = selectors.visible_progress_updates(
        user,
        ProgressUpdate.objects.filter(activity=OuterRef("pk"), state=ProgressUpdate.State.VERIFIED),
    )
    if quarter is not None:
        verified = verified.filter(quarter__lte=quarter)
    latest = verified.order_by("-quarter")
    activities = activities.annotate(
        latest_status=Subquery(latest.values("status")[:1]),
        latest_percent=Subquery(latest.values("percent_complete")[:1]),
    )
    if group_by == "status":
        groups = [(value, label, Q(latest_status=value)) for value, label in Status.choices]
        groups.append((NOT_REPORTED, "No verified update", Q(latest_status__isnull=True)))
        figures = {}
        for key, _label, condition in groups:
            for name, expression in _figures(condition).items():
                figures[f"{key}__{name}"] = expression
        figures.update(_figures())
        totals = activities.aggregate(**figures)
        rows = [
            _summary_row(
                {name: totals[f"{key}__{name}"] for name in _figures()},
                key=key,
                label=label,
                detail="",
            )
            for key, label, _condition in groups
        ]
        return rows, _summary_row(totals, key=None, label="Total", detail="")
    if group_by == "workplan":
        keys = {
            "k": F("version__workplan_id"),
            "l1": F("version__workplan__code"),
            "l2": F("version__workplan__title"),
        }
    else:
        keys = {"k": F("output_id"), "l1": F("output__code"), "l2": F("output__title")}
    grouped = activities.order_by().values(**keys).annotate(**_figures()).order_by("l1", "k")
    rows = [_summary_row(row, key=row["k"], label=row["l1"], detail=row["l2"]) for row in grouped]
    total = _summary_row(activities.aggregate(**_figures()), key=None, label="Total", detail="")
    return rows, total


def _summary_row(figures: dict, *, key, label: str, detail: str) -> dict:
    average = figures["average"]
    return {
        "key": key,
        "label": label,
        "detail": detail,
        "activities": figures["activities"],
        "reported": figures["reported"],
        "not_reported": figures["activities"] - figures["reported"],
        **{value: figures[value] for value in Status.values},
        "average_percent_complete": (
            None if average is None else Decimal(str(average)).quantize(Decimal("0.1"))
        ),
    }


class ProgressSummaryView(APIView):
    """Activities by the status of their latest verified update, per workplan, output or
    status, with a total: the figures a progress dashboard shows."""

    permission_classes = [HasRole]
    known_params = frozenset({"group_by", "workplan", "quarter"})

    @extend_schema(
        operation_id="progress_summary",
        parameters=[ProgressSummaryParamsSerializer],
        responses={200: ProgressSummarySerializer},
        tags=["progress"],
    )
    def get(self, request):
        known_params_check(request, self.known_params)
        params = ProgressSummaryParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        group_by = params.validated_data.get("group_by") or "workplan"
        rows, total = progress_summary(
            user=request.user,
            group_by=group_by,
            workplan_id=params.validated_data.get("workplan"),
            quarter=params.validated_data.get("quarter"),
        )
        body = {"group_by": group_by, "rows": rows, "total": total}
        return Response(ProgressSummarySerializer(body).data)
