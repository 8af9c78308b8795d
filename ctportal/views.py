"""The landing page and the health check."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from donors.models import Disbursement, FundingAgreement
from organisations import access
from organisations.models import Organisation, Role
from projects.models import Project
from projects.selectors import project_counts
from workplans.models import Activity, EwgMeeting, ProgressUpdate, WorkplanVersion

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Figure:
    """One number on the landing page; `usd` marks an amount, `url` where it leads."""

    label: str
    value: int | Decimal | str
    url: str = ""
    usd: bool = False
    attention: bool = False


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
        agreements = access.visible_agreements(user, FundingAgreement.objects.all())
        committed = agreements.aggregate(count=Count("pk"), usd=Coalesce(Sum("amount_usd"), ZERO))
        # Disbursements are summed in their own query: joined to agreements they would
        # repeat each agreement's commitment.
        tranches = Disbursement.objects.filter(agreement__in=agreements.values("pk")).aggregate(
            received=Coalesce(Sum("received_amount_usd"), ZERO),
            overdue=Count(
                "pk",
                filter=Q(received_date__isnull=True, planned_date__lt=timezone.localdate()),
            ),
        )
        figures += [
            Figure("Funding agreements", committed["count"]),
            Figure("Committed (USD)", committed["usd"], usd=True),
            Figure("Received (USD)", tranches["received"], usd=True),
            Figure("Overdue tranches", tranches["overdue"], attention=tranches["overdue"] > 0),
        ]

    if role in (Role.PROGRAMME_MANAGER, Role.EWG_SECRETARIAT):
        versions = access.visible_workplan_versions(user, WorkplanVersion.objects.all())
        waiting = versions.filter(status=WorkplanVersion.Status.SUBMITTED).count()
        figures.append(
            Figure("Workplan versions awaiting EWG approval", waiting, attention=waiting > 0)
        )

    if role == Role.PROGRAMME_MANAGER:
        to_verify = ProgressUpdate.objects.filter(state=ProgressUpdate.State.SUBMITTED).count()
        figures.append(
            Figure("Progress updates awaiting verification", to_verify, attention=to_verify > 0)
        )

    if role == Role.EWG_SECRETARIAT:
        meetings = EwgMeeting.objects.aggregate(count=Count("pk"), last=Max("date"))
        figures.append(Figure("EWG meetings recorded", meetings["count"]))
        if meetings["last"]:
            figures.append(Figure("Latest EWG meeting", f"{meetings['last']:%d %b %Y}"))

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
        figures += [
            Figure("Activities your organisation leads (approved workplans)", led["activities"]),
            Figure(
                "Progress updates in draft or returned",
                led["to_finish"],
                attention=led["to_finish"] > 0,
            ),
        ]

    if role == Role.ADMINISTRATOR:
        figures += [
            Figure("Active users", get_user_model().objects.filter(is_active=True).count()),
            Figure("Organisations", Organisation.objects.count()),
        ]
    return figures


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["figures"] = home_figures(user=self.request.user)
        return context


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok" once the database answers; any failure is a 500 (docker-compose health check)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")
