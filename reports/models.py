from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organisations.models import Organisation
from workplans.models import Workplan


def report_upload_to(report: "Report", filename: str) -> str:
    # Files are written by reports.services under reports/<id>/; this only names the
    # folder for a file assigned through the admin or a form, should one ever be.
    return f"reports/{report.pk or 'new'}/{filename}"


class Report(models.Model):
    """One report for one scope and period: re-running it replaces its files, never adds
    a second record."""

    # What a harvest's ?modified_since= reads (ctportal.api.harvest): a report changes
    # when it is asked for, starts and finishes.
    HARVEST_TIMES = ("requested_at", "started_at", "finished_at")

    class Kind(models.TextChoices):
        DISBURSEMENT = "disbursement", "Monthly disbursement report"
        PROGRESS = "progress", "Quarterly progress report"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Scope: a disbursement report is per donor, or overall when donor is empty; a
    # progress report is per workplan.
    donor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        limit_choices_to={"kind": Organisation.Kind.DONOR},
    )
    workplan = models.ForeignKey(
        Workplan, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    quarter = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The workplan quarter of a progress report."
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100")
    failure_reason = models.TextField(blank=True)
    # Private files under MEDIA_ROOT, served only through views that check permission.
    pdf = models.FileField(upload_to=report_upload_to, blank=True, max_length=255)
    xlsx = models.FileField(upload_to=report_upload_to, blank=True, max_length=255)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the schedule asked for it.",
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Runs started, retries included.")
    # Each request starts a new generation; a task names the generation it was queued
    # for, so a stale message is dropped and each generation is e-mailed once.
    generation = models.PositiveIntegerField(default=1)
    # The lock: the run holding `lock_token` owns the record until `lease_expires_at`,
    # which it pushes forward as it works; a run whose worker died loses it on expiry.
    lock_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    parts_expected = models.PositiveIntegerField(
        default=0, help_text="Per-donor sections an overall report waits for."
    )
    # When the queued generation's message was last handed to the broker; empty while it
    # has not been (the broker was down). The sweeper (reports.services.sweeping) sends a
    # queued report whose message never left, or left so long ago that it was lost.
    sent_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    follow_up = models.BooleanField(
        default=False,
        help_text="Asked for again while it ran: one more run starts when this one ends.",
    )
    history = HistoricalRecords(
        excluded_fields=["progress", "lock_token", "lease_expires_at", "sent_at"]
    )

    class Meta:
        ordering = ["-period_end", "kind", "-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_start", "period_end"],
                condition=models.Q(donor__isnull=True, workplan__isnull=True),
                name="uniq_report_overall_period",
            ),
            models.UniqueConstraint(
                fields=["kind", "donor", "period_start", "period_end"],
                condition=models.Q(donor__isnull=False),
                name="uniq_report_donor_period",
            ),
            models.UniqueConstraint(
                fields=["kind", "workplan", "period_start", "period_end"],
                condition=models.Q(workplan__isnull=False),
                name="uniq_report_workplan_period",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="disbursement", workplan__isnull=True)
                    | models.Q(
                        kind="progress",
                        workplan__isnull=False,
                        donor__isnull=True,
                        quarter__isnull=False,
                    )
                ),
                name="report_scope_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="report_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_progress_lte_100"
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.scope_label}, {self.period_label}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("reports:report-detail", kwargs={"pk": self.pk})

    @property
    def scope_label(self) -> str:
        if self.workplan_id:
            return self.workplan.code
        if self.donor_id:
            return self.donor.name
        return "All donors"

    @property
    def scope_short(self) -> str:
        if self.donor_id:
            return self.donor.short_name
        return self.scope_label

    @property
    def kind_short(self) -> str:
        return "Disbursement" if self.kind == self.Kind.DISBURSEMENT else "Progress"

    @property
    def period_label(self) -> str:
        if self.kind == self.Kind.PROGRESS:
            start, end = self.period_start, self.period_end
            first = f"{start:%b}" if start.year == end.year else f"{start:%b %Y}"
            return f"Q{self.quarter} ({first}-{end:%b %Y})"
        return f"{self.period_start:%B %Y}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ReportSection(models.Model):
    """One donor's figures of an overall disbursement report, computed by its own task
    so several workers share the work; kept only until the report is assembled."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    donor = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "donor", "token"], name="uniq_report_section")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} / {self.donor_id}"


class Subscription(models.Model):
    """A user's wish to receive each new report of a kind that they may see, by e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    kind = models.CharField(max_length=20, choices=Report.Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="uniq_report_subscription")
        ]

    def __str__(self) -> str:
        return f"{self.user} <- {self.get_kind_display()}"


class ReportDelivery(models.Model):
    """One e-mail of one generation of a report to one subscriber: sent at most once."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_deliveries"
    )
    generation = models.PositiveIntegerField()
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user", "generation"], name="uniq_report_delivery"
            )
        ]
        verbose_name_plural = "report deliveries"

    def __str__(self) -> str:
        return f"{self.report_id} g{self.generation} -> {self.email}"


class HomeVisit(models.Model):
    """When a person last opened their home page: a donor's home page shows what changed on
    its projects since then (reports.selectors_home.donor_changes_since)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="home_visit"
    )
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} {self.seen_at:%Y-%m-%d %H:%M}"
