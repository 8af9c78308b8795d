"""Reads for projects: querysets already shaped for the page or API that shows them."""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from ctportal.exceptions import DomainError
from organisations import access
from organisations.access import can_see_money, donor_of
from organisations.models import Organisation
from projects.filters import ProjectFilter
from projects.models import (
    BudgetLine,
    CountryProgramme,
    ExchangeRate,
    Expenditure,
    Indicator,
    NapArea,
    Outcome,
    Output,
    Project,
    Province,
    SubProgramme,
)
from projects.selectors_budget import (  # noqa: F401 (the project page imports them from here)
    BudgetRow,
    ProjectBudget,
    project_budget,
    project_budgets,
)

ZERO = Decimal("0.00")


def usd_rate_for(*, currency: str, on: datetime.date, field: str = "currency") -> Decimal:
    """The UN operational rate (USD per unit) of `on`'s month, else the latest before it."""
    if currency == "USD":
        return Decimal("1")
    rate = (
        ExchangeRate.objects.filter(currency=currency, month__lte=on.replace(day=1))
        .order_by("-month")
        .values_list("usd_per_unit", flat=True)
        .first()
    )
    if rate is None:
        raise DomainError(
            f"No exchange rate to USD is recorded for {currency} in or before {on:%B %Y}.",
            field=field,
            code="no_exchange_rate",
        )
    return rate


# --- Who sees which projects ----------------------------------------------------------

FundedProjects = Callable[[Organisation], QuerySet[Project]]
_funded_projects: list[FundedProjects] = []


def funded_projects_provide(provider: FundedProjects) -> None:
    """Which projects a donor's money reaches is donors' knowledge (its allocations), and
    donors imports projects, never the reverse (workplans -> projects <- donors). So donors
    hands its answer over here once its app is ready (donors.apps), and projects asks it
    without importing donors."""
    _funded_projects[:] = [provider]


def projects_funded_by(donor: Organisation) -> QuerySet[Project]:
    """The projects `donor`'s agreements fund (donors.selectors.projects_funded_by); none
    while donors has not said, so a donor viewer then sees nothing rather than everything."""
    if not _funded_projects:
        return Project.objects.none()
    return _funded_projects[0](donor)


def project_list_visible_to(user, queryset: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """The projects (of `queryset`, all by default) the user may open: every one for the
    roles that see the whole programme; a donor viewer's funded ones; a counterpart's own
    (the organisation is one of the project's counterparts); none for anyone else.

    Subqueries, not joins: a project reached twice is listed once, and counts and sums
    made on the result are not multiplied."""
    queryset = Project.objects.all() if queryset is None else queryset
    if access.is_programme_wide(user):
        return queryset
    donor = access.donor_of(user)
    if donor is not None:
        return queryset.filter(pk__in=projects_funded_by(donor).values("pk"))
    organisation = access.organisation_of(user)
    if access.is_counterpart(user) and organisation is not None:
        own = Project.objects.filter(counterparts=organisation)
        return queryset.filter(pk__in=own.values("pk"))
    return queryset.none()


# --- Pages: each built in a fixed number of queries, whatever the number of rows ---------


# The project list's sortable columns: ?sort=<key> or ?sort=-<key>; the code breaks ties.
PROJECT_SORTS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "title": ("title", "code"),
    "sub_programme": ("sub_programme__code", "code"),
    "period": ("start_date", "end_date", "code"),
    "status": ("status", "code"),
}


def project_sort_fields(sort: str | None) -> tuple[str, ...]:
    """The order_by() of a ?sort= value; an unknown value sorts by code."""
    key = (sort or "").removeprefix("-")
    fields = PROJECT_SORTS.get(key, ("code",))
    if (sort or "").startswith("-") and key in PROJECT_SORTS:
        return tuple(f"-{name}" for name in fields)
    return fields


def project_list(
    *, user, filters: Mapping | None = None, sort: str | None = None
) -> QuerySet[Project]:
    """Projects the user may open, with what a list row shows; narrowed by ProjectFilter,
    ordered by one of PROJECT_SORTS."""
    queryset = project_list_visible_to(
        user,
        Project.objects.select_related("sub_programme__programme")
        .prefetch_related("provinces")
        .order_by(*project_sort_fields(sort)),
    )
    if filters is not None:
        queryset = ProjectFilter(filters, queryset=queryset, user=user).qs
    return queryset


def project_get(*, user, code: str) -> Project:
    """One visible project with its reference data; Project.DoesNotExist when not visible."""
    return (
        project_list_visible_to(
            user,
            Project.objects.select_related("sub_programme__programme").prefetch_related(
                Prefetch("provinces", queryset=Province.objects.order_by("name")),
                Prefetch("counterparts", queryset=Organisation.objects.order_by("short_name")),
                Prefetch("nap_areas", queryset=NapArea.objects.order_by("version", "number")),
            ),
        )
        .filter(code=code)
        .get()
    )


def project_counts(*, user) -> dict[str, int]:
    """How many projects the user may see, and how many of them are being implemented."""
    return project_list_visible_to(user).aggregate(
        total=Count("pk", distinct=True),
        implementing=Count("pk", filter=Q(status=Project.Status.IMPLEMENTATION), distinct=True),
    )


@dataclass(frozen=True)
class ProjectFunding:
    """Funding sources of one project as the user may see them.

    `allocations` are shown in full (donor, agreement, amount in its currency and USD);
    `other_usd` is everyone else's money as one figure (donor viewers only, else None).
    """

    allocations: list
    other_usd: Decimal | None
    total_usd: Decimal


def project_funding(*, user, project: Project) -> ProjectFunding | None:
    """None for roles that never see money; a donor viewer sees other donors only combined."""
    if not can_see_money(user):
        return None
    allocations = project.allocations.select_related("agreement__donor").order_by(
        "agreement__donor__short_name", "agreement__reference"
    )
    donor = donor_of(user)
    if donor is None:
        rows = list(allocations)
        return ProjectFunding(
            allocations=rows, other_usd=None, total_usd=sum((a.amount_usd for a in rows), ZERO)
        )
    own = list(allocations.filter(agreement__donor=donor))
    other = project.allocations.exclude(agreement__donor=donor).aggregate(
        usd=Coalesce(Sum("amount_usd"), ZERO)
    )["usd"]
    own_usd = sum((a.amount_usd for a in own), ZERO)
    return ProjectFunding(allocations=own, other_usd=other, total_usd=own_usd + other)


def project_results(*, project: Project) -> list[Outcome]:
    """The results framework that applies: the project's own outcomes and its sub-programme's
    (those with no project), each with outputs and indicators (three queries)."""
    return list(
        Outcome.objects.filter(
            Q(project=project) | Q(project__isnull=True, sub_programme_id=project.sub_programme_id)
        )
        .order_by("project_id", "code")
        .prefetch_related(
            Prefetch(
                "outputs",
                queryset=Output.objects.order_by("code").prefetch_related(
                    Prefetch("indicators", queryset=Indicator.objects.order_by("code"))
                ),
            )
        )
    )


def programme_list(*, user) -> list[CountryProgramme]:
    """Country programmes -> sub-programmes, each with the number of projects the user sees."""
    visible = project_list_visible_to(user).values("pk")
    sub_programmes = SubProgramme.objects.annotate(
        project_count=Count("projects", filter=Q(projects__in=visible))
    ).order_by("code")
    programmes = list(
        CountryProgramme.objects.order_by("-start_date", "code").prefetch_related(
            Prefetch("sub_programmes", queryset=sub_programmes)
        )
    )
    for programme in programmes:
        programme.project_count = sum(sp.project_count for sp in programme.sub_programmes.all())
    return programmes


# --- Management pages (programme managers; views check access first) -------------------


def project_framework_outcomes(*, project: Project) -> QuerySet[Outcome]:
    """Outcomes a manager may edit from this project's page: its own and its
    sub-programme's shared ones."""
    return Outcome.objects.filter(
        Q(project=project) | Q(project__isnull=True, sub_programme_id=project.sub_programme_id)
    ).select_related("sub_programme", "project")


def project_framework_outputs(*, project: Project) -> QuerySet[Output]:
    return Output.objects.filter(
        outcome__in=project_framework_outcomes(project=project).values("pk")
    ).select_related("outcome")


def project_framework_indicators(*, project: Project) -> QuerySet[Indicator]:
    return Indicator.objects.filter(
        output__in=project_framework_outputs(project=project).values("pk")
    ).select_related("output__outcome")


def project_budget_lines(*, project: Project) -> QuerySet[BudgetLine]:
    return project.budget_lines.order_by("year", "category")


def project_expenditures(*, project: Project) -> QuerySet[Expenditure]:
    return project.expenditures.order_by("-spent_on", "-id")


def projects_by_code(*, user, codes: set[str]) -> dict[str, Project]:
    """The visible projects among `codes`, in one query (an import names many)."""
    visible = project_list_visible_to(user, Project.objects.filter(code__in=codes))
    return {p.code: p for p in visible}


def exchange_rate_list(
    *, currency: str | None = None, newest_first: bool = True
) -> QuerySet[ExchangeRate]:
    """Monthly USD rates, optionally of one currency, by month (then currency)."""
    queryset = ExchangeRate.objects.all()
    if currency:
        queryset = queryset.filter(currency=currency)
    if newest_first:
        return queryset.order_by("-month", "currency")
    return queryset.order_by("month", "currency")
