"""IATI endpoints: GET /api/v1/iati/activities.xml (the IATI 2.03 activity document of
the projects the token's user may see, with the project list's filters), GET
/api/v1/iati/readiness/ (what each of those projects lacks for a valid record, before
export) and GET /api/v1/sectors/ (the DAC sectors a project's dac_sector names). They read
reports.iati; the export is streamed."""

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ctportal.api.harvest import PARAM as MODIFIED_SINCE
from ctportal.api.harvest import conditional, modified_since_value
from ctportal.api.views import known_params_check
from projects.api_filters import ProjectFilter
from projects.models import Project
from projects.selectors import project_list
from reports.iati.builder import iati_activities_stream
from reports.iati.codelists import codelist, sector_codelist_changed_at
from reports.iati.readiness import iati_readiness_list

FILTER_PARAMETERS = [
    OpenApiParameter("code", str, description="A project's code."),
    OpenApiParameter("sub_programme", int),
    OpenApiParameter("donor", int, description="Roles that see money; a donor only its own."),
    OpenApiParameter("province", str, description="ISO 3166-2:PK code, e.g. PK-PB."),
    OpenApiParameter("counterpart", int),
    OpenApiParameter("status", str, enum=Project.Status.values),
    OpenApiParameter("active_from", OpenApiTypes.DATE),
    OpenApiParameter("active_to", OpenApiTypes.DATE),
]


class _IatiView(APIView):
    """The project list's filters (projects.api_filters.ProjectFilter) over the projects
    the user may see; any other parameter, or a bad value, is a 400 naming it."""

    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        # The document is XML whatever the client accepts; errors are the API's JSON.
        return super().perform_content_negotiation(request, force=True)

    def projects(self, request):
        known_params_check(request, set(ProjectFilter.base_filters))
        filterset = ProjectFilter(
            request.query_params, queryset=project_list(user=request.user), request=request
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs


class IatiActivitiesView(_IatiView):
    @extend_schema(
        operation_id="iati_activities",
        parameters=FILTER_PARAMETERS,
        responses={
            (200, "application/xml"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="An iati-activities 2.03 document (UNODC, XM-DAC-41128, "
                "reporting); projects that lack something for a valid record are left out "
                "(see /api/v1/iati/readiness/).",
            )
        },
    )
    def get(self, request):
        stream = iati_activities_stream(user=request.user, projects=self.projects(request))
        response = StreamingHttpResponse(stream, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, "iati-activities.xml")
        return response


class GapSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The project field to fix.")
    code = serializers.CharField()
    message = serializers.CharField()


class ReadinessSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    iati_identifier = serializers.CharField()
    ready = serializers.BooleanField(help_text="Whether the export holds the project.")
    gaps = GapSerializer(many=True)


class IatiReadinessView(_IatiView):
    @extend_schema(
        operation_id="iati_readiness",
        parameters=FILTER_PARAMETERS,
        responses={200: ReadinessSerializer(many=True)},
    )
    def get(self, request):
        rows = iati_readiness_list(user=request.user, projects=self.projects(request))
        return Response(
            [
                {
                    "code": row.code,
                    "title": row.title,
                    "iati_identifier": row.iati_identifier,
                    "ready": row.ready,
                    "gaps": [gap.as_dict() for gap in row.gaps],
                }
                for row in rows
            ]
        )


class SectorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SectorListView(APIView):
    """DAC 5-digit sectors (the IATI Sector codelist, vocabulary 1): what a project's
    `dac_sector` names. `modified_since` after the codelist file last changed lists none."""

    renderer_classes = [JSONRenderer]
    known_params = frozenset({"code", MODIFIED_SINCE})

    @extend_schema(
        operation_id="sectors_list",
        parameters=[
            OpenApiParameter("code", str, description="One DAC 5-digit code."),
            OpenApiParameter(MODIFIED_SINCE, OpenApiTypes.DATETIME),
        ],
        responses={200: SectorSerializer(many=True)},
    )
    def get(self, request):
        known_params_check(request, self.known_params)
        since = modified_since_value(request)
        sectors = codelist("Sector")
        changed = sector_codelist_changed_at()
        wanted = request.query_params.get("code")
        rows = [
            {"code": code, "name": name}
            for code, name in sectors.names.items()
            if (wanted is None or code == wanted) and (since is None or changed >= since)
        ]
        self.last_modified = changed
        return Response(rows)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return conditional(request, response, last_modified=getattr(self, "last_modified", None))
