"""Reads for reports: who may see which report, and who is sent it.

A report is visible to whoever may see its scope (organisations.access decides):
managers and administrators every report; a donor viewer its own donor's disbursement
reports (never the overall one, which shows other donors' agreements) and the progress
reports of workplans its money reaches; counterpart staff and the EWG secretariat
progress reports of the workplans they may see; nobody else any.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Min, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Least

from donors.models import FundingAgreement
from organisations import access
from organisations.models import Organisation, Role
from reports.models import Report, Subscription
from workplans.models import Workplan, WorkplanVersion
from workplans.selectors import versions_visible_to


def _visible_workplans(user) -> QuerySet:
    versions = versions_visible_to(user)
    return versions.values("workplan")


def visible_reports(user, queryset: QuerySet[Report]) -> QuerySet[Report]:
    role = access.role_of(user)
    if role in (Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR):
        return queryset
    progress = Q(kind=Report.Kind.PROGRESS, workplan__in=_visible_workplans(user))
    if role == Role.DONOR_VIEWER and access.donor_of(user) is not None:
        own = Q(kind=Report.Kind.DISBURSEMENT, donor=access.donor_of(user))
        return queryset.filter(own | progress)
    if role in (Role.COUNTERPART_STAFF, Role.EWG_SECRETARIAT):
        return queryset.filter(progress)
    return queryset.none()


# The list's columns and what each sorts by; ties keep the default order below.
REPORT_SORTS: dict[str, tuple[str, ...]] = {
    "report": ("kind",),
    "scope": ("scope_sort",),
    "period": ("period_end",),
    "status": ("status",),
}
DEFAULT_ORDER = ("-period_end", "kind", "donor__short_name", "workplan__code", "-pk")


def _search_q(search: str) -> Q:
    """A report whose kind, scope (donor or workplan) or requester matches any of the words."""
    q = Q()
    for word in search.split():
        match = (
            Q(donor__short_name__icontains=word)
            | Q(donor__name__icontains=word)
            | Q(workplan__code__icontains=word)
            | Q(workplan__title__icontains=word)
            | Q(requested_by__username__icontains=word)
            | Q(requested_by__first_name__icontains=word)
            | Q(requested_by__last_name__icontains=word)
        )
        kinds = [value for value, label in Report.Kind.choices if word.lower() in label.lower()]
        if kinds:
            match |= Q(kind__in=kinds)
        if word.lower() in "all donors":
            match |= Q(kind=Report.Kind.DISBURSEMENT, donor__isnull=True)
        q &= match
    return q


def report_list(
    *, user, filters: dict | None = None, search: str = "", sort: str = ""
) -> QuerySet[Report]:
    """The reports `user` may see, newest period first unless `sort` names a column of
    REPORT_SORTS ("-" first for descending), with their scope and requester.

    filters: kind, status, donor, workplan (empty values are ignored); search: words that
    must each match the kind, the donor, the workplan or who asked for it.
    """
    queryset = visible_reports(
        user, Report.objects.select_related("donor", "workplan", "requested_by")
    )
    for name in ("kind", "status", "donor", "workplan"):
        value = (filters or {}).get(name)
        if value not in (None, ""):
            queryset = queryset.filter(**{name: value})
    if search.strip():
        queryset = queryset.filter(_search_q(search))
    fields = REPORT_SORTS.get(sort.removeprefix("-"))
    if fields is None:
        return queryset.order_by(*DEFAULT_ORDER)
    if "scope_sort" in fields:
        # As the list shows the scope: the workplan's code, the donor, or "All donors".
        queryset = queryset.annotate(
            scope_sort=Coalesce("workplan__code", "donor__short_name", Value("All donors"))
        )
    prefix = "-" if sort.startswith("-") else ""
    return queryset.order_by(*(prefix + field for field in fields), *DEFAULT_ORDER)


def report_get(*, user, pk: int) -> Report:
    """One report `user` may see; Report.DoesNotExist (a 404) for any other."""
    return report_list(user=user).get(pk=pk)


def report_kinds_for(*, user) -> list[str]:
    """The kinds of report `user` may see at all (and so subscribe to)."""
    role = access.role_of(user)
    if role in (Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR, Role.DONOR_VIEWER):
        return [Report.Kind.DISBURSEMENT, Report.Kind.PROGRESS]
    if role in (Role.COUNTERPART_STAFF, Role.EWG_SECRETARIAT):
        return [Report.Kind.PROGRESS]
    return []


def subscription_kinds(*, user) -> set[str]:
    return set(Subscription.objects.filter(user=user).values_list("kind", flat=True))


def report_recipients(*, report: Report) -> list:
    """Subscribers to the report's kind who may see this report and have an e-mail
    address, by username."""
    users = (
        get_user_model()
        .objects.filter(report_subscriptions__kind=report.kind, is_active=True)
        .exclude(email="")
        .select_related("membership__organisation")
        .order_by("username")
        .distinct()
    )
    return [
        user
        for user in users
        if visible_reports(user, Report.objects.filter(pk=report.pk)).exists()
    ]


def donor_choices() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=Organisation.Kind.DONOR).order_by("short_name")


def workplan_choices() -> QuerySet[Workplan]:
    """Workplans with an approved version: the ones a progress report can be made of."""
    return (
        Workplan.objects.filter(versions__status=WorkplanVersion.Status.APPROVED)
        .distinct()
        .order_by("-period_start", "code")
    )


def funding_first_date(*, donor: Organisation | None = None) -> datetime.date | None:
    """The first day a disbursement report has anything to show: the earliest signing or
    start of an agreement (of `donor`, or of any donor); None when there is none."""
    agreements = FundingAgreement.objects.all()
    if donor is not None:
        agreements = agreements.filter(donor=donor)
    return agreements.aggregate(first=Min(Least("signed_on", "start_date")))["first"]
