"""Repeated failed sign-ins lock an account, and an address, for a while (django-axes).

Every way in that takes a password counts: the sign-in page, the admin's sign-in and the
API's token endpoint. An account locks after AXES_FAILURE_LIMIT failures within
AXES_COOLOFF_TIME, from whatever addresses they came; an address locks after
CTPORTAL_ADDRESS_FAILURE_LIMIT failures, for whatever accounts, a higher number because one
office's people may share it behind a NAT. Each failure while locked starts the wait again.
Which address a request comes from is decided by ctportal.api.throttles.client_address
(REMOTE_ADDR, or X-Forwarded-For only as far as our own proxies wrote it), so a new
X-Forwarded-For per try is the same address. An administrator unlocks an account from the
user admin (or deletes the attempts in axes' own admin pages).
"""

import math

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from ctportal.api.exceptions import error_body
from organisations.audit import security_event_record
from organisations.models import SecurityEvent

LOCKED_OUT_CODE = "locked_out"


def lockout_minutes(request: HttpRequest | None = None) -> int:
    """How long a lock lasts from the latest failure, in whole minutes (at least 1)."""
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_message(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return (
        f"Too many failed sign-ins. Try again in {minutes} {unit} "
        "or ask an administrator to unlock your account."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """What a locked-out sign-in gets (axes' AXES_LOCKOUT_CALLABLE): the API's error shape
    under /api/, otherwise the sign-in page with the message; 429 either way."""
    minutes = lockout_minutes(request)
    message = lockout_message(minutes)
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body(code=LOCKED_OUT_CODE, message=message), status=429)
    else:
        context = {
            "form": AuthenticationForm(request),
            "lockout_message": message,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        }
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


class SignInBackend(AxesStandaloneBackend):
    """Refuses any password, right or wrong, while the account or address is locked.

    authenticate() without a request (a management command, the test client's login())
    cannot come from outside, so it is not counted or refused here; axes would raise."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class SignInAttemptHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per account and a higher one per address."""

    def get_failures(self, request, credentials=None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_account = _failures(recent.filter(username=username)) if username else 0
        by_address = _failures(recent.filter(ip_address=request.axes_ip_address))
        account_limit = settings.AXES_FAILURE_LIMIT
        if by_address >= settings.CTPORTAL_ADDRESS_FAILURE_LIMIT:
            # Expressed in the account's terms, since axes compares with one limit.
            return max(by_account, account_limit)
        return by_account


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def signin_unlock(*, username: str) -> int:
    """An administrator lifts an account's lock (its failed attempts are forgotten); returns
    how many records of failed attempts were removed."""
    removed = reset(username=username)
    security_event_record(
        kind=SecurityEvent.Kind.UNLOCKED,
        user=get_user_model()._default_manager.filter(username=username).first(),
        username=username,
        detail=ngettext(
            "%(n)d record of failed attempts removed.",
            "%(n)d records of failed attempts removed.",
            removed,
        )
        % {"n": removed},
    )
    return removed
