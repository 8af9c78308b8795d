"""Drill-down: the agreements, tranches, allocations and expenditures behind each figure."""

import datetime
from dataclasses import replace
from typing import Literal

from django.db.models import F, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, NullIf

from donors.models import Allocation, Disbursement, FundingAgreement
from donors.selectors import disbursement_list
from donors.selectors_funding.families import allocation_family
from donors.selectors_funding.rows import (
    NUMERIC,
    ZERO,
    FundingRow,
    dividend,
    in_period,
    overdue_q,
    sum_of,
)
from donors.selectors_funding.scope import FundingFilters, funding_scope
from donors.selectors_funding.summary import allocation_row, rows_by_agreement
from organisations.models import Organisation
from projects.models import Expenditure, Project


def funding_agreement_get(
    *,
    user,
    pk: int,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    today: datetime.date | None = None,
) -> FundingRow:
    """One agreement's row of the agreement summary; FundingAgreement.DoesNotExist (a 404)
    when it is outside the viewer's scope."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    scope = replace(
        scope,
        agreements=scope.agreements.filter(pk=pk),
        allocations=scope.allocations.filter(agreement_id=pk),
        counts_everything=False,
    )
    rows = rows_by_agreement(scope)
    if rows:
        return rows[0]
    raise FundingAgreement.DoesNotExist


def funding_project_get(*, user, code: str, as_donor: Organisation | None = None) -> Project:
    """A project whose money the viewer may see (a donor: one its agreements fund);
    Project.DoesNotExist (a 404) otherwise, so other donors' projects look like missing
    ones."""
    scope = funding_scope(user=user, as_donor=as_donor)
    projects = Project.objects.select_related("sub_programme__programme")
    if scope.donor is not None:
        projects = projects.filter(pk__in=scope.projects.values("pk"))
    return projects.get(code=code)


def funding_tranche_list(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    agreement_id: int | None = None,
    status: Literal["", "received", "overdue", "planned"] = "",
    year: int | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Disbursement]:
    """The tranches behind the received, planned and overdue figures, with `overdue`.

    status: received (received in the period), overdue (overdue as at the period's end or
    today, ctportal.figures; planned in the period), planned (planned in the period); year
    narrows the date that status counts by (received date for received, planned date
    otherwise)."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    queryset = disbursement_list(user=user, today=scope.as_of).filter(
        agreement__in=scope.agreements.values("pk")
    )
    if agreement_id is not None:
        queryset = queryset.filter(agreement_id=agreement_id)
    date_column = "received_date" if status == "received" else "planned_date"
    if status == "overdue":
        queryset = queryset.filter(overdue_q(scope))
    elif status in ("received", "planned"):
        queryset = queryset.filter(in_period(scope.filters, date_column))
    if year is not None:
        queryset = queryset.filter(**{f"{date_column}__year": year})
    return queryset.order_by("planned_date", "agreement__reference", "pk")


def funding_allocation_list(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    agreement_id: int | None = None,
    project_id: int | None = None,
    today: datetime.date | None = None,
) -> list[FundingRow]:
    """The allocations behind allocated and spent figures: one row per allocation (key
    = allocation pk, label = project code, detail = agreement reference) with the receipts,
    overdue amounts and spending attributed to it."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    if agreement_id is not None:
        scope = replace(
            scope,
            allocations=scope.allocations.filter(agreement_id=agreement_id),
            counts_everything=False,
        )
    if project_id is not None:
        scope = replace(
            scope,
            allocations=scope.allocations.filter(project_id=project_id),
            counts_everything=False,
        )
    keys = {"k": F("pk"), "l1": F("project__code"), "l2": F("agreement__reference")}
    rows = [
        allocation_row(scope, a, a["l1"], a["l2"], None) for a in allocation_family(scope, keys)
    ]
    rows.sort(key=lambda r: (r.label, r.detail))
    return rows


def funding_expenditure_list(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    project_id: int | None = None,
    category: str | None = None,
    year: int | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Expenditure]:
    """The expenditures behind the spent figures, each with `attributed_usd`: the part of it
    attributed to the viewer's allocations (the whole row for managers)."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    in_scope = sum_of(
        scope.allocations.filter(project=OuterRef("project_id")), "project", "amount_usd"
    )
    all_allocations = sum_of(
        Allocation.objects.filter(project=OuterRef("project_id")), "project", "amount_usd"
    )
    queryset = (
        Expenditure.objects.filter(
            in_period(scope.filters, "spent_on"), project__in=scope.projects.values("pk")
        )
        .select_related("project")
        .annotate(
            attributed_usd=Cast(
                dividend(F("amount_usd")) * in_scope / NullIf(all_allocations, Value(ZERO)),
                output_field=NUMERIC,
            )
        )
    )
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    if category:
        queryset = queryset.filter(category=category)
    if year is not None:
        queryset = queryset.filter(spent_on__year=year)
    return queryset.order_by("-spent_on", "-pk")


def funding_donor_choices() -> QuerySet[Organisation]:
    """Donors a manager may filter by or view the figures as."""
    return Organisation.objects.filter(kind=Organisation.Kind.DONOR).order_by("short_name")
