from django.db import models
from simple_history.models import HistoricalRecords

from ctportal.models import TimeStampedModel
from ctportal.money import MONEY_DIGITS, RATE_DIGITS, Currency
from organisations.models import Organisation


class Province(models.Model):
    """An ISO 3166-2:PK subdivision (PK-PB Punjab, PK-IS Islamabad, ...)."""

    code = models.CharField(max_length=6, primary_key=True)
    name = models.CharField(max_length=80)
    # Harvesting scripts ask for what changed since their last run (?modified_since=).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class NapArea(models.Model):
    """A point of the National Action Plan; versioned because NAP 2014 had 20, NAP 2021 14."""

    version = models.CharField(max_length=10)
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="uniq_nap_area_number")
        ]

    def __str__(self) -> str:
        return f"NAP {self.version} #{self.number}: {self.title}"


class ExchangeRate(TimeStampedModel):
    """The UN operational rate of exchange for one currency and month, as USD per unit."""

    currency = models.CharField(max_length=3, choices=Currency.choices)
    month = models.DateField(help_text="First day of the month the rate applies to.")
    usd_per_unit = models.DecimalField(**RATE_DIGITS)
    source = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["currency", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "month"], name="uniq_rate_per_month"),
            models.CheckConstraint(condition=models.Q(usd_per_unit__gt=0), name="rate_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.month:%Y-%m} = USD {self.usd_per_unit}"


class CountryProgramme(TimeStampedModel):
    code = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=250)
    start_date = models.DateField()
    end_date = models.DateField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return self.code


class SubProgramme(TimeStampedModel):
    programme = models.ForeignKey(
        CountryProgramme, on_delete=models.PROTECT, related_name="sub_programmes"
    )
    code = models.CharField(max_length=20, help_text="e.g. SP-IV")
    title = models.CharField(max_length=250)

    class Meta:
        ordering = ["programme__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="uniq_sub_programme_code")
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.code}"


class Project(TimeStampedModel):
    class Status(models.TextChoices):
        # IATI ActivityStatus codelist
        PIPELINE = "1", "Pipeline/identification"
        IMPLEMENTATION = "2", "Implementation"
        FINALISATION = "3", "Finalisation"
        CLOSED = "4", "Closed"
        CANCELLED = "5", "Cancelled"
        SUSPENDED = "6", "Suspended"

    code = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    sub_programme = models.ForeignKey(
        SubProgramme, on_delete=models.PROTECT, related_name="projects"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=2, choices=Status.choices, default=Status.IMPLEMENTATION)
    provinces = models.ManyToManyField(Province, related_name="projects", blank=True)
    counterparts = models.ManyToManyField(
        Organisation, related_name="counterpart_projects", blank=True
    )
    # OECD DAC 5-digit purpose code, e.g. 15210 Security system management and reform.
    dac_sector = models.CharField(max_length=5, blank=True)
    nap_areas = models.ManyToManyField(NapArea, related_name="projects", blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords(m2m_fields=[provinces, counterparts, nap_areas])

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["sub_programme", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class BudgetCategory(models.TextChoices):
    STAFF = "staff", "Staff and personnel"
    CONSULTANTS = "consultants", "Consultants and experts"
    TRAVEL = "travel", "Travel"
    TRAINING = "training", "Training, workshops and meetings"
    EQUIPMENT = "equipment", "Equipment and supplies"
    CONTRACTUAL = "contractual", "Contractual services"
    OPERATING = "operating", "General operating costs"
    PSC = "psc", "Programme support costs"


class BudgetLine(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(max_length=20, choices=BudgetCategory.choices)
    year = models.PositiveSmallIntegerField()
    amount = models.DecimalField(**MONEY_DIGITS)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "category", "year"], name="uniq_budget_line"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="budget_line_amount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.year} {self.category}"


class Expenditure(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="expenditures")
    category = models.CharField(max_length=20, choices=BudgetCategory.choices)
    spent_on = models.DateField()
    amount = models.DecimalField(**MONEY_DIGITS)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    # The UN operational rate of the month, recorded with the row so the USD figure
    # never changes when a rate is corrected later.
    usd_rate = models.DecimalField(**RATE_DIGITS)
    amount_usd = models.DecimalField(**MONEY_DIGITS)
    description = models.CharField(max_length=250, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-spent_on", "-id"]
        indexes = [
            models.Index(fields=["project", "spent_on"]),
            # The list's order (newest first) and ?spent_from/spent_to= across projects.
            models.Index(fields=["spent_on", "id"]),
            # ?modified_since= on the expenditure list.
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="expenditure_amount_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.spent_on} {self.currency} {self.amount}"


class Outcome(TimeStampedModel):
    """Results framework of a sub-programme, or of one project where it has its own logframe."""

    sub_programme = models.ForeignKey(
        SubProgramme, on_delete=models.PROTECT, related_name="outcomes"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="outcomes", null=True, blank=True
    )
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=400)

    class Meta:
        ordering = ["sub_programme", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_programme", "project", "code"], name="uniq_outcome_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Output(TimeStampedModel):
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="outputs")
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=400)

    class Meta:
        ordering = ["outcome__code", "code"]
        constraints = [models.UniqueConstraint(fields=["outcome", "code"], name="uniq_output_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Indicator(TimeStampedModel):
    output = models.ForeignKey(Output, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=400)
    unit = models.CharField(max_length=40, help_text="persons, workshops, requests, ...")
    baseline = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    by_sex = models.BooleanField(default=False, help_text="Achieved values disaggregated by sex.")
    by_province = models.BooleanField(
        default=False, help_text="Achieved values disaggregated by province."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["output__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["output", "code"], name="uniq_indicator_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title} ({self.unit})"
