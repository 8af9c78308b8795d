"""/api/v1/: every app's endpoints, the token endpoint, the aggregates, the schema and
its docs (served from the portal's own static files)."""

from csp.constants import NONCE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from alerts import apis as alert_apis
from ctportal.api.views import api_not_found
from donors import apis as donor_apis
from organisations import apis as organisation_apis
from projects import apis as project_apis
from reports import apis_iati as iati_apis
from reports import apis_results as results_apis
from workplans import apis as workplan_apis
from workplans import apis_meetings as meeting_apis
from workplans import apis_progress as progress_apis

app_name = "api"

# The interactive docs: drf-spectacular's page starts Swagger UI with an inline script built
# from the schema's settings. Rather than fork the vendored page, this one response lets
# that one script run by its nonce (a fresh random value per response); styles and every
# other script still come only from the portal's static files.
api_docs = csp_update({"script-src": [NONCE]})(
    SpectacularSwaggerView.as_view(url_name="api:schema", template_name="api/swagger_ui.html")
)

router = SimpleRouter()
router.register("organisations", organisation_apis.OrganisationViewSet, basename="organisation")
router.register("exchange-rates", project_apis.ExchangeRateViewSet, basename="exchange-rate")
router.register("programmes", project_apis.CountryProgrammeViewSet, basename="programme")
router.register("sub-programmes", project_apis.SubProgrammeViewSet, basename="sub-programme")
router.register("projects", project_apis.ProjectViewSet, basename="project")
router.register("provinces", project_apis.ProvinceViewSet, basename="province")
router.register("nap-areas", project_apis.NapAreaViewSet, basename="nap-area")
router.register("budget-lines", project_apis.BudgetLineViewSet, basename="budget-line")
router.register("expenditures", project_apis.ExpenditureViewSet, basename="expenditure")
router.register("outcomes", results_apis.OutcomeViewSet, basename="outcome")
router.register("outputs", results_apis.OutputViewSet, basename="output")
router.register("indicators", results_apis.IndicatorViewSet, basename="indicator")
router.register("agreements", donor_apis.AgreementViewSet, basename="agreement")
router.register("allocations", donor_apis.AllocationViewSet, basename="allocation")
router.register("disbursements", donor_apis.DisbursementViewSet, basename="disbursement")
router.register("workplans", workplan_apis.WorkplanViewSet, basename="workplan")
router.register(
    "workplan-versions", workplan_apis.WorkplanVersionViewSet, basename="workplan-version"
)
router.register("activities", workplan_apis.ActivityViewSet, basename="activity")
router.register("ewg-meetings", meeting_apis.MeetingViewSet, basename="ewg-meeting")
router.register("progress-updates", progress_apis.ProgressUpdateViewSet, basename="progress-update")
router.register("notifications", alert_apis.NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/token/", organisation_apis.TokenObtainView.as_view(), name="token-obtain"),
    path("funding/summary/", donor_apis.FundingSummaryView.as_view(), name="funding-summary"),
    path("progress/summary/", progress_apis.ProgressSummaryView.as_view(), name="progress-summary"),
    path(
        "notification-preferences/",
        alert_apis.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
    path("iati/activities.xml", iati_apis.IatiActivitiesView.as_view(), name="iati-activities"),
    path("iati/readiness/", iati_apis.IatiReadinessView.as_view(), name="iati-readiness"),
    path("sectors/", iati_apis.SectorListView.as_view(), name="sectors"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    *router.urls,
]

# Reports: start, poll and download (reports.apis).
urlpatterns += [path("reports/", include("reports.api_urls"))]

# Keep last: any other address under /api/v1/ ending in a slash is a JSON 404 (one without
# the slash is first redirected to it by CommonMiddleware).
urlpatterns += [re_path(r"^[\s\S]*/$", api_not_found)]
