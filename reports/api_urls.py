"""/api/v1/reports/: included by ctportal/api/urls.py, so the names are in its "api"
namespace (api:report-list, api:report-detail, api:report-pdf, api:report-xlsx)."""

from django.urls import path

from reports import apis

urlpatterns = [
    path("", apis.ReportListApi.as_view(), name="report-list"),
    path("<int:pk>/", apis.ReportDetailApi.as_view(), name="report-detail"),
    path("<int:pk>/pdf", apis.ReportPdfApi.as_view(), name="report-pdf"),
    path("<int:pk>/xlsx", apis.ReportXlsxApi.as_view(), name="report-xlsx"),
]
