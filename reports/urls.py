from django.urls import path

from reports import views, views_iati

app_name = "reports"

urlpatterns = [
    path("", views.ReportListView.as_view(), name="report-list"),
    path("iati/", views_iati.IatiExportView.as_view(), name="iati-export"),
    path("iati/activities.xml", views_iati.IatiDownloadView.as_view(), name="iati-download"),
    path("subscriptions/", views.SubscriptionUpdateView.as_view(), name="subscription-update"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="report-detail"),
    path("<int:pk>/status/", views.ReportStatusView.as_view(), name="report-status"),
    path("<int:pk>/pdf/", views.ReportDownloadView.as_view(), {"fmt": "pdf"}, name="report-pdf"),
    path("<int:pk>/xlsx/", views.ReportDownloadView.as_view(), {"fmt": "xlsx"}, name="report-xlsx"),
]
