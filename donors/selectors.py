"""Reads for donors: querysets already shaped for the pages, APIs and reports that show them."""

import datetime
import functools
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ctportal.money import MONEY_DIGITS
from donors.models import Allocation, Disbursement, DisbursementYear, FundingAgreement
from organisations import access
from organisations.models import Organisation
from projects.models import Project


def agreements_visible_to(
    user, queryset: models.QuerySet[FundingAgreement] | None = None
) -> models.QuerySet[FundingAgreement]:
    """The agreements (of `queryset`, all by default) whose money the user may see: every
    one for managers and administrators, a donor viewer's own donor's, none for anyone
    else (the EWG secretariat and counterparts see no agreement-level money)."""
    queryset = FundingAgreement.objects.all() if queryset is None else queryset
    if access.can_see_all_agreements(user):
        return queryset
    donor = access.donor_of(user)
    if donor is not None:
        return queryset.filter(donor=donor)
    return queryset.none()


def of_visible_agreements(user, queryset: models.QuerySet) -> models.QuerySet:
    """The rows of `queryset` (tranches, allocations: anything with an `agreement`) on
    agreements the user may see. For those who see every agreement, no condition at all:
    one that every row meets still cost a subquery on each, and kept a list's count from
    being its table's (ctportal.row_counts)."""
    if access.can_see_all_agreements(user):
        return queryset
    return queryset.filter(agreement__in=agreements_visible_to(user).values("pk"))


def projects_funded_by(donor: Organisation) -> models.QuerySet[Project]:
    """The projects `donor`'s agreements allocate money to: what a donor viewer sees of the
    programme. projects.selectors.project_list_visible_to asks it (handed over by
    donors.apps, since projects does not import donors)."""
    return Project.objects.filter(
        pk__in=Allocation.objects.filter(agreement__donor=donor).values("project_id")
    )


def _sum_per_agreement(model: type[models.Model], field: str) -> Coalesce:
    """One correlated subquery per sum: sums over two joins in one query multiply rows."""
    totals = (
        model.objects.filter(agreement=OuterRef("pk"))
        .order_by()
        .values("agreement")
        .annotate(total=Sum(field))
        .values("total")
    )
    money = models.DecimalField(**MONEY_DIGITS)
    return Coalesce(Subquery(totals, output_field=money), Value(Decimal("0")), output_field=money)


@functools.cache
def _agreement_totals() -> dict[str, Coalesce]:
    """The totals' expressions, built once: five querysets of five clones each were a tenth
    of a 50-row agreement list's Python time (issue 14). Annotating copies an expression
    (and its subquery) before resolving it, so the ones kept here are never changed."""
    return {
        "allocated": _sum_per_agreement(Allocation, "amount"),
        "allocated_usd": _sum_per_agreement(Allocation, "amount_usd"),
        # From the year totals kept with the tranches (donors.services.totals): some 10
        # rows per agreement where it has thousands of tranches (and 100 month totals) at a
        # decade's scale; the sums of the whole years are the sums of the months.
        "planned": _sum_per_agreement(DisbursementYear, "planned_amount"),
        "received": _sum_per_agreement(DisbursementYear, "received_amount"),
        "received_usd": _sum_per_agreement(DisbursementYear, "received_amount_usd"),
    }


def agreement_annotate_totals(*, queryset: models.QuerySet) -> models.QuerySet:
    """Agreements with allocated, planned and received sums (currency and USD) per row."""
    return queryset.annotate(**_agreement_totals())


def agreement_list(*, user: AbstractBaseUser | AnonymousUser | None) -> models.QuerySet:
    """The agreements the user may see, with donor, implementer and their totals."""
    queryset = FundingAgreement.objects.select_related("donor", "implementer")
    return agreement_annotate_totals(queryset=agreements_visible_to(user, queryset))


def agreement_get(*, user: AbstractBaseUser | AnonymousUser | None, pk: int) -> FundingAgreement:
    """One visible agreement with its totals; FundingAgreement.DoesNotExist (a 404) otherwise."""
    return agreement_list(user=user).get(pk=pk)


def disbursement_list(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    agreement: FundingAgreement | None = None,
    today: datetime.date | None = None,
) -> models.QuerySet:
    """Tranches of the agreements the user may see, with `overdue`: not received and
    planned before today."""
    today = today or timezone.localdate()
    queryset = of_visible_agreements(user, Disbursement.objects.all()).select_related(
        "agreement", "agreement__donor"
    )
    if agreement is not None:
        queryset = queryset.filter(agreement=agreement)
    return queryset.annotate_overdue(today)


# Sort keys of the managers' agreement list -> the fields they order by. Amounts in
# different currencies compare by their USD value.
AGREEMENT_SORTS = {
    "donor": ("donor__short_name",),
    "reference": ("reference",),
    "currency": ("currency",),
    "amount": ("amount_usd",),
    "signed": ("signed_on",),
    "period": ("start_date", "end_date"),
}


def agreement_search(
    *, user: AbstractBaseUser | AnonymousUser | None, search: str = "", sort: str = ""
) -> models.QuerySet:
    """agreement_list narrowed by a search on reference, title or donor and ordered by one
    of AGREEMENT_SORTS ("-" first for descending); unknown sorts keep donor, reference."""
    queryset = agreement_list(user=user)
    search = search.strip()
    if search:
        queryset = queryset.filter(
            models.Q(reference__icontains=search)
            | models.Q(title__icontains=search)
            | models.Q(donor__short_name__icontains=search)
            | models.Q(donor__name__icontains=search)
        )
    descending = sort.startswith("-")
    fields = AGREEMENT_SORTS.get(sort.lstrip("-"), ("donor__short_name", "reference"))
    # Equal keys fall back on the reference (then pk), so pages keep one order.
    return queryset.order_by(*(f"-{f}" if descending else f for f in fields), "reference", "pk")


def allocation_get(*, user: AbstractBaseUser | AnonymousUser | None, pk: int) -> Allocation:
    """One allocation of an agreement the user may see; Allocation.DoesNotExist otherwise."""
    visible = agreements_visible_to(user)
    return Allocation.objects.select_related("agreement", "agreement__donor", "project").get(
        pk=pk, agreement__in=visible.values("pk")
    )


def disbursement_get(*, user: AbstractBaseUser | AnonymousUser | None, pk: int) -> Disbursement:
    """One tranche of an agreement the user may see, with `overdue`; DoesNotExist otherwise."""
    return disbursement_list(user=user).get(pk=pk)


def disbursement_next_to_receive(*, agreement: FundingAgreement) -> Disbursement | None:
    """The earliest planned tranche of the agreement not yet received."""
    return (
        Disbursement.objects.filter(agreement=agreement, received_date__isnull=True)
        .order_by("planned_date", "pk")
        .first()
    )
