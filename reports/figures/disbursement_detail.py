"""What a donor's section says about each agreement beyond its money columns, read as at
the period's end through the same selectors as the rest of the report: the implementer's
IATI organisation identifier and the signing date, the next tranche due after the period,
one line per funded project (allocated and spent attributed, with its IATI activity
identifier), and the budget against actual of the donor's projects.

Everything here is the donor's own: its allocations and tranches (the funding selectors
as the donor sees them, as_donor) and the budgets of the projects its agreements fund,
which are whole-project figures (public through IATI), never another donor's."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from donors.models import FundingAgreement
from donors.selectors_funding import FundingFilters, funding_allocation_list, funding_tranche_list
from organisations.models import Organisation
from projects.iati import project_iati_identifier
from projects.selectors import projects_by_code
from projects.selectors_budget import project_budgets
from reports.figures.viewer import REPORT_VIEWER

ZERO = Decimal("0")


@dataclass
class AgreementFacts:
    """Per agreement: its rate and what is written on it."""

    usd_rate: Decimal
    signed_on: str
    implementer: str
    implementer_iati_identifier: str


@dataclass
class NextTranche:
    """The first tranche planned after the period's end and not received by then; USD at
    the agreement's rate (ctportal.figures.USD_POLICY: money not yet received)."""

    planned_date: str
    amount: Decimal
    amount_usd: Decimal


@dataclass
class ProjectLine:
    """One allocation of an agreement: the project it funds and the money attributed."""

    code: str
    title: str
    iati_identifier: str
    currency: str
    allocated: Decimal = ZERO
    allocated_usd: Decimal = ZERO
    spent: Decimal = ZERO
    spent_usd: Decimal = ZERO


@dataclass
class BudgetActualRow:
    """One year and category of a funded project's budget against what it spent (USD,
    expenditure up to the period's end); the whole project, all funders."""

    project_code: str
    year: int
    category: str
    budget: Decimal | None
    currency: str
    budget_usd: Decimal | None
    spent_usd: Decimal = ZERO

    @property
    def balance_usd(self) -> Decimal | None:
        """Budget - spent; spending with no budget line is against a budget of 0, so the
        balances add up to the totals' (None: a budget with no USD rate recorded)."""
        if self.budget is None:
            return -self.spent_usd
        return None if self.budget_usd is None else self.budget_usd - self.spent_usd


def agreement_facts(*, donor: Organisation) -> dict[int, AgreementFacts]:
    """{agreement pk: facts} of the donor's agreements, in one query."""
    return {
        pk: AgreementFacts(
            usd_rate=rate,
            signed_on=signed_on.isoformat(),
            implementer=implementer or "",
            implementer_iati_identifier=identifier or "",
        )
        for pk, rate, signed_on, implementer, identifier in FundingAgreement.objects.filter(
            donor=donor
        ).values_list(
            "pk",
            "usd_rate",
            "signed_on",
            "implementer__short_name",
            "implementer__iati_identifier",
        )
    }


def next_tranches(*, donor: Organisation, period_end: datetime.date) -> dict[str, NextTranche]:
    """{agreement reference: its next tranche due}: the earliest planned after the period's
    end and not received by the end of it (funding_tranche_list, as the donor sees it)."""
    day_after = period_end + datetime.timedelta(days=1)
    tranches = funding_tranche_list(
        user=REPORT_VIEWER,
        filters=FundingFilters(date_from=day_after),
        as_donor=donor,
        status="planned",
        today=day_after,
    ).exclude(received_date__lte=period_end)
    found: dict[str, NextTranche] = {}
    for reference, planned_date, amount, amount_usd in tranches.values_list(
        "agreement__reference", "planned_date", "planned_amount", "planned_amount_usd"
    ):
        if reference not in found:  # ordered by planned date: the first is the next
            found[reference] = NextTranche(
                planned_date=planned_date.isoformat(), amount=amount, amount_usd=amount_usd
            )
    return found


def project_lines(
    *, donor: Organisation, period_end: datetime.date, reporting_orgs: dict[str, str]
) -> dict[str, list[ProjectLine]]:
    """{agreement reference: one line per allocation} as at the period's end
    (funding_allocation_list, as the donor sees it); `reporting_orgs` maps each reference
    to its implementer's IATI organisation identifier, the start of the activity's."""
    day_after = period_end + datetime.timedelta(days=1)
    rows = funding_allocation_list(
        user=REPORT_VIEWER,
        filters=FundingFilters(date_to=period_end),
        as_donor=donor,
        today=day_after,
    )
    titles = {
        code: project.title
        for code, project in projects_by_code(
            user=REPORT_VIEWER, codes={r.label for r in rows}
        ).items()
    }
    lines: dict[str, list[ProjectLine]] = {}
    for row in rows:
        lines.setdefault(row.detail, []).append(
            ProjectLine(
                code=row.label,
                title=titles.get(row.label, ""),
                iati_identifier=project_iati_identifier(
                    reporting_org_identifier=reporting_orgs.get(row.detail, ""),
                    project_code=row.label,
                ),
                currency=row.currency,
                allocated=row.allocated,
                allocated_usd=row.allocated_usd,
                spent=row.spent,
                spent_usd=row.spent_usd,
            )
        )
    return lines


def budget_against_actual(
    *, project_codes: set[str], period_end: datetime.date
) -> list[BudgetActualRow]:
    """The budget lines of the projects by project, year and category, against their
    expenditure up to the period's end (projects.selectors_budget.project_budgets)."""
    projects = projects_by_code(user=REPORT_VIEWER, codes=project_codes)
    budgets = project_budgets(project_ids=[p.pk for p in projects.values()], spent_until=period_end)
    rows = []
    for code in sorted(projects):
        for row in budgets[projects[code].pk].rows:
            rows.append(
                BudgetActualRow(
                    project_code=code,
                    year=row.year,
                    category=row.category_label,
                    budget=row.budget,
                    currency=row.currency,
                    budget_usd=row.budget_usd,
                    spent_usd=row.spent_usd,
                )
            )
    return rows
