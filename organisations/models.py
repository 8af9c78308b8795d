from django.conf import settings
from django.db import models

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
