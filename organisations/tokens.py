"""API tokens: a user creates, names, lists and revokes the keys their scripts use.

A key is shown once, when it is created; only its SHA-256 digest is stored. Keys are 240
random bits, so a fast digest is enough (nobody can guess one to test against the
digest), and looking a key up by its digest takes one indexed query. Every token expires
on a date its owner chooses when creating it (API_TOKEN_EXPIRY_DAYS_DEFAULT days unless
they say otherwise, at most API_TOKEN_EXPIRY_DAYS_MAX).
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations.audit import security_event_record
from organisations.models import ApiToken, SecurityEvent

KEY_PREFIX = "ctp_"
PREFIX_LENGTH = 12
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often per token: not a write on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class ApiTokenExpired(Exception):
    """The key is a real, unrevoked token whose expiry date has passed."""

    def __init__(self, expires_at: datetime.datetime):
        super().__init__(f"expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_expiry_days_default() -> int:
    return settings.API_TOKEN_EXPIRY_DAYS_DEFAULT


def api_token_expiry_days_max() -> int:
    return settings.API_TOKEN_EXPIRY_DAYS_MAX


def _active(queryset: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
    return queryset.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def api_token_list(*, user: AbstractBaseUser) -> QuerySet[ApiToken]:
    """The user's own tokens, active first, newest first."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-id")


@transaction.atomic
def api_token_create(
    *, user: AbstractBaseUser, name: str, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """A named token of an active user that expires after 1 to API_TOKEN_EXPIRY_DAYS_MAX days
    (at most MAX_ACTIVE_TOKENS active, names unique among them); returns the token and its
    key, which is never shown again."""
    if expires_in_days is None:
        expires_in_days = api_token_expiry_days_default()
    longest = api_token_expiry_days_max()
    if isinstance(expires_in_days, bool) or not isinstance(expires_in_days, int):
        raise DomainError(
            "Enter the number of days as a whole number.",
            field="expires_in_days",
            code="invalid",
        )
    if not 1 <= expires_in_days <= longest:
        raise DomainError(
            f"A token lasts from 1 to {longest} days.",
            field="expires_in_days",
            code="expiry_out_of_range",
        )
    name = (name or "").strip()
    if not name:
        raise DomainError(
            "Give the token a name, e.g. the script that uses it.", field="name", code="required"
        )
    if len(name) > 100:
        raise DomainError("A token name has at most 100 characters.", field="name", code="too_long")
    if not user.is_active:
        raise DomainError("An inactive user cannot hold API tokens.", code="inactive_user")
    # Lock the user's row so two requests cannot both pass the limit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    active = _active(ApiToken.objects.filter(user=user))
    if active.filter(name__iexact=name).exists():
        raise DomainError(
            f"You already have an active token named {name}.", field="name", code="duplicate_name"
        )
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one you no longer use first.",
            field="name",
            code="too_many_tokens",
        )
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        key_hash=_digest(key),
        expires_at=timezone.now() + datetime.timedelta(days=expires_in_days),
    )
    security_event_record(
        kind=SecurityEvent.Kind.TOKEN_CREATED,
        user=user,
        detail=f"Token “{token.name}” ({token.prefix}…), expires {token.expires_at:%Y-%m-%d}.",
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: AbstractBaseUser) -> ApiToken:
    """A user revokes one of their own tokens; it stops working at once. Revoking twice is
    harmless."""
    current = ApiToken.objects.select_for_update().get(pk=token.pk, user=user)
    if current.revoked_at is None:
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at", "updated_at"])
        security_event_record(
            kind=SecurityEvent.Kind.TOKEN_REVOKED,
            user=user,
            detail=f"Token “{current.name}” ({current.prefix}…).",
        )
    return current


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The unrevoked token with this key, of an active user, with its user; None otherwise,
    and ApiTokenExpired past its expiry date. Records when it was last used (at most once a
    minute)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__membership__organisation")
        .filter(key_hash=_digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at <= now:
        raise ApiTokenExpired(token.expires_at)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
