"""Writes for alerts: tell people of an event, each once; e-mail it at once or in the day's
digest, as each person chose; mark it read, or done once what it asked for is done; and
keep each person's choices.

The apps' own services call `notify` inside the use case that makes the event happen (a
submission, an approval, a report that failed), so a page, the API and a script tell the
same people; the daily date-driven events are reports.services.alerting's. A notification
is written with the change (rolled back with it); its e-mail leaves once the change is
committed. Every event has a key: a person holds at most one notification per key (a
database constraint), and an e-mail is sent once per notification (marked under a row
lock), so running anything twice tells nobody twice.
"""

import datetime
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from alerts.models import Delivery, DigestSent, Kind, Notification, NotificationPreference
from alerts.selectors import digest_pending, notification_list, recipients_by_delivery
from ctportal.exceptions import DomainError

logger = logging.getLogger(__name__)

_silenced: ContextVar[bool] = ContextVar("alerts_silenced", default=False)


@contextmanager
def silenced() -> Iterator[None]:
    """Nobody is told of the changes made inside: for replaying what happened long ago
    (the demo data), where nobody is to be told anything today."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


@dataclass(frozen=True)
class Event:
    """Something a person must act on. `subject` is what it is about (resolved when that is
    dealt with); `dedupe_key` this very event (one notification per person per key); `url`
    the portal path where the person acts, `action` what they do there."""

    kind: str
    subject: str
    dedupe_key: str
    title: str
    body: str
    url: str
    action: str


def portal_base(base_url: str = "") -> str:
    """The portal's address without its trailing slash: the request's, else the setting."""
    return (base_url or getattr(settings, "PORTAL_BASE_URL", "")).rstrip("/")


def _ids(recipients: Iterable) -> set[int]:
    if isinstance(recipients, QuerySet):
        return set(recipients.values_list("pk", flat=True))
    return {getattr(recipient, "pk", recipient) for recipient in recipients}


def notify(*, event: Event, recipients: Iterable, base_url: str = "") -> int:
    """Tell each of `recipients` (users, ids or a queryset of users) of `event` once: a
    notification each, and an e-mail after commit to those who take its kind at once.
    Returns how many were told now (those told of it before are not told again)."""
    return notify_all([(event, recipients)], base_url=base_url)[event.kind]


# Dedupe keys looked up per query: well inside SQLite's limit on bound parameters.
_KEYS_PER_QUERY = 1000


def notify_all(events: Iterable[tuple[Event, Iterable]], *, base_url: str = "") -> Counter:
    """notify for many events at once (the daily run tells thousands): one lookup of who
    was told before per thousand events and one insert, not queries per event. Returns
    how many were told now, per kind."""
    told_now: Counter = Counter()
    if _silenced.get():
        return told_now
    wanted: dict[str, tuple[Event, set[int]]] = {}
    for event, recipients in events:
        if event.kind not in Kind.values:
            raise ValueError(f"Unknown kind of alert: {event.kind}")
        ids = _ids(recipients)
        if ids:
            wanted[event.dedupe_key] = (event, ids)
    keys = list(wanted)
    told_before: set[tuple[str, int]] = set()
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        told_before.update(
            Notification.objects.filter(
                dedupe_key__in=keys[start : start + _KEYS_PER_QUERY]
            ).values_list("dedupe_key", "recipient_id")
        )
    now = timezone.now()
    new: dict[str, list[int]] = {}
    rows = []
    for key, (event, ids) in wanted.items():
        new[key] = sorted(pk for pk in ids if (key, pk) not in told_before)
        told_now[event.kind] += len(new[key])
        rows.extend(
            Notification(
                recipient_id=pk,
                kind=event.kind,
                title=event.title[:300],
                body=event.body,
                url=event.url,
                action=event.action[:120],
                subject=event.subject,
                dedupe_key=key,
                created_at=now,
            )
            for pk in new[key]
        )
    # Another run told some of them meanwhile: the constraint keeps theirs.
    Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    new_by_kind: dict[str, set[int]] = {}
    for key, (event, _ids_wanted) in wanted.items():
        new_by_kind.setdefault(event.kind, set()).update(new[key])
    immediate = {
        kind: recipients_by_delivery(kind=kind, user_ids=ids, delivery=Delivery.IMMEDIATE)
        for kind, ids in new_by_kind.items()
        if ids
    }
    for key, (event, _ids_wanted) in wanted.items():
        at_once = sorted(immediate.get(event.kind, set()).intersection(new[key]))
        if at_once:
            transaction.on_commit(
                partial(
                    notifications_email_now,
                    dedupe_key=key,
                    user_ids=at_once,
                    base_url=portal_base(base_url),
                )
            )
    return told_now


def notifications_resolve(*, subject: str) -> int:
    """What notifications about `subject` asked for is done: each is marked done (it no
    longer counts as needing anyone, and no digest carries it)."""
    return Notification.objects.filter(subject=subject, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


def notification_mark_read(*, notification: Notification) -> Notification:
    """The person opened it (its owner only: callers take it from notification_list)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return notification_list(user=user, unread=True).update(read_at=timezone.now())


def preferences_set(*, user, deliveries: Mapping[str, str]) -> None:
    """How each named kind of event reaches `user`; every choice is checked before any is
    saved. An unknown kind or way is an error on its own field (the kind)."""
    cleaned: dict[str, str] = {}
    for kind, delivery in deliveries.items():
        if kind not in Kind.values:
            raise DomainError(
                "There is no such kind of alert.", field=str(kind), code="invalid_kind"
            )
        if delivery not in Delivery.values:
            raise DomainError(
                f"Choose one of: {', '.join(Delivery.values)}.",
                field=kind,
                code="invalid_delivery",
            )
        if delivery in (Delivery.IMMEDIATE, Delivery.DIGEST) and not user.email:
            raise DomainError(
                "Your account has no e-mail address; alerts can only stay in the portal.",
                field=kind,
                code="no_email",
            )
        cleaned[kind] = delivery
    with transaction.atomic():
        for kind, delivery in cleaned.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"delivery": delivery}
            )


# --- E-mail ---------------------------------------------------------------------------


def _email_text(notification: Notification, base: str) -> str:
    return f"{notification.body}\n\n{notification.action}:\n{base}{notification.url}\n"


def _send(messages: list[EmailMessage]) -> bool:
    try:
        get_connection().send_messages(messages)
    except Exception:  # a mail outage must not undo, or break, the change itself
        logger.exception("Could not send %d alert e-mail(s)", len(messages))
        return False
    return True


def notifications_email_now(*, dedupe_key: str, user_ids: list[int], base_url: str = "") -> int:
    """E-mail this event's notifications to these people, each once: a notification is
    locked and marked as it is sent, so a second run (or a concurrent one) skips it."""
    base = portal_base(base_url)
    sent = 0
    pending = Notification.objects.filter(
        dedupe_key=dedupe_key, recipient_id__in=user_ids, emailed_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(pending):
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if notification is None or not notification.recipient.email:
                continue
            message = EmailMessage(
                notification.title,
                _email_text(notification, base),
                to=[notification.recipient.email],
            )
            if _send([message]):
                notification.emailed_at = timezone.now()
                notification.save(update_fields=["emailed_at"])
                sent += 1
    return sent


def digests_send(*, day: datetime.date, now: datetime.datetime | None = None) -> int:
    """The day's digest: one e-mail per person listing what came for them (in the kinds
    they take in the digest) and was not e-mailed yet; nothing to a person with nothing.
    At most one a day each: a DigestSent row per person and day. Returns e-mails sent."""
    pending = digest_pending(before=now or timezone.now())
    users = get_user_model().objects.in_bulk(list(pending))
    sent = 0
    for user_id, notifications in pending.items():
        user = users[user_id]
        if not user.email:
            continue
        try:
            sent += _digest_send(user=user, day=day, notifications=notifications)
        except Exception:  # one mailbox refused: the others still get theirs
            logger.exception("Could not send the digest of user %s", user_id)
    return sent


def _digest_send(*, user, day: datetime.date, notifications: list[Notification]) -> bool:
    with transaction.atomic():
        digest, _ = DigestSent.objects.get_or_create(user=user, day=day)
        locked = (
            DigestSent.objects.select_for_update(skip_locked=True)
            .filter(pk=digest.pk, sent_at__isnull=True)
            .first()
        )
        if locked is None:
            return False  # sent today already, or being sent by another run
        ids = list(
            Notification.objects.select_for_update()
            .filter(pk__in=[n.pk for n in notifications], emailed_at__isnull=True)
            .values_list("pk", flat=True)
        )
        items = [n for n in notifications if n.pk in set(ids)]
        if not items:
            locked.delete()
            return False
        body = render_to_string(
            "alerts/email/digest.txt",
            {
                "user": user,
                "items": items,
                "base_url": portal_base(),
                "day": day,
                "portal_name": getattr(settings, "PORTAL_NAME", "CT Portal"),
            },
        )
        subject = (
            f"{getattr(settings, 'PORTAL_NAME', 'CT Portal')}: "
            f"{len(items)} alert{'s' if len(items) != 1 else ''} for {day:%d %b %Y}"
        )
        now = timezone.now()
        # A failure raises: the day's row and the marks roll back, and the next run retries.
        get_connection(fail_silently=False).send_messages(
            [EmailMessage(subject, body, to=[user.email])]
        )
        Notification.objects.filter(pk__in=ids).update(emailed_at=now)
        locked.sent_at = now
        locked.notifications = len(items)
        locked.save(update_fields=["sent_at", "notifications"])
        return True
