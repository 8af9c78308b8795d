from django.conf import settings
from django.db import models
from django.utils import timezone

from ctportal.models import TimeStampedModel


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        DONOR = "donor", "Donor"
        IMPLEMENTER = "implementer", "Implementing agency"
        COUNTERPART = "counterpart", "Counterpart"

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    iati_identifier = models.CharField(
        max_length=100, blank=True, help_text="IATI organisation identifier, e.g. XM-DAC-41128."
    )
    # IATI OrganisationType codelist: 10 government, 40 multilateral, ...
    iati_type = models.CharField(max_length=4, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["short_name"]
        indexes = [models.Index(fields=["kind", "short_name"])]

    def __str__(self) -> str:
        return self.short_name


class Role(models.TextChoices):
    PROGRAMME_MANAGER = "programme_manager", "Programme manager"
    COUNTERPART_STAFF = "counterpart_staff", "Counterpart staff"
    DONOR_VIEWER = "donor_viewer", "Donor viewer"
    EWG_SECRETARIAT = "ewg_secretariat", "EWG secretariat"
    ADMINISTRATOR = "administrator", "Administrator"


class Membership(TimeStampedModel):
    """A user's one organisation and one role: the basis of every access rule."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} ({self.organisation})"


class ApiToken(TimeStampedModel):
    """A named API key of one user; a script holding it may do exactly what the user may.

    Only a SHA-256 digest of the key is stored (the key is shown once, when created);
    `prefix` is its first characters, so a user can tell their tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Chosen when the token is created: a key that leaks stops working on its own.
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class SecurityEvent(models.Model):
    """One thing that happened to who may do what: a sign-in, a failed one, a lockout, a role
    or permission changed, an API token created or revoked (written by
    organisations.audit.security_event_record only). Kept apart from the history of records
    because most of these events change no record a page shows."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "Sign-in"
        SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
        LOCKED_OUT = "locked_out", "Lockout"
        UNLOCKED = "unlocked", "Unlock"
        ROLE_CHANGED = "role_changed", "Role change"
        PERMISSION_CHANGED = "permission_changed", "Permission change"
        TOKEN_CREATED = "token_created", "Token created"
        TOKEN_REVOKED = "token_revoked", "Token revoked"

    when = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # As typed at the sign-in page: a failed sign-in may name nobody who exists.
    username = models.CharField(max_length=150, blank=True)
    # Whom the event is about, and who did it (an administrator changing a role; the same
    # person signing in); either is kept empty if the user is deleted, the event stays.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events_done",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-when", "-id"]
        indexes = [
            models.Index(fields=["kind", "when"]),
            models.Index(fields=["username", "when"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username} {self.when:%Y-%m-%d %H:%M}"
