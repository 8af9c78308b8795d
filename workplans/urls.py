from django.urls import path

from workplans import views

app_name = "workplans"

urlpatterns = [
    path("", views.WorkplanListView.as_view(), name="workplan-list"),
    path("new/", views.WorkplanCreateView.as_view(), name="workplan-create"),
    path("<int:pk>/", views.WorkplanDetailView.as_view(), name="workplan-detail"),
    path("<int:pk>/revise/", views.WorkplanReviseView.as_view(), name="workplan-revise"),
    path("<int:pk>/compare/", views.VersionCompareView.as_view(), name="version-compare"),
    path("versions/<int:pk>/", views.VersionDetailView.as_view(), name="version-detail"),
    path("versions/<int:pk>/submit/", views.VersionSubmitView.as_view(), name="version-submit"),
    path(
        "versions/<int:pk>/activities/new/",
        views.ActivityCreateView.as_view(),
        name="activity-create",
    ),
    path("versions/<int:pk>/import/", views.ImportView.as_view(), name="version-import"),
    path(
        "versions/<int:pk>/template.xlsx",
        views.ImportTemplateView.as_view(),
        name="version-template",
    ),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity-detail"),
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity-update"),
    path("activities/<int:pk>/delete/", views.ActivityDeleteView.as_view(), name="activity-delete"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting-create"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
]

