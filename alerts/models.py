"""What the portal tells each person: their notifications, and how each kind reaches them."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    """Every kind of event a person may be told of (DESIGN.md, Alerts)."""

    PROGRESS_SUBMITTED = "progress_submitted", "Progress submitted for verification"
    PROGRESS_RETURNED = "progress_returned", "Your progress returned with comments"
    PROGRESS_VERIFIED = "progress_verified", "Your progress verified"
    PROGRESS_CARRIED = "progress_carried", "Your progress moved or closed by a revision"
    QUARTER_ENDING = "quarter_ending", "A quarter ending in 14 days with no update"
    QUARTER_MISSED = "quarter_missed", "A quarter ended with no update"
    VERSION_SUBMITTED = "version_submitted", "A workplan version awaiting EWG approval"
    VERSION_DECIDED = "version_decided", "A workplan version approved or returned"
    TRANCHE_OVERDUE = "tranche_overdue", "A tranche past its planned date, not received"
    TRANCHE_DUE = "tranche_due", "A tranche due within 30 days"
    AGREEMENT_ENDING = "agreement_ending", "An agreement ending within 90 days, money to receive"
    REPORT_READY = "report_ready", "A report you subscribe to is ready"
    REPORT_FAILED = "report_failed", "A report you subscribe to failed"


class Delivery(models.TextChoices):
    PORTAL = "portal", "In the portal only"
    IMMEDIATE = "immediate", "By e-mail at once"
    DIGEST = "digest", "In one daily digest e-mail"


# Until a person chooses: the kinds the portal e-mailed at once before alerts existed stay
# immediate; a ready report already comes by e-mail with its PDF (reports.services.
# delivering), so its alert stays in the portal; every other kind goes to the digest.
DEFAULT_DELIVERY: dict[str, str] = {kind: Delivery.DIGEST for kind in Kind.values} | {
    Kind.PROGRESS_SUBMITTED: Delivery.IMMEDIATE,
    Kind.PROGRESS_RETURNED: Delivery.IMMEDIATE,
    Kind.PROGRESS_CARRIED: Delivery.IMMEDIATE,
    Kind.REPORT_READY: Delivery.PORTAL,
}


class Notification(models.Model):
    """One event told to one person, once: `dedupe_key` names the event, and a person holds
    at most one notification per event (so a task run twice tells nobody twice)."""

    # What a harvest's ?modified_since= reads (ctportal.api.harvest).
    HARVEST_TIMES = ("created_at", "read_at", "resolved_at")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # Where the person acts: a path on the portal; e-mails put PORTAL_BASE_URL before it.
    url = models.CharField(max_length=500)
    action = models.CharField(max_length=120, help_text="What the link lets the person do.")
    # What the event is about (an update, a tranche, an activity's quarter): when that is
    # dealt with, every notification about it is done (alerts.services.notifications_resolve).
    subject = models.CharField(max_length=200)
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Sent by e-mail (at once or in a digest); empty while not, or never to be.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="uniq_notification_recipient_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["subject"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} <- {self.title}"

    @property
    def needs_action(self) -> bool:
        return self.read_at is None and self.resolved_at is None


class NotificationPreference(models.Model):
    """How one person wants one kind of event: DEFAULT_DELIVERY until they choose."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="uniq_notification_preference")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}: {self.delivery}"


class DigestSent(models.Model):
    """The one digest e-mail of a person for a day: at most one row, so at most one e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests_sent"
    )
    day = models.DateField()
    notifications = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="uniq_digest_per_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day}"
