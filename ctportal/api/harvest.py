"""What harvesting scripts (IATI-minded ones: OIPA, Akvo RSR's) expect of every list and
object: `?modified_since=` (only rows changed at or after that time, by their
`updated_at`), and `ETag`/`Last-Modified` answered with a 304 to a conditional GET.

The ETag is a digest of the response's content (so it changes with anything shown, a
related name included); Last-Modified is the newest `updated_at` among the rows shown.
Either validator in the request (If-None-Match first, as RFC 9110 asks) can earn a 304.
"""

import datetime
import hashlib

from django.db.models import F
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import http_date, quote_etag
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

PARAM = "modified_since"
MESSAGE = "Enter a date and time, e.g. 2024-05-01T00:00:00Z (or a date, 2024-05-01)."


def modified_since_value(request) -> datetime.datetime | None:
    """The `modified_since` of the request, timezone-aware (UTC when none is given); a 400
    naming the parameter when it is not a date or a date and time."""
    raw = request.query_params.get(PARAM)
    if raw is None:
        return None
    text = raw.strip()
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.datetime.combine(day, datetime.time()) if day else None
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise ValidationError({PARAM: [MESSAGE]}, code="invalid_datetime")
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=datetime.UTC)
    # In UTC: the database may refuse an unusual offset (+22:01); a time past either end of
    # the calendar once in UTC stands for that end.
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        if moment.year == 1:
            return datetime.datetime.min.replace(tzinfo=datetime.UTC)
        return datetime.datetime.max.replace(tzinfo=datetime.UTC)


def modification_time(model):
    """The expression of a row's last change: its `updated_at`, or, for a model whose
    changes are moments of its life cycle (a report requested, started, finished), the
    latest of the fields its `HARVEST_TIMES` names (the first is never null). None for a
    model that records no such time."""
    if model is None:
        return None
    if any(f.name == "updated_at" for f in model._meta.get_fields()):
        return F("updated_at")
    names = getattr(model, "HARVEST_TIMES", ())
    if not names:
        return None
    if len(names) == 1:
        return F(names[0])
    # SQLite's MAX() of a NULL is NULL: a moment not reached yet stands as the first one.
    return Greatest(*(Coalesce(name, names[0]) for name in names))


def has_modification_time(model) -> bool:
    return modification_time(model) is not None


def view_model(view):
    """The model a list endpoint shows (its serializer's), without building its queryset."""
    serializer_class = getattr(view, "serializer_class", None)
    return getattr(getattr(serializer_class, "Meta", None), "model", None)


class ModifiedSinceFilter(BaseFilterBackend):
    """?modified_since=<ISO 8601 date-time>: the rows whose `updated_at` is at or after it."""

    def filter_queryset(self, request, queryset, view):
        moment = modified_since_value(request)
        expression = modification_time(queryset.model)
        if moment is None or expression is None:
            return queryset
        return queryset.alias(harvest_modified_at=expression).filter(
            harvest_modified_at__gte=moment
        )

    def get_schema_operation_parameters(self, view):
        if not has_modification_time(view_model(view)):
            return []
        return [
            {
                "name": PARAM,
                "required": False,
                "in": "query",
                "description": "Only rows changed at or after this time (ISO 8601; UTC "
                "when no offset is given), for harvesting what changed since a last run.",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


def newest_update(objects) -> datetime.datetime | None:
    """The newest change among already loaded rows (no query): `updated_at`, or the
    latest of the model's HARVEST_TIMES."""
    moments = []
    for obj in objects:
        names = ("updated_at",) if hasattr(obj, "updated_at") else getattr(obj, "HARVEST_TIMES", ())
        moments.extend(getattr(obj, name, None) for name in names)
    moments = [m for m in moments if m is not None]
    return max(moments) if moments else None


def conditional(request, response, *, last_modified: datetime.datetime | None):
    """`response` (a DRF Response about to be sent, or kept bytes) with ETag and
    Last-Modified set, or a 304 Not Modified when the request's validators still match."""
    if (
        request.method not in ("GET", "HEAD")
        or response.status_code != 200
        or getattr(response, "streaming", False)
    ):
        return response
    if hasattr(response, "render"):  # a DRF Response; a kept one is already bytes
        response.render()
    etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    response["ETag"] = etag
    stamp = None
    if last_modified is not None:
        stamp = int(last_modified.timestamp())
        response["Last-Modified"] = http_date(stamp)
    # Both validators depend on who asks (what the token's user may see).
    return get_conditional_response(request, etag=etag, last_modified=stamp, response=response)
