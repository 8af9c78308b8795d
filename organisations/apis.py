"""Organisations: donors, the implementer and counterparts. Reference data every role sees
(names and IATI identifiers are public); who funds what is on the money endpoints. And the
token endpoint (POST /api/v1/auth/token/), which signs a user in as the sign-in page does.
"""

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ctportal.api.exceptions import error_body
from ctportal.api.throttles import SignInAccountThrottle, SignInAddressThrottle
from ctportal.api.views import PortalViewSet
from ctportal.exceptions import DomainError
from organisations.api_filters import OrganisationFilter
from organisations.models import Organisation
from organisations.otp import otp_device_confirmed, otp_needs_code, otp_verify
from organisations.serializers import OrganisationSerializer
from organisations.signin import LOCKED_OUT_CODE, lockout_message, lockout_minutes
from organisations.tokens import api_token_create


class OrganisationViewSet(PortalViewSet):
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    search_fields = ["name", "short_name"]
    ordering_fields = ["short_name", "name", "kind"]
    ordering = ["short_name"]
    csv_filename = "organisations"

    def get_queryset(self):
        return Organisation.objects.order_by("short_name")


class TokenObtainView(APIView):
    """Trade a username and password (and, for an account with a second factor, its current
    code) for a new API token, named and shown once, that expires after `expires_in_days`.

    Counted like the sign-in page: failures lock the account and the address (a 429), and
    requests are throttled per address and per account. A failed attempt is answered, not
    raised: raising would roll back the request's transaction, and with it the record of
    the failure that the lockout counts."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SignInAddressThrottle, SignInAccountThrottle]
    renderer_classes = [JSONRenderer]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, style={"input_type": "password"})
        name = serializers.CharField(
            max_length=100, required=False, help_text="What the token is for; shown in lists."
        )
        expires_in_days = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=settings.API_TOKEN_EXPIRY_DAYS_MAX,
            help_text=(
                f"How long the token works, in days: 1 to {settings.API_TOKEN_EXPIRY_DAYS_MAX}, "
                f"{settings.API_TOKEN_EXPIRY_DAYS_DEFAULT} unless given."
            ),
        )
        otp_code = serializers.CharField(
            max_length=8,
            required=False,
            help_text=(
                "The current code of the account's authenticator app; required for accounts "
                "that sign in with a second factor (programme managers, administrators)."
            ),
        )

    @extend_schema(
        operation_id="auth_token_create",
        request=InputSerializer,
        responses={
            201: inline_serializer(
                name="NewToken",
                fields={
                    "id": serializers.IntegerField(),
                    "name": serializers.CharField(),
                    "key": serializers.CharField(help_text="Shown once; store it safely."),
                    "created_at": serializers.DateTimeField(),
                    "expires_at": serializers.DateTimeField(),
                },
            )
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # axes reads and flags the Django request, not DRF's wrapper of it.
        user = authenticate(
            request._request, username=values["username"], password=values["password"]
        )
        if getattr(request._request, "axes_locked_out", False):
            minutes = lockout_minutes(request._request)
            return _error(
                status.HTTP_429_TOO_MANY_REQUESTS,
                code=LOCKED_OUT_CODE,
                message=lockout_message(minutes),
                headers={"Retry-After": str(minutes * 60)},
            )
        if user is None:
            message = "Unable to sign in with this username and password."
            return _error(
                status.HTTP_400_BAD_REQUEST,
                code="invalid_credentials",
                message=message,
                fields={"password": [message]},
            )
        if otp_needs_code(user=user):
            refused = self._second_factor_refusal(user, values.get("otp_code"))
            if refused is not None:
                return refused
        name = values.get("name") or f"Obtained {timezone.now():%Y-%m-%d %H:%M:%S}"
        token, key = api_token_create(
            user=user, name=name, expires_in_days=values.get("expires_in_days")
        )
        return Response(
            {
                "id": token.pk,
                "name": token.name,
                "key": key,
                "created_at": token.created_at,
                "expires_at": token.expires_at,
            },
            status=status.HTTP_201_CREATED,
        )

    def _second_factor_refusal(self, user, code: str | None) -> Response | None:
        if otp_device_confirmed(user=user) is None:
            raise PermissionDenied(
                "Your account signs in with a second factor: set up an authenticator app in "
                "the portal first (Two-step sign-in), then ask for a token with its code."
            )
        if not code:
            raise ValidationError(
                {"otp_code": ["Enter the current code of your authenticator app."]},
                code="otp_code_required",
            )
        try:
            otp_verify(user=user, code=code)
        except DomainError as error:
            # The service names its field "code"; here the input is otp_code. The wrong
            # code stays counted against the device (a growing wait).
            message = error.messages[0]
            return _error(
                status.HTTP_400_BAD_REQUEST,
                code=error.domain_code,
                message=message,
                fields={"otp_code": [message]},
            )
        return None


def _error(status_code: int, *, code: str, message: str, fields=None, headers=None) -> Response:
    return Response(
        error_body(code=code, message=message, fields=fields), status=status_code, headers=headers
    )
