"""Security events: who signed in or failed to, who was locked out, whose role, permissions
or API tokens changed. One service writes them (security_event_record); the services that
change roles and tokens call it, and the receivers below turn Django's and django-axes'
signals into calls (connected in OrganisationsConfig.ready).

Each sign-in attempt is one event: a failed attempt that locks the account or address (or
is refused because it is locked already) is a lockout, any other a failed sign-in.
Which address an event comes from follows the rule of the lockout and the API's throttles
(ctportal.api.throttles.client_address: REMOTE_ADDR unless NUM_PROXIES proxies of ours
stand in front). A service called outside a request (a management command, the demo
loader) records no address and no actor.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from simple_history.models import HistoricalRecords

from ctportal.api.throttles import client_address
from organisations.models import SecurityEvent

Kind = SecurityEvent.Kind
# Django's own permission flags on a user, as a reader names them.
USER_FLAGS = {"is_active": "Active", "is_staff": "Staff status", "is_superuser": "Superuser status"}
_LOCKOUT_RECORDED = "_security_event_lockout_recorded"
_FLAGS_SEEN = "_security_event_flags"


def _current_request() -> HttpRequest | None:
    """The request being served, as simple-history's middleware keeps it for its own
    attribution of changes; None outside a request."""
    return getattr(HistoricalRecords.context, "request", None)


def _signed_in(user) -> AbstractBaseUser | None:
    return user if getattr(user, "is_authenticated", False) else None


@transaction.atomic
def security_event_record(
    *,
    kind: str,
    user: AbstractBaseUser | None = None,
    username: str = "",
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
    detail: str = "",
) -> SecurityEvent:
    """Record one security event about `user` (or a `username` that names nobody), done by
    `actor`; the address, browser and (unless given) actor come from the request being
    served."""
    if kind not in Kind.values:
        raise ValueError(f"{kind!r} is not a kind of security event.")
    request = request if request is not None else _current_request()
    if actor is None and request is not None:
        actor = _signed_in(getattr(request, "user", None))
    if not username and user is not None:
        username = user.get_username()
    meta = request.META if request is not None else {}
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=username[:150],
        actor=actor,
        ip_address=(client_address(request) or None) if request is not None else None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        detail=detail,
    )


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


# --- Signal receivers -----------------------------------------------------------------


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    security_event_record(kind=Kind.SIGN_IN, user=user, actor=user, request=request)


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # axes' receiver runs first (axes is installed before organisations): when it locked the
    # account for this attempt, the lockout event already stands for it.
    if request is not None and getattr(request, _LOCKOUT_RECORDED, False):
        return
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or "")
    security_event_record(
        kind=Kind.SIGN_IN_FAILED,
        user=_user_named(username),
        username=username,
        request=request,
        detail="Wrong username or password.",
    )


def on_user_locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    username = str(username or "")
    failures = getattr(request, "axes_failures_since_start", None)
    counted = f" after {failures} failed sign-ins" if failures else ""
    security_event_record(
        kind=Kind.LOCKED_OUT,
        user=_user_named(username),
        username=username,
        request=request,
        detail=f"Sign-in refused{counted}: the account or the address is locked.",
    )
    if request is not None:
        setattr(request, _LOCKOUT_RECORDED, True)


def _user_named(username: str) -> AbstractBaseUser | None:
    if not username:
        return None
    return get_user_model()._default_manager.filter(**{"username": username}).first()


def on_user_init(sender, instance, **kwargs) -> None:
    """Remember the permission flags a user was loaded with, so a save that changes them is
    recorded without asking the database for the old values."""
    deferred = instance.get_deferred_fields()
    if not deferred & USER_FLAGS.keys():
        setattr(instance, _FLAGS_SEEN, {name: getattr(instance, name) for name in USER_FLAGS})


def on_user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    if update_fields is not None and not set(update_fields) & USER_FLAGS.keys():
        return
    seen = getattr(instance, _FLAGS_SEEN, None)
    if created:
        # A new user starts active, with neither flag; anything else is a grant.
        seen = {"is_active": True, "is_staff": False, "is_superuser": False}
    if seen is None:
        return
    now = {name: getattr(instance, name) for name in USER_FLAGS}
    changes = [
        f"{label}: {_yes_no(seen[name])} → {_yes_no(now[name])}"
        for name, label in USER_FLAGS.items()
        if seen[name] != now[name]
    ]
    setattr(instance, _FLAGS_SEEN, now)
    if changes:
        security_event_record(
            kind=Kind.PERMISSION_CHANGED, user=instance, detail="; ".join(changes) + "."
        )


def on_user_m2m_changed(sender, instance, action, model, pk_set, reverse=False, **kwargs):
    """Groups or permissions given to or taken from a user (the admin's user page), from
    either side (user.groups.add(group), group.user_set.add(user))."""
    if action == "pre_clear":
        # After the clear nobody can tell what was there.
        instance._security_event_cleared = set(_related_pks(sender, instance, reverse))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        pk_set = getattr(instance, "_security_event_cleared", set())
    if not pk_set:
        return
    verb = "Given" if action == "post_add" else "Taken away"
    User = get_user_model()  # noqa: N806
    if reverse:
        users = list(User._default_manager.filter(pk__in=pk_set))
        detail = f"{verb} {instance._meta.verbose_name}: {instance}."
    else:
        users = [instance]
        names = sorted(str(obj) for obj in model._default_manager.filter(pk__in=pk_set))
        detail = f"{verb} {model._meta.verbose_name_plural}: {', '.join(names)}."
    for user in users:
        security_event_record(kind=Kind.PERMISSION_CHANGED, user=user, detail=detail)


def _related_pks(through, instance, reverse: bool) -> list:
    """The pks on the other side of a user's groups or permissions, before a clear."""
    user_field = "user_id"
    other = next(
        f.attname
        for f in through._meta.concrete_fields
        if f.is_relation and f.attname != user_field
    )
    mine, theirs = (other, user_field) if reverse else (user_field, other)
    return list(
        through._default_manager.filter(**{mine: instance.pk}).values_list(theirs, flat=True)
    )
