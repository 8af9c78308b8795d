"""Until a signed-in user who needs a second factor has given a code, they reach nothing but
the code pages and sign-out.

Runs after django_otp's OTPMiddleware, which tells whether this session gave a code
(request.user.is_verified()). Such a user is sent to enter a code, or, with no confirmed
device yet (a role that requires one), to set one up, and then back where they were going.
The admin site is covered the same way. Requests with an API token are not: a script holds
the token, which its owner created after giving a code (organisations.otp).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from ctportal.api.exceptions import error_body
from organisations.otp import otp_device_confirmed, otp_needs_code

OPEN_URL_NAMES = ("logout", "account:otp-verify", "account:otp-setup", "healthz")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        blocked = self._blocked(request)
        if blocked is not None:
            return blocked
        return self.get_response(request)

    def _blocked(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if getattr(user, "is_verified", None) and user.is_verified():
            return None
        if self._is_open(request) or not otp_needs_code(user=user):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                error_body(
                    code="second_factor_required",
                    message=(
                        "Enter the code of your authenticator app in the portal first, "
                        "or use an API token."
                    ),
                ),
                status=403,
            )
        name = "account:otp-verify" if otp_device_confirmed(user=user) else "account:otp-setup"
        return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _is_open(request: HttpRequest) -> bool:
        path = request.path
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        # A token request is the token's business: DRF answers it with the token's user or a
        # 401, never falling back to the session.
        authorization = request.headers.get("Authorization", "")
        if path.startswith("/api/") and authorization.lower().startswith("token "):
            return True
        return path in {reverse(name) for name in OPEN_URL_NAMES} or path == reverse(
            "api:token-obtain"
        )
