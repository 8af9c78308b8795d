"""API of reports: start one (programme managers), poll it, download its files.

POST /api/v1/reports/ answers 202 with the queued report; GET /api/v1/reports/<id>/
tells its status and progress; GET .../pdf and .../xlsx stream the files. A report the
caller may not see is a 404, as on the pages (reports.selectors decides).
"""

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from ctportal.api.fields import IdField
from ctportal.api.filters import is_id_text
from ctportal.api.harvest import PARAM as MODIFIED_SINCE
from ctportal.api.harvest import ModifiedSinceFilter
from ctportal.api.pagination import PortalPagination
from ctportal.api.schema import ErrorSerializer
from ctportal.api.views import known_params_check
from organisations.models import Organisation
from reports import selectors, services
from reports.models import Report
from reports.views import CONTENT_TYPES
from workplans.models import Workplan


class ReportSerializer(serializers.ModelSerializer):
    scope = serializers.CharField(source="scope_label")
    period = serializers.CharField(source="period_label")
    donor = serializers.SerializerMethodField()
    workplan = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()
    xlsx = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "url",
            "kind",
            "scope",
            "donor",
            "workplan",
            "period",
            "period_start",
            "period_end",
            "quarter",
            "status",
            "progress",
            "failure_reason",
            "requested_at",
            "started_at",
            "finished_at",
            "attempts",
            "generation",
            "pdf",
            "xlsx",
        ]

    def get_donor(self, report) -> dict | None:
        if report.donor_id is None:
            return None
        return {"id": report.donor_id, "short_name": report.donor.short_name}

    def get_workplan(self, report) -> dict | None:
        if report.workplan_id is None:
            return None
        return {"id": report.workplan_id, "code": report.workplan.code}

    def _url(self, name: str, report) -> str:
        return reverse(name, kwargs={"pk": report.pk}, request=self.context.get("request"))

    def get_url(self, report) -> str:
        return self._url("api:report-detail", report)

    def get_pdf(self, report) -> str | None:
        return self._url("api:report-pdf", report) if report.pdf else None

    def get_xlsx(self, report) -> str | None:
        return self._url("api:report-xlsx", report) if report.xlsx else None


class ReportPageSerializer(serializers.Serializer):
    """The envelope PortalPagination wraps a page of reports in."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReportSerializer(many=True)


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Report.Kind.choices)
    donor = IdField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.DONOR),
        required=False,
        allow_null=True,
        help_text="Disbursement reports: a donor's id, or null for all donors.",
    )
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        allow_null=True,
        help_text="Disbursement reports: YYYY-MM.",
    )
    workplan = IdField(
        queryset=Workplan.objects.all(),
        required=False,
        allow_null=True,
        help_text="Progress reports: a workplan's id.",
    )
    quarter = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Progress reports: 1 = first."
    )


FILTERS = ("kind", "status", "donor", "workplan")


class ReportListApi(APIView):
    @extend_schema(
        operation_id="reports_list",
        parameters=[
            OpenApiParameter("kind", str, enum=Report.Kind.values),
            OpenApiParameter("status", str, enum=Report.Status.values),
            OpenApiParameter("donor", int),
            OpenApiParameter("workplan", int),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
            OpenApiParameter(
                MODIFIED_SINCE,
                OpenApiTypes.DATETIME,
                description="Only reports requested, started or finished at or after this "
                "time (ISO 8601), for harvesting what changed since a last run.",
            ),
        ],
        responses={200: ReportPageSerializer},
        tags=["reports"],
    )
    def get(self, request):
        known_params_check(request, {*FILTERS, "page", "page_size", "format", MODIFIED_SINCE})
        filters = {name: request.query_params.get(name, "") for name in FILTERS}
        for name in ("donor", "workplan"):
            if filters[name] and not is_id_text(filters[name]):
                raise ValidationError({name: ["Enter an id."]}, code="invalid")
        queryset = selectors.report_list(user=request.user, filters=filters)
        queryset = ModifiedSinceFilter().filter_queryset(request, queryset, self)
        paginator = PortalPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = ReportSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="reports_create",
        request=ReportRequestSerializer,
        responses={
            202: ReportSerializer,
            503: OpenApiResponse(
                response=ErrorSerializer,
                description=(
                    "The report queue is down: the request is kept (Location: the report, "
                    "queued) and generated once the queue is back "
                    "(reports.middleware; error code queue_unavailable)."
                ),
            ),
        },
        tags=["reports"],
    )
    def post(self, request):
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_request(user=request.user, **serializer.validated_data)
        body = ReportSerializer(report, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


def _report_or_404(user, pk: int) -> Report:
    try:
        return selectors.report_get(user=user, pk=pk)
    except Report.DoesNotExist as exc:
        raise Http404("No such report.") from exc


class ReportDetailApi(APIView):
    @extend_schema(
        operation_id="reports_retrieve", responses={200: ReportSerializer}, tags=["reports"]
    )
    def get(self, request, pk: int):
        report = _report_or_404(request.user, pk)
        return Response(ReportSerializer(report, context={"request": request}).data)


class ReportFileApi(APIView):
    fmt = "pdf"

    def get(self, request, pk: int):
        report = _report_or_404(request.user, pk)
        file = report.pdf if self.fmt == "pdf" else report.xlsx
        if not file:
            raise Http404("This report has no file yet.")
        try:
            handle = file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The report's file is missing; generate it again.") from exc
        return FileResponse(
            handle,
            as_attachment=True,
            filename=services.download_name(report, self.fmt),
            content_type=CONTENT_TYPES[self.fmt],
        )


def _file_schema(fmt: str):
    return extend_schema(
        operation_id=f"reports_{fmt}",
        responses={
            (200, CONTENT_TYPES[fmt]): OpenApiResponse(OpenApiTypes.BINARY),
            404: OpenApiResponse(description="No such report, or no file yet."),
        },
        tags=["reports"],
    )


class ReportPdfApi(ReportFileApi):
    fmt = "pdf"

    @_file_schema("pdf")
    def get(self, request, pk: int):
        return super().get(request, pk)


class ReportXlsxApi(ReportFileApi):
    fmt = "xlsx"

    @_file_schema("xlsx")
    def get(self, request, pk: int):
        return super().get(request, pk)
