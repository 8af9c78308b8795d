"""The rows an IATI activity record is built from, for the projects a user may export.

Projects come from projects.selectors.project_list (the project list's filters and access
rules). Money follows organisations.access: roles that never see money export no budget,
transaction or funder; a donor viewer exports only its own allocations and the receipts
of its own agreements (never another donor's name, agreement or tranche). Projects are
read a chunk at a time, each chunk in a fixed number of queries whatever its size, so a
decade of data streams in bounded memory.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Sum

from ctportal.money import quantum
from donors.models import Allocation, Disbursement
from organisations import access
from organisations.models import Organisation
from projects.iati import REPORTING_ORG_IDENTIFIER, reported_iati_identifier
from projects.models import (
    BudgetLine,
    Expenditure,
    Indicator,
    Outcome,
    Output,
    Project,
)
from projects.selectors import project_list
from workplans.models import AchievedValue, ProgressUpdate
from workplans.quarters import quarters_of

CHUNK = 50

# UNODC's organisation identifier, the reporting organisation of every activity.
REPORTING_ORG_REF = REPORTING_ORG_IDENTIFIER


@dataclass(frozen=True)
class Receipt:
    """A project's share of a received tranche: receipt x allocation / commitment."""

    donor: Organisation
    date: datetime.date
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Actual:
    """Verified achievements of one indicator on one project in one workplan quarter."""

    start: datetime.date
    end: datetime.date
    value: Decimal


@dataclass
class ActivityRecord:
    project: Project
    # Empty for roles that never see money.
    allocations: list[Allocation] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    budget_lines: list[BudgetLine] = field(default_factory=list)
    expenditures: list[Expenditure] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    # {indicator id: verified actuals, oldest first}
    actuals: dict[int, list[Actual]] = field(default_factory=dict)
    money_visible: bool = False


def activity_identifier(project: Project) -> str:
    """The project's IATI activity identifier (projects.iati, one definition)."""
    return reported_iati_identifier(project.code)


def iati_project_list(
    *, user, filters: Mapping | None = None, projects: QuerySet[Project] | None = None
) -> QuerySet[Project]:
    """The projects the user may export: `projects` (already the user's, narrowed by the
    API's project filters), else the project list's, narrowed by its page `filters`."""
    if projects is None:
        projects = project_list(user=user, filters=filters)
    # project_list prefetches the provinces (ordered by code).
    return projects.prefetch_related(
        Prefetch("counterparts", queryset=Organisation.objects.order_by("short_name")),
    )


def reporting_org() -> Organisation | None:
    """The implementer whose identifier is REPORTING_ORG_REF (UNODC), if recorded."""
    return Organisation.objects.filter(iati_identifier=REPORTING_ORG_REF).first()


def activity_records(
    *, user, filters: Mapping | None = None, projects: QuerySet[Project] | None = None
) -> Iterator[ActivityRecord]:
    """An ActivityRecord per exportable project, in code order, read CHUNK at a time."""
    queryset = iati_project_list(user=user, filters=filters, projects=projects)
    rows = queryset.order_by("code", "pk").iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        yield from _records(user=user, projects=chunk)


def _records(*, user, projects: list[Project]) -> list[ActivityRecord]:
    records = {p.pk: ActivityRecord(project=p) for p in projects}
    ids = list(records)
    if access.can_see_money(user):
        _add_money(user=user, records=records, ids=ids)
    outcomes = _outcomes(projects)
    indicator_ids = []
    for record in records.values():
        project = record.project
        record.outcomes = [
            o
            for o in outcomes
            if o.project_id == project.pk
            or (o.project_id is None and o.sub_programme_id == project.sub_programme_id)
        ]
        indicator_ids += [
            i.pk for o in record.outcomes for out in o.outputs.all() for i in out.indicators.all()
        ]
    for (project_id, indicator_id), actuals in _actuals(ids, indicator_ids).items():
        records[project_id].actuals[indicator_id] = actuals
    return list(records.values())


def _add_money(*, user, records: dict[int, ActivityRecord], ids: list[int]) -> None:
    allocations = Allocation.objects.filter(project_id__in=ids).select_related("agreement__donor")
    donor = access.donor_of(user)
    if donor is not None:
        allocations = allocations.filter(agreement__donor=donor)
    allocations = list(allocations.order_by("agreement__donor__short_name", "agreement__pk"))
    by_agreement = defaultdict(list)
    for allocation in allocations:
        records[allocation.project_id].allocations.append(allocation)
        by_agreement[allocation.agreement_id].append(allocation)
    tranches = Disbursement.objects.filter(
        agreement_id__in=list(by_agreement), received_date__isnull=False
    ).order_by("received_date", "pk")
    for tranche in tranches:
        for allocation in by_agreement[tranche.agreement_id]:
            agreement = allocation.agreement
            share = tranche.received_amount * allocation.amount / agreement.amount
            records[allocation.project_id].receipts.append(
                Receipt(
                    donor=agreement.donor,
                    date=tranche.received_date,
                    amount=share.quantize(quantum(agreement.currency), rounding=ROUND_HALF_UP),
                    currency=agreement.currency,
                )
            )
    for line in BudgetLine.objects.filter(project_id__in=ids).order_by("year", "category"):
        records[line.project_id].budget_lines.append(line)
    for row in Expenditure.objects.filter(project_id__in=ids).order_by("spent_on", "pk"):
        records[row.project_id].expenditures.append(row)
    for record in records.values():
        record.money_visible = True


def _outcomes(projects: list[Project]) -> list[Outcome]:
    """The results frameworks that apply to `projects` (projects.selectors.project_results,
    for a chunk at once): their own outcomes and their sub-programmes' shared ones."""
    return list(
        Outcome.objects.filter(
            Q(project__in=[p.pk for p in projects])
            | Q(project__isnull=True, sub_programme__in={p.sub_programme_id for p in projects})
        )
        .order_by("code", "pk")
        .prefetch_related(
            Prefetch(
                "outputs",
                queryset=Output.objects.order_by("code").prefetch_related(
                    Prefetch("indicators", queryset=Indicator.objects.order_by("code"))
                ),
            )
        )
    )


def _actuals(project_ids: list[int], indicator_ids: list[int]) -> dict[tuple, list[Actual]]:
    """{(project id, indicator id): verified actuals per workplan quarter}, in one grouped
    query. The rule of workplans.selectors_results.indicator_progress, per project: only
    verified updates count; where an update gives an indicator's total as well as its
    breakdown, the total stands and the breakdown is not added again."""
    if not indicator_ids:
        return {}
    total_row = AchievedValue.objects.filter(
        update=OuterRef("update"), indicator=OuterRef("indicator"), sex="", province__isnull=True
    )
    workplan = "update__activity__version__workplan"
    rows = (
        AchievedValue.objects.filter(
            indicator_id__in=set(indicator_ids),
            update__state=ProgressUpdate.State.VERIFIED,
            update__activity__project_id__in=project_ids,
        )
        .filter(Q(sex="", province__isnull=True) | ~Exists(total_row))
        .values(
            "update__activity__project_id",
            "indicator_id",
            f"{workplan}_id",
            f"{workplan}__period_start",
            f"{workplan}__period_end",
            "update__quarter",
        )
        .annotate(total=Sum("value"))
        .order_by()
    )
    found: dict[tuple, list[Actual]] = defaultdict(list)
    for row in rows:
        quarters = quarters_of(
            _Period(row[f"{workplan}__period_start"], row[f"{workplan}__period_end"])
        )
        number = row["update__quarter"]
        if not 1 <= number <= len(quarters):
            continue  # outside its workplan's period: it cannot be placed in time
        quarter = quarters[number - 1]
        key = (row["update__activity__project_id"], row["indicator_id"])
        found[key].append(Actual(start=quarter.start, end=quarter.end, value=row["total"]))
    for actuals in found.values():
        actuals.sort(key=lambda a: (a.start, a.end))
    return dict(found)


@dataclass(frozen=True)
class _Period:
    period_start: datetime.date
    period_end: datetime.date
