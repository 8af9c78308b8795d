import datetime

from django.db import models
from simple_history.models import HistoricalRecords

from ctportal import figures
from ctportal.models import TimeStampedModel
from ctportal.money import MONEY_DIGITS, RATE_DIGITS, Currency
from organisations.models import Organisation
from projects.models import Project


class FundingAgreement(TimeStampedModel):
    """A donor's contribution: an amount in its own currency, committed for a period."""

    donor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements_funded",
        limit_choices_to={"kind": Organisation.Kind.DONOR},
    )
    implementer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements_implemented",
        limit_choices_to={"kind": Organisation.Kind.IMPLEMENTER},
    )
    reference = models.CharField(max_length=60, unique=True)
    title = models.CharField(max_length=250)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    amount = models.DecimalField(**MONEY_DIGITS, help_text="The commitment, in the currency.")
    usd_rate = models.DecimalField(**RATE_DIGITS, help_text="Rate of the month of signature.")
    amount_usd = models.DecimalField(**MONEY_DIGITS)
    signed_on = models.DateField()
    start_date = models.DateField()
    end_date = models.DateField()
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["donor__short_name", "reference"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="agreement_amount_gt_0"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="agreement_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.donor})"


class Allocation(TimeStampedModel):
    """The part of an agreement that funds one project, in the agreement's currency."""

    agreement = models.ForeignKey(
        FundingAgreement, on_delete=models.PROTECT, related_name="allocations"
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(**MONEY_DIGITS)
    amount_usd = models.DecimalField(**MONEY_DIGITS, help_text="At the agreement's rate.")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "project__code"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "project"], name="uniq_allocation"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference} -> {self.project.code}"

    @property
    def currency(self) -> str:
        return self.agreement.currency


class DisbursementQuerySet(models.QuerySet):
    """Tranche predicates written once, for every page, API, report and figure."""

    @staticmethod
    def overdue_q(as_at: datetime.date) -> models.Q:
        """ctportal.figures.tranche_overdue_q. A Q, so that a filtered Count or Sum over
        tranches counts exactly what overdue() lists."""
        return figures.tranche_overdue_q(as_at)

    def overdue(self, as_at: datetime.date) -> "DisbursementQuerySet":
        return self.filter(self.overdue_q(as_at))

    def annotate_overdue(self, as_at: datetime.date) -> "DisbursementQuerySet":
        """Each tranche with `overdue`, True or False."""
        return self.annotate(
            overdue=models.Case(
                models.When(self.overdue_q(as_at), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )


class Disbursement(TimeStampedModel):
    """A tranche: planned date and amount; once received, the actual date and amount."""

    agreement = models.ForeignKey(
        FundingAgreement, on_delete=models.PROTECT, related_name="disbursements"
    )
    planned_date = models.DateField()
    planned_amount = models.DecimalField(**MONEY_DIGITS)
    received_date = models.DateField(null=True, blank=True)
    received_amount = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)
    # Each figure keeps the rate of its own month: the plan at the planned month's
    # rate, the receipt at the rate of the month the money arrived.
    planned_usd_rate = models.DecimalField(**RATE_DIGITS)
    planned_amount_usd = models.DecimalField(**MONEY_DIGITS)
    received_usd_rate = models.DecimalField(**RATE_DIGITS, null=True, blank=True)
    received_amount_usd = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = DisbursementQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "planned_date", "id"]
        indexes = [
            models.Index(fields=["agreement", "planned_date"]),
            models.Index(fields=["received_date"]),
            # ?planned_from/planned_to= and the overdue figure across agreements.
            models.Index(fields=["planned_date"]),
            # ?modified_since= on the tranche list.
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_amount__gt=0), name="disbursement_planned_gt_0"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(received_date__isnull=True, received_amount__isnull=True)
                    | models.Q(received_date__isnull=False, received_amount__gt=0)
                ),
                name="disbursement_received_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference} tranche {self.planned_date}"

    @property
    def currency(self) -> str:
        return self.agreement.currency

    @property
    def is_received(self) -> bool:
        return self.received_date is not None

    def is_overdue(self, today: datetime.date) -> bool:
        """DisbursementQuerySet.overdue_q, for one tranche already loaded."""
        return figures.tranche_is_overdue(
            planned_date=self.planned_date, received_date=self.received_date, as_at=today
        )


# --- Month and year totals (issue 14) ---------------------------------------------------
# Sums of tranches and expenditures per key and month or year, kept in the transaction of
# every write of the rows they sum (donors.services.totals) and read by the funding
# figures for the whole years and months of a period (donors.selectors_funding.sources);
# no page lists them. Each date column holds the first day of its month or year.

TOTAL_DIGITS = {"max_digits": 20, "decimal_places": 2}


class TrancheTotals(models.Model):
    """The tranches of one agreement planned in one period and received in one period (or
    not received): how many, and their planned and received amounts, in the agreement's
    currency and in USD as recorded on each tranche."""

    # Written only with the rows it sums, or by a rebuild that says so itself: it needs
    # no figures-cache signal of its own (ctportal.figures_cache), which would cost its
    # deletes Django's fast path.
    KEPT_FROM_OTHER_ROWS = True

    agreement = models.ForeignKey(FundingAgreement, on_delete=models.CASCADE, related_name="+")
    tranches = models.PositiveIntegerField()
    planned_amount = models.DecimalField(**TOTAL_DIGITS)
    planned_amount_usd = models.DecimalField(**TOTAL_DIGITS)
    received_amount = models.DecimalField(**TOTAL_DIGITS)
    received_amount_usd = models.DecimalField(**TOTAL_DIGITS)

    class Meta:
        abstract = True


class DisbursementMonth(TrancheTotals):
    planned_month = models.DateField()
    received_month = models.DateField(null=True, blank=True, help_text="Empty: not received.")

    class Meta:
        # The months of a year that a period or the as-at day cuts (this year, by default).
        indexes = [models.Index(fields=["planned_month"]), models.Index(fields=["received_month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "planned_month", "received_month"],
                condition=models.Q(received_month__isnull=False),
                name="uniq_disbursement_month_received",
            ),
            models.UniqueConstraint(
                fields=["agreement", "planned_month"],
                condition=models.Q(received_month__isnull=True),
                name="uniq_disbursement_month_unpaid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} planned {self.planned_month:%Y-%m}"


class DisbursementYear(TrancheTotals):
    planned_year = models.DateField()
    received_year = models.DateField(null=True, blank=True, help_text="Empty: not received.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "planned_year", "received_year"],
                condition=models.Q(received_year__isnull=False),
                name="uniq_disbursement_year_received",
            ),
            models.UniqueConstraint(
                fields=["agreement", "planned_year"],
                condition=models.Q(received_year__isnull=True),
                name="uniq_disbursement_year_unpaid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} planned {self.planned_year:%Y}"


class SpendingTotals(models.Model):
    """One project's expenditures in one period: how many, and their USD sum."""

    # Written only with the rows it sums, or by a rebuild that says so itself: it needs
    # no figures-cache signal of its own (ctportal.figures_cache), which would cost its
    # deletes Django's fast path.
    KEPT_FROM_OTHER_ROWS = True

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    expenditures = models.PositiveIntegerField()
    amount_usd = models.DecimalField(**TOTAL_DIGITS)

    class Meta:
        abstract = True


class ExpenditureMonth(SpendingTotals):
    month = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["month"])]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="uniq_expenditure_month")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m}"


class ExpenditureYear(SpendingTotals):
    year = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="uniq_expenditure_year")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year:%Y}"


class ExpenditureCategoryYear(SpendingTotals):
    """Per budget category, for the spending by category (per month it would hold almost
    as many rows as the expenditures)."""

    year = models.DateField()
    category = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "category"], name="uniq_expenditure_category_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year:%Y} {self.category}"
