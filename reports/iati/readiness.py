"""What a project lacks for a valid IATI activity record, said before export.

A project with any gap is listed with it (on the IATI page and at
/api/v1/iati/readiness/) and left out of the export rather than exported invalid. Each gap
names the project field to fix and the IATI rule it answers to.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from reports.iati.codelists import CodelistError, codelist
from reports.iati.selectors import ActivityRecord, activity_identifier, activity_records


@dataclass(frozen=True)
class Gap:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class BudgetPeriod:
    year: int
    currency: str
    start: datetime.date
    end: datetime.date


def budget_period(*, year: int, currency: str, project) -> BudgetPeriod:
    """A budget year's IATI period: the calendar year within the project's period (so
    never longer than a year, rule 7.5.3)."""
    return BudgetPeriod(
        year=year,
        currency=currency,
        start=max(datetime.date(year, 1, 1), project.start_date),
        end=min(datetime.date(year, 12, 31), project.end_date),
    )


def _one_year_at_most(start: datetime.date, end: datetime.date) -> bool:
    try:
        limit = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        limit = start.replace(year=start.year + 1, day=28)
    return end < limit


def _in_list(list_name: str, value: str) -> bool:
    try:
        return value in codelist(list_name)
    except CodelistError:
        return False


def project_gaps(record: ActivityRecord, *, today: datetime.date) -> list[Gap]:
    """Every reason the project's record would not be valid, in field order."""
    project = record.project
    gaps: list[Gap] = []
    if not project.title.strip():
        gaps.append(Gap("title", "no_title", "No title (IATI title needs narrative text)."))
    if not project.dac_sector:
        gaps.append(
            Gap("dac_sector", "no_sector", "No DAC sector (IATI rule 6.2.2: a sector is needed).")
        )
    elif not _in_list("Sector", project.dac_sector):
        gaps.append(
            Gap(
                "dac_sector",
                "unknown_sector",
                f"DAC sector {project.dac_sector} is not in the IATI Sector codelist.",
            )
        )
    if project.start_date is None:
        gaps.append(Gap("start_date", "no_start_date", "No start date (IATI rule 6.11.1)."))
    elif project.end_date is not None and project.end_date < project.start_date:
        gaps.append(
            Gap("end_date", "end_before_start", "Ends before it starts (IATI rule 11.1.2).")
        )
    if not _in_list("ActivityStatus", project.status):
        gaps.append(
            Gap("status", "unknown_status", f"Status {project.status} is not an IATI status.")
        )
    if gaps:
        return gaps  # the money checks below need a sector-less, dated project to mean much
    gaps += _money_gaps(record, today=today)
    return gaps


def _money_gaps(record: ActivityRecord, *, today: datetime.date) -> list[Gap]:
    project = record.project
    gaps: list[Gap] = []
    for year, currency in sorted({(line.year, line.currency) for line in record.budget_lines}):
        period = budget_period(year=year, currency=currency, project=project)
        if period.end < period.start:
            gaps.append(
                Gap(
                    "budget_lines",
                    "budget_outside_period",
                    f"The {year} budget falls outside the project's period.",
                )
            )
        elif not _one_year_at_most(period.start, period.end):
            gaps.append(
                Gap(
                    "budget_lines",
                    "budget_period_over_a_year",
                    f"The {year} budget period is longer than a year (IATI rule 7.5.3).",
                )
            )
    currencies = {line.currency for line in record.budget_lines}
    currencies |= {row.currency for row in record.expenditures}
    currencies |= {a.agreement.currency for a in record.allocations}
    for currency in sorted(currencies):
        if not _in_list("Currency", currency):
            gaps.append(Gap("currency", "unknown_currency", f"{currency} is not an IATI currency."))
    dated = [("expenditures", row.spent_on) for row in record.expenditures]
    dated += [("allocations", a.agreement.signed_on) for a in record.allocations]
    dated += [("disbursements", r.date) for r in record.receipts]
    for field, day in dated:
        if day > today:
            gaps.append(
                Gap(
                    field,
                    "transaction_in_future",
                    f"A transaction is dated {day:%Y-%m-%d}, in the future (IATI rule 11.2.1).",
                )
            )
            break
    return gaps


@dataclass(frozen=True)
class ProjectReadiness:
    code: str
    title: str
    iati_identifier: str
    gaps: list[Gap]

    @property
    def ready(self) -> bool:
        return not self.gaps


def iati_readiness_list(
    *,
    user,
    filters=None,
    projects=None,
    today: datetime.date | None = None,
    only_gaps: bool = False,
) -> list[ProjectReadiness]:
    """Each project the user may export, with what it lacks for a valid record (nothing
    for a ready one); with `only_gaps`, just the projects that lack something."""
    today = today or timezone.localdate()
    rows = []
    for record in activity_records(user=user, filters=filters, projects=projects):
        gaps = project_gaps(record, today=today)
        if gaps or not only_gaps:
            project = record.project
            rows.append(
                ProjectReadiness(
                    code=project.code,
                    title=project.title,
                    iati_identifier=activity_identifier(project),
                    gaps=gaps,
                )
            )
    return rows
