"""Throttles that read their rates from settings on every request (DRF's own copy the rates
when the module is imported, so a test could not change them), and the one rule that says
which address a request comes from.

The client address is REMOTE_ADDR unless NUM_PROXIES (REST framework's setting, from the
environment) says how many reverse proxies of ours stand in front of the portal: then it is
the address the outermost of them saw, read from the right of X-Forwarded-For. A client
can put anything at the left of that header, so counting from the left (or reading the
whole header, as DRF does when NUM_PROXIES is unset) would let each request pick its own
address. Sign-in lockouts (django-axes' AXES_CLIENT_IP_CALLABLE) use the same rule.
"""

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import (
    AnonRateThrottle,
    ScopedRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)


def client_address(request) -> str | None:
    """The address a request comes from, trusting X-Forwarded-For only as far as our own
    proxies (NUM_PROXIES) wrote it."""
    meta = request.META
    remote_addr = meta.get("REMOTE_ADDR")
    num_proxies = api_settings.NUM_PROXIES or 0
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if num_proxies <= 0 or not forwarded:
        return remote_addr
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(num_proxies, len(addresses))] or remote_addr


class _RatesFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_address(request)


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    """Per signed-in user (all of their tokens and sessions together)."""


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    """Per client address, for requests without a user."""


class ScopedThrottle(_RatesFromSettings, ScopedRateThrottle):
    """Per user or address for views naming a `throttle_scope`."""


class SignInAddressThrottle(_RatesFromSettings, SimpleRateThrottle):
    """Trading a password for a token, per client address ("auth" rate). Generous: many
    people may share one address behind a NAT; the per-account throttle and the lockout
    after failed sign-ins are what stop guessing."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInAccountThrottle(_RatesFromSettings, SimpleRateThrottle):
    """Trading a password for a token, per account named in the body ("auth_account" rate),
    from whichever addresses the requests come."""

    scope = "auth_account"

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        username = data.get("username")
        if not isinstance(username, str) or not username.strip():
            return None  # the serializer refuses it; nothing to count
        # Hashed: a username may hold characters no cache key should.
        ident = hashlib.sha256(username.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
