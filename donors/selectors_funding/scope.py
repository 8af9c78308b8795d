"""Who looks, and what they may count: the filters and the viewer's scope of agreements,
allocations and projects that every funding figure starts from."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from donors.models import Allocation
from donors.selectors import agreements_visible_to
from organisations.access import can_see_all_agreements, can_see_money, donor_of, require
from organisations.models import Organisation
from projects.models import Project


@dataclass(frozen=True)
class FundingFilters:
    """What the dashboard is narrowed to; None means not filtered."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sub_programme_id: int | None = None
    project_id: int | None = None
    province_code: str | None = None
    # Managers and administrators only; a donor's view is always its own donor.
    donor_id: int | None = None

    @property
    def narrows_projects(self) -> bool:
        return any((self.sub_programme_id, self.project_id, self.province_code))


@dataclass(frozen=True)
class FundingScope:
    """The agreements, allocations and projects a figure may count for this viewer."""

    user: object
    donor: Organisation | None
    filters: FundingFilters
    today: datetime.date
    agreements: QuerySet  # FundingAgreement rows listed on agreement tables
    allocations: QuerySet  # Allocation rows whose money and spending are counted
    projects: QuerySet  # Project rows those allocations fund
    # Every agreement and every allocation (a manager or administrator who narrows nothing):
    # a sum over tranches or spending then needs no condition on the scope's agreements or
    # projects, which otherwise costs a semi-join in each subquery of a figure.
    counts_everything: bool = False

    @property
    def as_of(self) -> datetime.date:
        """The last day the elapsed share of a period counts up to."""
        if self.filters.date_to and self.filters.date_to < self.today:
            return self.filters.date_to
        return self.today


def funding_viewer_can_choose_donor(user) -> bool:
    """Managers and administrators may look at the figures as a chosen donor sees them."""
    return can_see_all_agreements(user)


def funding_scope(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    today: datetime.date | None = None,
) -> FundingScope:
    """The viewer's scope; PermissionDenied for roles without money and for an as_donor
    asked by anyone but a programme manager or administrator."""
    require(can_see_money(user), "Funding figures are for managers and donors only.")
    filters = filters or FundingFilters()
    # organisations.access decides which agreements a user may see: all for managers and
    # administrators, its own for a donor viewer, none for anyone else.
    agreements = agreements_visible_to(user)
    if as_donor is not None:
        require(
            funding_viewer_can_choose_donor(user),
            "Only programme managers and administrators can view the figures as a donor.",
        )
        donor = as_donor
        agreements = agreements.filter(donor=donor)
    else:
        donor = donor_of(user)
        if donor is None and filters.donor_id:
            agreements = agreements.filter(donor_id=filters.donor_id)
    projects = Project.objects.all()
    if filters.date_from:
        agreements = agreements.filter(end_date__gte=filters.date_from)
        projects = projects.filter(end_date__gte=filters.date_from)
    if filters.date_to:
        agreements = agreements.filter(start_date__lte=filters.date_to)
        projects = projects.filter(start_date__lte=filters.date_to)
    if filters.sub_programme_id:
        projects = projects.filter(sub_programme_id=filters.sub_programme_id)
    if filters.project_id:
        projects = projects.filter(pk=filters.project_id)
    if filters.province_code:
        projects = projects.filter(provinces__code=filters.province_code)
    counts_everything = (
        donor is None
        and can_see_all_agreements(user)
        and not (filters.donor_id or filters.date_from or filters.date_to)
        and not filters.narrows_projects
    )
    if counts_everything:
        allocations = Allocation.objects.all()
    else:
        allocations = Allocation.objects.filter(
            agreement__in=agreements.values("pk"), project__in=projects.values("pk")
        )
    if filters.narrows_projects:
        agreements = agreements.filter(pk__in=allocations.values("agreement_id"))
    return FundingScope(
        user=user,
        donor=donor,
        filters=filters,
        today=today or timezone.localdate(),
        agreements=agreements,
        allocations=allocations,
        projects=Project.objects.filter(pk__in=allocations.values("project_id")),
        counts_everything=counts_everything,
    )
