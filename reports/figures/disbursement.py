"""A disbursement report's figures, read through donors' selectors as at the period's end.

The report is made of one section per donor (so an overall report can compute its
sections in parallel tasks); each section travels as JSON between tasks, with amounts as
strings so no Decimal is ever a float.
"""

import datetime
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from ctportal import figures
from ctportal.money import CENT, quantum
from donors.selectors_funding import (
    FundingFilters,
    FundingRow,
    funding_summary,
    funding_tranche_list,
)
from organisations.models import Organisation
from reports.figures.disbursement_detail import (
    BudgetActualRow,
    NextTranche,
    ProjectLine,
    agreement_facts,
    budget_against_actual,
    next_tranches,
    project_lines,
)
from reports.figures.viewer import REPORT_VIEWER

ZERO = Decimal("0")

# The money columns of an agreement row, each in the donor's currency and in USD.
MONEY_FIELDS = (
    "committed",
    "received",
    "received_in_period",
    "allocated",
    "spent",
    "balance",
    "to_receive",
    "overdue",
)


def _q(amount: Decimal, currency: str = "USD") -> Decimal:
    return amount.quantize(quantum(currency) if currency != "USD" else CENT, ROUND_HALF_UP)


@dataclass
class AgreementRow:
    reference: str
    title: str
    currency: str
    start_date: str
    end_date: str
    # amounts in the currency, then in USD
    committed: Decimal = ZERO
    committed_usd: Decimal = ZERO
    received: Decimal = ZERO
    received_usd: Decimal = ZERO
    received_in_period: Decimal = ZERO
    received_in_period_usd: Decimal = ZERO
    allocated: Decimal = ZERO
    allocated_usd: Decimal = ZERO
    spent: Decimal = ZERO
    spent_usd: Decimal = ZERO
    balance: Decimal = ZERO
    balance_usd: Decimal = ZERO
    to_receive: Decimal = ZERO
    to_receive_usd: Decimal = ZERO
    overdue: Decimal = ZERO
    overdue_usd: Decimal = ZERO
    overdue_count: int = 0
    # The selectors' burn rate (1.00 = spending at the planned pace) and the planned
    # spending to date it compares with, so groups of agreements get one too.
    burn_rate: Decimal | None = None
    expected_usd: Decimal = ZERO
    # What is written on the agreement, the next tranche due after the period ("none
    # planned" when None) and the projects it funds (reports.figures.disbursement_detail).
    signed_on: str = ""
    implementer: str = ""
    implementer_iati_identifier: str = ""
    next_tranche: NextTranche | None = None
    projects: list[ProjectLine] = field(default_factory=list)


@dataclass
class OverdueTranche:
    reference: str
    currency: str
    planned_date: str
    planned_amount: Decimal
    planned_amount_usd: Decimal
    days_overdue: int


@dataclass
class Totals:
    """Sums of agreement rows: in USD, or in one currency."""

    currency: str = "USD"
    committed: Decimal = ZERO
    received: Decimal = ZERO
    received_in_period: Decimal = ZERO
    allocated: Decimal = ZERO
    spent: Decimal = ZERO
    balance: Decimal = ZERO
    to_receive: Decimal = ZERO
    overdue: Decimal = ZERO
    overdue_count: int = 0
    expected: Decimal = ZERO

    def add(self, row: AgreementRow, *, usd: bool) -> None:
        for name in MONEY_FIELDS:
            value = getattr(row, f"{name}_usd" if usd else name)
            setattr(self, name, getattr(self, name) + value)
        self.overdue_count += row.overdue_count
        self.expected += row.expected_usd

    @property
    def burn_rate(self) -> Decimal | None:
        """Spent against planned spending to date, summed over the agreements (USD)."""
        if self.currency != "USD" or not self.expected:
            return None
        return (self.spent / self.expected).quantize(Decimal("0.01"), ROUND_HALF_UP)


def longest_overdue_first(tranche: OverdueTranche) -> tuple[int, str]:
    """The order of a donor's tranches in a table of the longest overdue."""
    return (-tranche.days_overdue, tranche.reference)


@dataclass
class DonorSection:
    donor_id: int
    donor_name: str
    donor_short_name: str
    agreements: list[AgreementRow] = field(default_factory=list)
    overdue: list[OverdueTranche] = field(default_factory=list)
    budget: list[BudgetActualRow] = field(default_factory=list)
    # Set on a section cut down for the assembly (assembly_copy): how many tranches are
    # overdue in all when `overdue` keeps only the longest overdue and `budget` nothing.
    overdue_total: int | None = None

    @property
    def overdue_count(self) -> int:
        """Tranches overdue at the period's end, listed or not."""
        return len(self.overdue) if self.overdue_total is None else self.overdue_total

    @property
    def is_cut(self) -> bool:
        """Whether this is an assembly copy, which the donor's own documents cannot be
        made from (they were made with its section, reports.services.generating)."""
        return self.overdue_total is not None

    def assembly_copy(self, keep_overdue: int) -> "DonorSection":
        """What the assembly of an overall report reads of this section once the donor's
        own parts of the documents are made: the agreements, the `keep_overdue` longest
        overdue tranches (the most an overall table of the longest overdue can list from
        one donor) and their count; no budget lines."""
        return DonorSection(
            donor_id=self.donor_id,
            donor_name=self.donor_name,
            donor_short_name=self.donor_short_name,
            agreements=self.agreements,
            # A stable sort: tranches alike in days and agreement keep their order, as in
            # the overall table's own (stable) sort of every donor's tranches.
            overdue=sorted(self.overdue, key=longest_overdue_first)[:keep_overdue],
            overdue_total=self.overdue_count,
        )

    @property
    def totals_usd(self) -> Totals:
        totals = Totals()
        for row in self.agreements:
            totals.add(row, usd=True)
        return totals

    @property
    def totals_by_currency(self) -> list[Totals]:
        by_currency: dict[str, Totals] = {}
        for row in self.agreements:
            by_currency.setdefault(row.currency, Totals(currency=row.currency)).add(row, usd=False)
        return [by_currency[c] for c in sorted(by_currency)]

    def to_json(self) -> dict:
        return _jsonable(asdict(self))

    @classmethod
    def from_json(cls, data: dict) -> "DonorSection":
        agreements = [_agreement_from_json(row) for row in data.get("agreements", [])]
        overdue = [
            OverdueTranche(**_decimals(row, OverdueTranche)) for row in data.get("overdue", [])
        ]
        return cls(
            overdue_total=data.get("overdue_total"),
            donor_id=data["donor_id"],
            donor_name=data["donor_name"],
            donor_short_name=data["donor_short_name"],
            agreements=agreements,
            overdue=overdue,
            budget=[
                BudgetActualRow(**_decimals(row, BudgetActualRow)) for row in data.get("budget", [])
            ],
        )


def _agreement_from_json(data: dict) -> AgreementRow:
    row = _decimals(data, AgreementRow)
    tranche = row.get("next_tranche")
    row["next_tranche"] = NextTranche(**_decimals(tranche, NextTranche)) if tranche else None
    row["projects"] = [ProjectLine(**_decimals(p, ProjectLine)) for p in row.get("projects", [])]
    return AgreementRow(**row)


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _decimals(row: dict, cls) -> dict:
    kinds = cls.__annotations__
    decimal = (Decimal, Decimal | None)
    return {
        k: (Decimal(str(v)) if kinds.get(k) in decimal and v is not None else v)
        for k, v in row.items()
    }


@dataclass
class DisbursementFigures:
    period_start: datetime.date
    period_end: datetime.date
    sections: list[DonorSection]
    overall: bool

    @property
    def totals_usd(self) -> Totals:
        totals = Totals()
        for section in self.sections:
            for row in section.agreements:
                totals.add(row, usd=True)
        return totals

    @property
    def agreement_count(self) -> int:
        return sum(len(s.agreements) for s in self.sections)


def disbursement_donors(*, period_end: datetime.date) -> list[Organisation]:
    """Donors with an agreement started by the end of the period (the agreements the
    funding summary counts for it), by short name."""
    return list(
        Organisation.objects.filter(
            kind=Organisation.Kind.DONOR, agreements_funded__start_date__lte=period_end
        )
        .distinct()
        .order_by("short_name")
    )


def donors_active_in(*, period_start: datetime.date, period_end: datetime.date) -> list[int]:
    """Donors owed a monthly report: an agreement running in the month, or a tranche
    overdue at its end."""
    running = Q(agreements_funded__start_date__lte=period_end) & Q(
        agreements_funded__end_date__gte=period_start
    )
    owing = Q(agreements_funded__disbursements__planned_date__lte=period_end) & (
        Q(agreements_funded__disbursements__received_date__isnull=True)
        | Q(agreements_funded__disbursements__received_date__gt=period_end)
    )
    return list(
        Organisation.objects.filter(kind=Organisation.Kind.DONOR)
        .filter(running | owing)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("short_name")
    )


def _expected_usd(row: FundingRow, as_of: datetime.date) -> Decimal:
    """What the selectors' burn rate compares spending with: the allocation times the
    elapsed share of the agreement's period (donors.selectors_funding.burn_rate)."""
    start, end = row.period_start, row.period_end
    if not row.allocated_usd or start is None or end is None or end < start:
        return ZERO
    elapsed = (min(end, as_of) - start).days + 1
    if elapsed <= 0:
        return ZERO
    return row.allocated_usd * Decimal(elapsed) / Decimal((end - start).days + 1)


def donor_section(
    *, donor: Organisation, period_start: datetime.date, period_end: datetime.date
) -> DonorSection:
    """One donor's agreements as at `period_end`, as donors.selectors_funding counts them
    (its funding_summary by agreement, as the donor sees it): committed, received (to date
    and in the period), allocated, spent (attributed by allocation share), balance (received
    - spent), burn rate (spent against the planned pace), still to receive, and tranches
    overdue at the period's end (funding_tranche_list)."""
    day_after = period_end + datetime.timedelta(days=1)
    to_date = funding_summary(
        user=REPORT_VIEWER,
        group_by="agreement",
        filters=FundingFilters(date_to=period_end),
        as_donor=donor,
        today=day_after,
    )
    in_period = {
        row.key: row
        for row in funding_summary(
            user=REPORT_VIEWER,
            group_by="agreement",
            filters=FundingFilters(date_from=period_start, date_to=period_end),
            as_donor=donor,
            today=day_after,
        ).rows
    }
    facts = agreement_facts(donor=donor)
    section = DonorSection(
        donor_id=donor.pk, donor_name=donor.name, donor_short_name=donor.short_name
    )
    by_agreement: dict[int, AgreementRow] = {}
    for row in to_date.rows:
        period = in_period.get(row.key)
        to_receive = figures.to_receive(committed=row.committed, received=row.received)
        agreement = AgreementRow(
            reference=row.label,
            title=row.detail.split(": ", 1)[-1],
            currency=row.currency,
            start_date=row.period_start.isoformat() if row.period_start else "",
            end_date=row.period_end.isoformat() if row.period_end else "",
            committed=row.committed,
            committed_usd=row.committed_usd,
            received=row.received,
            received_usd=row.received_usd,
            received_in_period=period.received if period else ZERO,
            received_in_period_usd=period.received_usd if period else ZERO,
            allocated=row.allocated,
            allocated_usd=row.allocated_usd,
            spent=row.spent,
            spent_usd=row.spent_usd,
            balance=row.balance,
            balance_usd=row.balance_usd,
            to_receive=to_receive,
            to_receive_usd=figures.unreceived_usd(
                to_receive, agreement_rate=facts[row.key].usd_rate
            ),
            overdue=row.overdue,
            overdue_usd=row.overdue_usd,
            overdue_count=row.overdue_count or 0,
            burn_rate=row.burn_rate,
            expected_usd=_q(_expected_usd(row, period_end)),
            signed_on=facts[row.key].signed_on,
            implementer=facts[row.key].implementer,
            implementer_iati_identifier=facts[row.key].implementer_iati_identifier,
        )
        by_agreement[row.key] = agreement
        section.agreements.append(agreement)
    for tranche in funding_tranche_list(
        user=REPORT_VIEWER,
        filters=FundingFilters(date_to=period_end),
        as_donor=donor,
        status="overdue",
        today=day_after,
    ):
        section.overdue.append(
            OverdueTranche(
                reference=tranche.agreement.reference,
                currency=tranche.agreement.currency,
                planned_date=tranche.planned_date.isoformat(),
                planned_amount=tranche.planned_amount,
                planned_amount_usd=tranche.planned_amount_usd,
                days_overdue=(period_end - tranche.planned_date).days,
            )
        )
    coming = next_tranches(donor=donor, period_end=period_end)
    lines = project_lines(
        donor=donor,
        period_end=period_end,
        reporting_orgs={a.reference: a.implementer_iati_identifier for a in section.agreements},
    )
    for agreement in section.agreements:
        agreement.next_tranche = coming.get(agreement.reference)
        agreement.projects = lines.get(agreement.reference, [])
    section.budget = budget_against_actual(
        project_codes={p.code for a in section.agreements for p in a.projects},
        period_end=period_end,
    )
    return section
