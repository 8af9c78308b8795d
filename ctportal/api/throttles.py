"""Throttles that read their rates from settings on every request (DRF's own copy the rates
when the module is imported, so a test could not change them)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class _RatesFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    """Per signed-in user (all of their tokens and sessions together)."""


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    """Per client address, for requests without a user."""


class ScopedThrottle(_RatesFromSettings, ScopedRateThrottle):
    """Per user or address for views naming a `throttle_scope` (e.g. "auth")."""
