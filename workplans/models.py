import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from ctportal.models import TimeStampedModel
from ctportal.money import MONEY_DIGITS, Currency
from organisations.models import Organisation
from projects.models import Indicator, Output, Project, Province, SubProgramme


class Workplan(TimeStampedModel):
    """The activities a sub-programme plans for a period, approved by an EWG in versions."""

    sub_programme = models.ForeignKey(
        SubProgramme, on_delete=models.PROTECT, related_name="workplans"
    )
    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=250)
    period_start = models.DateField(help_text="First day of the first quarter.")
    period_end = models.DateField(help_text="Last day of the last quarter.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="workplan_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class EwgMeeting(TimeStampedModel):
    """An Expert Working Group meeting: who came, what it decided, which versions it approved."""

    sub_programme = models.ForeignKey(
        SubProgramme, on_delete=models.PROTECT, related_name="ewg_meetings"
    )
    date = models.DateField()
    venue = models.CharField(max_length=200)
    chair = models.CharField(max_length=200)
    chair_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"EWG {self.sub_programme.code} {self.date:%d %b %Y}"


class Attendance(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "By video link"

    meeting = models.ForeignKey(EwgMeeting, on_delete=models.CASCADE, related_name="attendances")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    names = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["mode", "organisation__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "organisation"], name="uniq_attendance")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_mode_display()})"


class Decision(models.Model):
    meeting = models.ForeignKey(EwgMeeting, on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="uniq_decision_number")
        ]

    def __str__(self) -> str:
        return f"Decision {self.number}"


class MeetingDocument(models.Model):
    meeting = models.ForeignKey(EwgMeeting, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="meetings/%Y/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


# A version still being worked on: drafted, awaiting the EWG, or returned to be redone. A
# workplan has at most one, and a revision starts only when none is left. Named here, outside
# the class, so that WorkplanVersion.Meta's constraint can use it too.
OPEN_VERSION_STATUSES = ("draft", "submitted", "returned")


class WorkplanVersion(TimeStampedModel):
    """One numbered version of a workplan; frozen once approved."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        RETURNED = "returned", "Returned with comments"
        APPROVED = "approved", "Approved"
        SUPERSEDED = "superseded", "Superseded"

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    OPEN_STATUSES = tuple(map(Status, OPEN_VERSION_STATUSES))
    DECIDED = (Status.APPROVED, Status.SUPERSEDED)  # in force, or replaced by the EWG

    workplan = models.ForeignKey(Workplan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revisions"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by_meeting = models.ForeignKey(
        EwgMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="versions_decided"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["workplan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["workplan", "number"], name="uniq_version_number"),
            # At most one version is being worked on at a time, and one is in force.
            models.UniqueConstraint(
                fields=["workplan"],
                condition=models.Q(status__in=list(OPEN_VERSION_STATUSES)),
                name="one_open_version_per_workplan",
            ),
            models.UniqueConstraint(
                fields=["workplan"],
                condition=models.Q(status="approved"),
                name="one_approved_version_per_workplan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workplan.code} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class Activity(TimeStampedModel):
    """A planned activity of one workplan version, tied to an output."""

    version = models.ForeignKey(
        WorkplanVersion, on_delete=models.CASCADE, related_name="activities"
    )
    # The same activity across versions shares a lineage, so versions can be compared.
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=400)
    description = models.TextField(blank=True)
    output = models.ForeignKey(Output, on_delete=models.PROTECT, related_name="activities")
    lead_counterpart = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="activities_led"
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        help_text="The project whose funds pay for it, where one does.",
    )
    provinces = models.ManyToManyField(Province, related_name="activities", blank=True)
    budget = models.DecimalField(**MONEY_DIGITS, default=0)
    budget_currency = models.CharField(max_length=3, choices=Currency.choices, default="USD")
    history = HistoricalRecords(m2m_fields=[provinces])

    class Meta:
        ordering = ["version", "code"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="uniq_activity_code"),
            models.UniqueConstraint(fields=["version", "lineage"], name="uniq_activity_lineage"),
        ]
        indexes = [
            models.Index(fields=["lead_counterpart", "version"]),
            # The progress summary and report find an activity's updates by lineage, across
            # versions; uniq_activity_lineage leads with the version and cannot serve that.
            models.Index(fields=["lineage"]),
            # ?modified_since= on the activity list.
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ActivityTarget(models.Model):
    """What an activity plans to achieve on one indicator in one quarter of the workplan."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    quarter = models.PositiveSmallIntegerField(help_text="1 = the workplan's first quarter.")
    value = models.DecimalField(max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["activity", "indicator", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "indicator", "quarter"], name="uniq_activity_target"
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="target_value_gte_0"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1), name="target_quarter_gte_1"),
        ]
        # ?quarter= on the activity list: the activities with a target in that quarter.
        indexes = [models.Index(fields=["quarter"])]

    def __str__(self) -> str:
        return f"{self.activity.code} Q{self.quarter} {self.indicator.code} = {self.value}"


class ProgressUpdate(TimeStampedModel):
    """What happened on one activity in one quarter, as its counterpart reports it."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned with comments"
        VERIFIED = "verified", "Verified"
        # Left behind by a workplan revision (its activity dropped, say); never counts.
        CLOSED = "closed", "Closed by a revision"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        ON_TRACK = "on_track", "On track"
        DELAYED = "delayed", "Delayed"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="updates")
    quarter = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    status = models.CharField(max_length=12, choices=Status.choices)
    percent_complete = models.PositiveSmallIntegerField(default=0)
    narrative = models.TextField(blank=True)
    challenges = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    review_comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Optimistic lock: a save names the revision it was based on; a stale one is refused.
    revision = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["activity", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "quarter"], name="uniq_update_quarter"),
            models.CheckConstraint(
                condition=models.Q(percent_complete__lte=100), name="percent_lte_100"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "quarter"]),
            models.Index(fields=["updated_at"]),
            models.Index(  # the review queue: submitted, oldest first, a page at a time
                fields=["submitted_at", "id"],
                condition=models.Q(state="submitted"),
                name="progress_review_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity.code} Q{self.quarter} ({self.get_state_display()})"


class AchievedValue(models.Model):
    class Sex(models.TextChoices):
        ALL = "", "All"
        FEMALE = "female", "Female"
        MALE = "male", "Male"

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    sex = models.CharField(max_length=6, choices=Sex.choices, blank=True, default="")
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    value = models.DecimalField(max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["update", "indicator", "sex", "province"]
        constraints = [
            models.UniqueConstraint(
                fields=["update", "indicator", "sex", "province"],
                name="uniq_achieved_value",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="achieved_value_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.sex or 'all'} {self.province_id or ''} = {self.value}"


class EvidenceFile(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ProgressTransition(models.Model):
    """Who moved an update from one state to another, when, and why."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=10, choices=ProgressUpdate.State.choices)
    to_state = models.CharField(max_length=10, choices=ProgressUpdate.State.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["update", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} -> {self.to_state}"


class VerifiedProgress(models.Model):
    """The latest verified update of an activity lineage as at each quarter, for each group of
    viewers that sees different updates (one row per lineage and quarter each), kept by
    services.progress_latest (issue 14): `update` from `quarter` until `until_quarter`."""

    KEPT_FROM_OTHER_ROWS = True  # so no figures-cache signal of its own (figures_cache.watch)
    lineage = models.UUIDField()
    quarter = models.PositiveSmallIntegerField()
    until_quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    everyone = models.BooleanField()
    decided = models.BooleanField()
    lead_counterpart = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=ProgressUpdate.Status.choices)
    percent_complete = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name_plural = "verified progress"
        constraints = [
            models.UniqueConstraint(fields=fields, condition=condition, name=name)
            for name, fields, condition in (
                ("uniq_verified_progress_everyone", ["lineage", "quarter"], Q(everyone=True)),
                ("uniq_verified_progress_decided", ["lineage", "quarter"], Q(decided=True)),
                (
                    "uniq_verified_progress_lead",
                    ["lineage", "lead_counterpart", "quarter"],
                    Q(lead_counterpart__isnull=False),
                ),
            )
        ]
        indexes = [models.Index(fields=["lineage"])]  # a refresh replaces a lineage's rows

    def __str__(self) -> str:
        until = "on" if self.until_quarter is None else f"to Q{self.until_quarter - 1}"
        return f"{self.lineage} Q{self.quarter} {until}: {self.status} {self.percent_complete}%"
