"""Reads for alerts: a person's own notifications (nobody else's), their preferences, and
the people an event is told to (by organisations.access's audience rules)."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from alerts.models import DEFAULT_DELIVERY, Delivery, Kind, Notification, NotificationPreference
from organisations import access


def notification_list(*, user, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's notifications, newest first; `unread` True for those still needing them."""
    if not access.is_signed_in(user):
        return Notification.objects.none()
    notifications = Notification.objects.filter(recipient=user)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True, resolved_at__isnull=True)
    elif unread is False:
        notifications = notifications.exclude(read_at__isnull=True, resolved_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def notification_unread_count(*, user) -> int:
    """How many of the user's notifications still need them (the menu's count)."""
    return notification_list(user=user, unread=True).count()


def preference_deliveries(*, user) -> dict[str, str]:
    """How each kind of event reaches the user: their choice, else DEFAULT_DELIVERY."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[kind]) for kind in Kind.values}


def preference_rows(*, user) -> list[tuple[str, str, str]]:
    """(kind, label, delivery) for every kind, in Kind order."""
    deliveries = preference_deliveries(user=user)
    return [(kind, Kind(kind).label, deliveries[kind]) for kind in Kind.values]


def recipients_by_delivery(*, kind: str, user_ids: Iterable[int], delivery: str) -> set[int]:
    """Of these users, the ones who get `kind` by `delivery` (choice or default)."""
    user_ids = set(user_ids)
    chosen = dict(
        NotificationPreference.objects.filter(kind=kind, user_id__in=user_ids).values_list(
            "user_id", "delivery"
        )
    )
    default = DEFAULT_DELIVERY[kind]
    return {pk for pk in user_ids if chosen.get(pk, default) == delivery}


def digest_pending(*, before) -> dict[int, list[Notification]]:
    """Per user id, their notifications created before `before`, not yet e-mailed and still
    needing them, whose kind they take in the digest (choice or default), oldest first.
    Two queries, whatever the number of people."""
    pending = list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            read_at__isnull=True,
            resolved_at__isnull=True,
            created_at__lt=before,
        )
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "id")
    )
    chosen = {
        (user_id, kind): delivery
        for user_id, kind, delivery in NotificationPreference.objects.filter(
            user_id__in={n.recipient_id for n in pending}
        ).values_list("user_id", "kind", "delivery")
    }
    by_user: dict[int, list[Notification]] = {}
    for notification in pending:
        key = (notification.recipient_id, notification.kind)
        if chosen.get(key, DEFAULT_DELIVERY[notification.kind]) == Delivery.DIGEST:
            by_user.setdefault(notification.recipient_id, []).append(notification)
    return by_user


# --- Who is told ----------------------------------------------------------------------


def _active_users() -> QuerySet:
    return get_user_model().objects.filter(is_active=True)


def audience_managers() -> QuerySet:
    return _active_users().filter(access.alert_audience_managers_q())


def audience_ewg_secretariat() -> QuerySet:
    return _active_users().filter(access.alert_audience_ewg_secretariat_q())


def audience_counterpart_staff(organisation_ids: Iterable[int]) -> QuerySet:
    return _active_users().filter(access.alert_audience_counterpart_staff_q(organisation_ids))


def audience_donor_viewers(donor_id: int) -> QuerySet:
    return _active_users().filter(access.alert_audience_donor_viewers_q(donor_id))
