"""Who changed what, and why: every service writes a tracked row through these two.

django-simple-history takes the actor and the reason from the instance. Inside a request
its middleware would name the signed-in user, but services also run from tasks, commands,
the admin and tests, where nothing else tells it; so every service passes its user. When
no user is given (a command with no one behind it) the request's user, if any, stays
the author.
"""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models


def attribute(instance: models.Model, *, user: AbstractBaseUser | None, reason: str | None) -> None:
    """Mark the next history row of `instance` with its author and, when given, why."""
    if user is not None:
        instance._history_user = user
    if reason:
        instance._change_reason = reason


def save_audited(
    instance: models.Model,
    *,
    user: AbstractBaseUser | None,
    reason: str | None = "",
    **save_kwargs: Any,
) -> None:
    """Save, recording the actor and the reason in the instance's history row."""
    attribute(instance, user=user, reason=reason)
    instance.save(**save_kwargs)


def delete_audited(
    instance: models.Model, *, user: AbstractBaseUser | None, reason: str | None = ""
) -> Any:
    """Delete; the history keeps what the row was, who removed it and why."""
    attribute(instance, user=user, reason=reason)
    return instance.delete()
