"""A report asked for while the broker is down: a clear 503, the request kept.

report_request commits the record first, then hands it to the broker (reports.tasks, on
commit). With ATOMIC_REQUESTS that commit is when the view returns, so the broker's
refusal (services.QueueUnavailable) arises after the view, where only a middleware sees
it. The record is kept with no sent_at and the sweeper sends it once the broker is back.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse

from ctportal.api.exceptions import error_body
from reports import services
from reports.models import Report

RETRY_AFTER = "60"
API_PREFIX = "/api/"


class QueueUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, services.QueueUnavailable):
            return None
        # The requester just asked for it, so may see it; read it without their filter.
        report = Report.objects.select_related("donor", "workplan").get(pk=exception.report_id)
        if request.path.startswith(API_PREFIX):
            response = JsonResponse(
                error_body(
                    code="queue_unavailable",
                    message=(
                        f"The report queue is not available just now. The request for "
                        f"{report} is saved and will be generated as soon as the queue is "
                        "back; do not ask again."
                    ),
                ),
                status=503,
            )
            response["Location"] = request.build_absolute_uri(
                reverse("api:report-detail", kwargs={"pk": report.pk})
            )
        else:
            response = render(
                request, "reports/queue_unavailable.html", {"report": report}, status=503
            )
        response["Retry-After"] = RETRY_AFTER
        return response
