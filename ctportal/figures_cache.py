"""Figures served again until the data they are read from changes (issue 14).

A dashboard or a summary reads hundreds of thousands of rows to answer the same question
many times between two writes: donors look far more often than tranches are recorded.
So the answer is kept in the cache under a key made of

- who asks (the user's id: what one user may see is never served to another),
- the exact request (path, query string and the format asked for; only requests that
  narrow nothing but the grouping or the donor whose eyes a manager borrows are kept),
- today's date (what is overdue changes at midnight), and
- the figures version: a token replaced after every committed write to the models the
  figures are read from: organisations, projects, donors and workplans each call
  `watch(self)` in their AppConfig.ready() (any save or delete of their models; the bulk
  paths that skip save() call `data_changed()` themselves).

Tokens are random, never a count: a restored backup brings back the token its rows had,
under which only figures of those same rows can have been kept, and the next write makes a
token never seen before.

The token changes after the write commits (transaction.on_commit), once a transaction: a
request that read the old token either saw the old rows or the new ones, and the next
request reads the new token and computes again. Nothing is ever invalidated by hand; keys
of old tokens expire after FIGURES_CACHE_SECONDS, which also bounds how long a write made
outside Django (psql) can go unseen. FIGURES_CACHE_SECONDS = 0 turns the cache off (the
test settings do; the tests of this module turn it on).
"""

import hashlib
import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from redis.exceptions import RedisError
from simple_history.models import HistoricalChanges

_ROW = 1
# The alias Django's {% cache %} tag reads when it is configured (else "default").
FRAGMENTS = "template_fragments"

logger = logging.getLogger(__name__)


class TolerantRedisCache(RedisCache):
    """Redis for kept figures: when Redis does not answer, nothing is found and nothing is
    kept, so the figures are computed as if the cache were off, rather than a 500."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            logger.warning("Kept figures unavailable, computing them: %s", error)
            return default

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            logger.warning("Figures not kept: %s", error)


def store():
    """The cache kept figures live in: the template fragments' alias when there is one."""
    return caches[FRAGMENTS if FRAGMENTS in settings.CACHES else "default"]


def seconds() -> int:
    return int(getattr(settings, "FIGURES_CACHE_SECONDS", 0))


def current_token() -> str:
    from ctportal.models import FiguresVersion

    token = FiguresVersion.objects.filter(pk=_ROW).values_list("token", flat=True).first()
    return token or "none"


def _replace_token() -> None:
    from ctportal.models import FiguresVersion

    token = uuid.uuid4().hex
    if not FiguresVersion.objects.filter(pk=_ROW).update(token=token):
        FiguresVersion.objects.update_or_create(pk=_ROW, defaults={"token": token})


def data_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Cached figures are stale once the current transaction commits (now, outside one).
    Called many times in one transaction, the token is still replaced once."""
    connection = connections[using]
    if not connection.in_atomic_block:
        _replace_token()
        return
    if any(func is _replace_token for _ids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_replace_token, using=using)


def key(request, namespace: str, *, kept_params: frozenset[str] = frozenset()) -> str | None:
    """The cache key of this request's figures, or None when they are not kept: the cache
    is off, or the request narrows them by a parameter other than `kept_params`. Only the
    figures everybody opens are kept: a key per date range or project a script walks
    through would fill the cache (Redis is the broker too) and rarely be asked again."""
    if seconds() <= 0 or not set(request.GET) <= kept_params:
        return None
    asked = "\n".join(
        (request.get_full_path(), request.headers.get("Accept", ""), str(timezone.localdate()))
    )
    digest = hashlib.sha256(asked.encode()).hexdigest()[:40]
    return f"figures:{namespace}:{request.user.pk}:{current_token()}:{digest}"


def _saved_or_deleted(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    data_changed(using)


def _links_changed(sender, action: str, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    if action.startswith("post_"):
        data_changed(using)


def watch(app_config, *, except_models: tuple[str, ...] = ()) -> None:
    """Called from the AppConfig.ready() of an app whose rows figures are read from: every
    save, delete or change of links of its models changes the figures version, except
    the models named in `except_models` (written without moving a figure: a sign-in's audit
    row, say), history rows (written with the rows they record) and the tables kept from
    other rows (KEPT_FROM_OTHER_ROWS, written with the rows they sum). Each model is
    connected by name: a receiver for every sender would cost every other model Django's
    fast delete."""
    for model in app_config.get_models():
        if (
            issubclass(model, HistoricalChanges)
            or getattr(model, "KEPT_FROM_OTHER_ROWS", False)
            or model.__name__ in except_models
        ):
            continue
        uid = f"figures_cache:{model._meta.label}"
        post_save.connect(_saved_or_deleted, sender=model, dispatch_uid=f"{uid}:saved")
        post_delete.connect(_saved_or_deleted, sender=model, dispatch_uid=f"{uid}:deleted")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_links_changed, sender=through, dispatch_uid=f"{uid}:{field}")
