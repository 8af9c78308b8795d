"""The health check and the favicon; the home page is reports.views_home."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok" once the database answers; any failure is a 500 (docker-compose health check)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers request on their own, is the portal's SVG icon; the
    address is resolved per request, as the static files' manifest names it."""
    return HttpResponseRedirect(static("img/favicon.svg"))
