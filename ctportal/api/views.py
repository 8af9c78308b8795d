"""The base of every API endpoint, and the API's answers to an unknown address and to a
server error. The token endpoint is organisations.apis.TokenObtainView.

Every list: the access-filtered queryset of its endpoint, narrowed by an allow-listed
FilterSet, ordering and search; paginated (JSON) or, with ?format=csv, every row streamed.
Query parameters no endpoint knows are a 400, so a misspelt filter never silently returns
everything.
"""

from django.http import HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from ctportal import figures_cache
from ctportal.api.exceptions import SERVER_ERROR_MESSAGE, error_body
from ctportal.api.filters import PortalSearchFilter, StrictOrderingFilter
from ctportal.api.harvest import PARAM as MODIFIED_SINCE
from ctportal.api.harvest import (
    ModifiedSinceFilter,
    conditional,
    has_modification_time,
    newest_update,
    view_model,
)
from ctportal.api.renderers import CSVRenderer, csv_response, table_csv_response

PK_MAX = 2**63 - 1
COMMON_PARAMS = frozenset({"format"})
LIST_PARAMS = frozenset({"page", "page_size"})


def known_params_check(request, known) -> None:
    """A 400 naming each query parameter the endpoint does not know, or whose value holds a
    NUL character (no text column can store one: PostgreSQL refuses it outright)."""
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        raise ValidationError(
            {name: ["This endpoint has no such parameter."] for name in unknown},
            code="unknown_parameter",
        )
    for name, values in request.query_params.lists():
        if any("\x00" in value for value in values):
            raise ValidationError({name: [NUL_MESSAGE]}, code="null_characters_not_allowed")
    # `?status=` is not a status: a script that meant "no filter" leaves the parameter out,
    # and one that lost a value is told so rather than answered as if unfiltered.
    empty = sorted(name for name, values in request.query_params.lists() if "" in values)
    if empty:
        raise ValidationError(
            {name: ["Give a value, or leave the parameter out."] for name in empty},
            code="blank_parameter",
        )


NUL_MESSAGE = "Null characters are not allowed."


def nul_check(data, path: str = "") -> None:
    """A 400 naming the first field of a request body whose text holds a NUL character."""
    if isinstance(data, str):
        if "\x00" in data:
            raise ValidationError(
                {path or "non_field_errors": [NUL_MESSAGE]}, code="null_characters_not_allowed"
            )
    elif isinstance(data, dict):
        for key, value in data.items():
            nul_check(str(key), path)
            nul_check(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            nul_check(value, f"{path}.{index}" if path else str(index))


class PortalViewSet(mixins.RetrieveModelMixin, GenericViewSet):
    """Read endpoints (list and retrieve); subclasses add their writes through services."""

    # permission_classes: the settings' default, organisations.api_permissions.HasRole.
    filter_backends = [
        DjangoFilterBackend,
        PortalSearchFilter,
        StrictOrderingFilter,
        ModifiedSinceFilter,
    ]
    lookup_value_regex = "[0-9]+"
    csv_filename = "export"
    ordering_fields: list[str] = []
    search_fields: list[str] = []
    # Actions whose answer can be a 409 (a stale revision); documented in the schema.
    conflict_actions: tuple[str, ...] = ()

    def get_renderers(self):
        # No action: a method the endpoint does not offer, answered with a JSON 405 even
        # when CSV was asked for (not a 404 for the format).
        if getattr(self, "action", None) in ("list", None):
            return [JSONRenderer(), CSVRenderer()]
        return [JSONRenderer()]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            self._check_query_params(request)
        else:
            nul_check(request.data)

    def _known_params(self) -> set[str]:
        known = set(COMMON_PARAMS)
        if self.action == "list":
            known |= LIST_PARAMS
            # Lists whose rows carry a modification time (updated_at) can be harvested.
            if has_modification_time(view_model(self)):
                known.add(MODIFIED_SINCE)
            filterset_class = getattr(self, "filterset_class", None)
            if filterset_class is not None:
                known |= set(filterset_class.base_filters)
            if self.ordering_fields:
                known.add("ordering")
            if self.search_fields:
                known.add("search")
        return known

    def _check_query_params(self, request) -> None:
        known_params_check(request, self._known_params())

    def get_object(self):
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
        if not str(value).isdigit() or int(value) > PK_MAX:
            raise NotFound()
        obj = super().get_object()
        self.last_modified = getattr(obj, "updated_at", None)
        return obj

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        if getattr(request.accepted_renderer, "format", None) == "csv":
            # Every row is streamed, but paging parameters are still checked: the schema
            # documents them for both formats.
            self.paginator.params_check(request)
            return csv_response(
                queryset=queryset,
                serializer_class=self.get_serializer_class(),
                context=self.get_serializer_context(),
                filename=self.csv_filename,
            )
        page = self.paginate_queryset(queryset)
        self.last_modified = newest_update(page)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Errors are JSON in the documented shape, whatever format the list was asked in.
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        if isinstance(response, Response):
            # ETag and Last-Modified on every read; a conditional GET may earn a 304.
            response = conditional(
                request, response, last_modified=getattr(self, "last_modified", None)
            )
        return response

    def read_back(self, obj):
        """The object as the list shows it (annotations and all), after a write."""
        return self.get_serializer(self.get_queryset().get(pk=obj.pk)).data


class AggregateView(APIView):
    """Base of the aggregate endpoints (the dashboards' figures): JSON, or with ?format=csv
    the table a dashboard shows (rows, then totals) as CSV. Query parameters other than
    `known_params` and format are a 400; errors are JSON whatever format was asked."""

    renderer_classes = [JSONRenderer, CSVRenderer]
    known_params: frozenset[str] = frozenset()
    # The parameters a kept answer may carry (ctportal.figures_cache): any other is computed.
    kept_params: frozenset[str] = frozenset({"group_by", "as_donor", "format"})
    csv_filename = "summary"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        known_params_check(request, self.known_params | COMMON_PARAMS)
        # Asked only after the permissions and the parameters have been checked.
        self.figures_key = None
        if getattr(request.accepted_renderer, "format", None) == "json":
            self.figures_key = figures_cache.key(
                request, f"api:{self.csv_filename}", kept_params=self.kept_params
            )

    def kept_response(self) -> HttpResponse | None:
        """The JSON an identical earlier request of this user got, while no write has
        changed the figures since (ctportal.figures_cache); None when there is none."""
        key = getattr(self, "figures_key", None)
        kept = figures_cache.store().get(key) if key else None
        if kept is None:
            return None
        content, content_type = kept
        response = HttpResponse(content, content_type=content_type)
        response.from_figures_cache = True
        return response

    def table_response(self, body: dict, *, header: list[str], rows: list[dict]):
        """`body` as JSON, or its table as CSV when that was asked for."""
        if getattr(self.request.accepted_renderer, "format", None) == "csv":
            return table_csv_response(header=header, rows=rows, filename=self.csv_filename)
        return Response(body)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        if isinstance(response, Response) and response.status_code == 200:
            response.render()
            if key := getattr(self, "figures_key", None):
                kept = (response.content, response["Content-Type"])
                figures_cache.store().set(key, kept, figures_cache.seconds())
        if isinstance(response, Response) or getattr(response, "from_figures_cache", False):
            # An ETag of the figures: a script polling a summary earns a 304 until they move.
            response = conditional(request, response, last_modified=None)
        return response


@csrf_exempt
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Any other address under /api/v1/ (an id that is not a number, say): a 404 in the
    API's error shape, not the site's HTML page."""
    body = error_body(code="not_found", message="No such endpoint or object.")
    return JsonResponse(body, status=404)


def server_error(request, *args, **kwargs):
    """Django's handler500: under /api/ the API's error shape, elsewhere the portal's page."""
    if request.path.startswith("/api/"):
        body = error_body(code="server_error", message=SERVER_ERROR_MESSAGE)
        return JsonResponse(body, status=500)
    return defaults.server_error(request, *args, **kwargs)
