"""A request body above REQUEST_MAX_BODY_SIZE (above DATA_UPLOAD_MAX_MEMORY_SIZE when it
is not multipart, so carries no file) is refused before anything reads it.

CSRF, sessions and the views all read the body (request.POST), and Django's multipart
parser writes the files in it to disk as it goes, so an anonymous 300 MB POST used to be
stored before CSRF refused it. This middleware stands first: it looks only at the declared
Content-Length and answers 413 without touching the body. A body sent without a length
(chunked) is not read by Django at all, and the reverse proxy (nginx's
client_max_body_size, see the README) limits those before they reach the portal.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse

API_PREFIX = "/api/"


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body for a length it cannot parse
        limit = settings.REQUEST_MAX_BODY_SIZE
        if not request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
            # Only multipart bodies carry files. Others (forms, the API's JSON) are parsed
            # in memory whole, so they get Django's limit for fields, which DRF's parsers
            # would not apply themselves.
            limit = min(limit, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or limit)
        if length > limit:
            return self.refuse(request, limit)
        return self.get_response(request)

    def refuse(self, request, limit: int) -> HttpResponse:
        message = (
            f"The request is too large: at most {limit / 1024 / 1024:.1f} MB may be sent "
            f"at once (and {settings.UPLOAD_MAX_FILE_SIZE / 1024 / 1024:.1f} MB per file)."
        )
        if request.path.startswith(API_PREFIX):
            body = {"error": {"code": "request_too_large", "message": message, "fields": {}}}
            return JsonResponse(body, status=413)
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
