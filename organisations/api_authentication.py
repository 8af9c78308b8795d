"""`Authorization: Token <key>` with a user's named, revocable, expiring API tokens.

A token needs no second factor: a script holds it, and its owner created it after signing
in with theirs (or with it, on the token endpoint). Tokens are organisations' (tokens.py),
so their authentication is too; settings name it for the API (REST_FRAMEWORK)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from organisations.tokens import ApiTokenExpired, api_token_authenticate


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as `Authorization: Token <key>`, the key without spaces."
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not a valid key.") from None
        try:
            token = api_token_authenticate(key=key)
        except ApiTokenExpired as expired:
            raise exceptions.AuthenticationFailed(
                f"The token expired on {expired.expires_at:%Y-%m-%d %H:%M} UTC; "
                "create a new one at /account/tokens/.",
                code="token_expired",
            ) from None
        if token is None:
            raise exceptions.AuthenticationFailed("The token is unknown or has been revoked.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes unauthenticated requests a 401 (with this challenge), not a 403.
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "organisations.api_authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A personal API token, created at /account/tokens/ or with POST "
                "/api/v1/auth/token/, sent as `Authorization: Token <key>`."
            ),
        }
