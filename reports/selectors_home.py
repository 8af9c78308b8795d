"""The home page's figures: for the user's role, what needs their attention across money,
projects, workplans and progress, each a link to the list it counts.

It reads every app, so it lives in reports, the read app above them all."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from donors.models import Disbursement, DisbursementQuerySet
from donors.selectors import agreements_visible_to
from organisations import access
from organisations.models import Organisation, Role
from projects.models import Project
from projects.selectors import project_counts, project_list_visible_to
from workplans.models import Activity, EwgMeeting, ProgressUpdate, WorkplanVersion
from workplans.selectors import versions_visible_to

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Figure:
    """One number on the landing page; `usd` marks an amount, `url` where it leads."""

    label: str
    value: int | Decimal | str
    url: str = ""
    usd: bool = False
    attention: bool = False


def _url(name: str, *args, fragment: str = "", **query) -> str:
    """The page a figure counts, or "" while that page does not exist yet (its URL name
    does not resolve), so a tile never links to a 404."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{fragment}" if fragment else "")


def _agreements_url(user) -> str:
    """Managers keep the agreements list; others see their agreements on the dashboard."""
    if access.can_manage_money(user):
        for name in ("donors:agreement-list", "donors:agreement-manage-list"):
            if url := _url(name):
                return url
    return _url("donors:dashboard", fragment="agreements")


def home_figures(*, user) -> list[Figure]:
    """The landing page's summary for the user's role: real counts and sums only.

    Reads across apps for one page; each figure is one aggregate query (at most seven).
    """
    role = access.role_of(user)
    project_list_url = reverse("projects:project-list")
    counts = project_counts(user=user)
    figures = [
        Figure("Projects you can see", counts["total"], project_list_url),
        Figure(
            "In implementation",
            counts["implementing"],
            f"{project_list_url}?status={Project.Status.IMPLEMENTATION}",
        ),
    ]

    if role in (Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR, Role.DONOR_VIEWER):
        agreements = agreements_visible_to(user)
        committed = agreements.aggregate(count=Count("pk"), usd=Coalesce(Sum("amount_usd"), ZERO))
        # Disbursements are summed in their own query: joined to agreements they would
        # repeat each agreement's commitment.
        tranches = Disbursement.objects.filter(agreement__in=agreements.values("pk")).aggregate(
            received=Coalesce(Sum("received_amount_usd"), ZERO),
            overdue=Count("pk", filter=DisbursementQuerySet.overdue_q(timezone.localdate())),
        )
        agreements_url = _agreements_url(user)
        figures += [
            Figure("Funding agreements", committed["count"], agreements_url),
            Figure("Committed (USD)", committed["usd"], agreements_url, usd=True),
            Figure(
                "Received (USD)",
                tranches["received"],
                _url("donors:tranche-list", status="received"),
                usd=True,
            ),
            Figure(
                "Overdue tranches",
                tranches["overdue"],
                _url("donors:tranche-list", status="overdue"),
                attention=tranches["overdue"] > 0,
            ),
        ]

    if role in (Role.PROGRAMME_MANAGER, Role.EWG_SECRETARIAT):
        versions = versions_visible_to(user)
        waiting = versions.filter(status=WorkplanVersion.Status.SUBMITTED).count()
        figures.append(
            Figure(
                "Workplan versions awaiting EWG approval",
                waiting,
                _url("workplans:workplan-list", status=WorkplanVersion.Status.SUBMITTED),
                attention=waiting > 0,
            )
        )

    if role == Role.PROGRAMME_MANAGER:
        to_verify = ProgressUpdate.objects.filter(state=ProgressUpdate.State.SUBMITTED).count()
        figures.append(
            Figure(
                "Progress updates awaiting verification",
                to_verify,
                _url("workplans:review-list"),
                attention=to_verify > 0,
            )
        )

    if role == Role.EWG_SECRETARIAT:
        count = EwgMeeting.objects.count()
        figures.append(Figure("EWG meetings recorded", count, _url("workplans:meeting-list")))
        latest = EwgMeeting.objects.order_by("-date", "-pk").values_list("pk", "date").first()
        if latest:
            figures.append(
                Figure(
                    "Latest EWG meeting",
                    f"{latest[1]:%d %b %Y}",
                    _url("workplans:meeting-detail", latest[0]),
                )
            )

    if role == Role.COUNTERPART_STAFF:
        org = access.organisation_of(user)
        led = Activity.objects.filter(
            lead_counterpart=org, version__status=WorkplanVersion.Status.APPROVED
        ).aggregate(
            activities=Count("pk", distinct=True),
            to_finish=Count(
                "updates",
                filter=Q(
                    updates__state__in=[
                        ProgressUpdate.State.DRAFT,
                        ProgressUpdate.State.RETURNED,
                    ]
                ),
                distinct=True,
            ),
        )
        my_activities = _url("workplans:my-activities")
        figures += [
            Figure(
                "Activities your organisation leads (approved workplans)",
                led["activities"],
                my_activities,
            ),
            Figure(
                "Progress updates in draft or returned",
                led["to_finish"],
                my_activities,
                attention=led["to_finish"] > 0,
            ),
        ]

    if role == Role.ADMINISTRATOR:
        User = get_user_model()
        users_url = _url(f"admin:{User._meta.app_label}_{User._meta.model_name}_changelist")
        figures += [
            Figure(
                "Active users",
                User.objects.filter(is_active=True).count(),
                f"{users_url}?is_active__exact=1" if users_url else "",
            ),
            Figure(
                "Organisations",
                Organisation.objects.count(),
                _url("admin:organisations_organisation_changelist"),
            ),
        ]
    return figures


# --- A donor's home page: what changed since its last visit ------------------------------

CHANGES_SHOWN = 10


@dataclass(frozen=True)
class DonorChanges:
    since: datetime.datetime
    tranches_received: list
    updates_verified: list
    versions_approved: list

    @property
    def any(self) -> bool:
        return bool(self.tranches_received or self.updates_verified or self.versions_approved)


def donor_changes_since(*, user, since: datetime.datetime) -> DonorChanges | None:
    """For a donor viewer, what changed on what its own agreements fund since `since`: its
    tranches received (recorded since), progress updates verified on its projects'
    activities, workplan versions approved that it may see; the latest CHANGES_SHOWN of
    each. None for every other role. Three queries."""
    if access.donor_of(user) is None:
        return None
    tranches = (
        Disbursement.objects.filter(
            agreement__in=agreements_visible_to(user),
            received_date__isnull=False,
            updated_at__gt=since,
        )
        .select_related("agreement")
        .order_by("-received_date", "-pk")[:CHANGES_SHOWN]
    )
    updates = (
        ProgressUpdate.objects.filter(
            state=ProgressUpdate.State.VERIFIED,
            verified_at__gt=since,
            activity__project__in=project_list_visible_to(user).values("pk"),
        )
        .select_related("activity__version__workplan", "activity__project")
        .order_by("-verified_at", "-pk")[:CHANGES_SHOWN]
    )
    versions = (
        versions_visible_to(user)
        .filter(approved_at__gt=since)
        .select_related("workplan", "decided_by_meeting__sub_programme")
        .order_by("-approved_at", "-pk")[:CHANGES_SHOWN]
    )
    return DonorChanges(
        since=since,
        tranches_received=list(tranches),
        updates_verified=list(updates),
        versions_approved=list(versions),
    )
