from django.urls import path

from workplans import views, views_activities, views_meetings, views_progress

app_name = "workplans"

urlpatterns = [
    path("", views.WorkplanListView.as_view(), name="workplan-list"),
    path("new/", views.WorkplanCreateView.as_view(), name="workplan-create"),
    path("<int:pk>/", views.WorkplanDetailView.as_view(), name="workplan-detail"),
    path("<int:pk>/revise/", views.WorkplanReviseView.as_view(), name="workplan-revise"),
    path("<int:pk>/compare/", views.VersionCompareView.as_view(), name="version-compare"),
    path("versions/<int:pk>/", views.VersionDetailView.as_view(), name="version-detail"),
    path("versions/<int:pk>/submit/", views.VersionSubmitView.as_view(), name="version-submit"),
    path("versions/<int:pk>/decide/", views.VersionDecideView.as_view(), name="version-decide"),
    path(
        "versions/<int:pk>/activities/new/",
        views_activities.ActivityCreateView.as_view(),
        name="activity-create",
    ),
    path("versions/<int:pk>/import/", views_activities.ImportView.as_view(), name="version-import"),
    path(
        "versions/<int:pk>/template.xlsx",
        views_activities.ImportTemplateView.as_view(),
        name="version-template",
    ),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity-detail"),
    path(
        "activities/<int:pk>/edit/",
        views_activities.ActivityUpdateView.as_view(),
        name="activity-update",
    ),
    path(
        "activities/<int:pk>/delete/",
        views_activities.ActivityDeleteView.as_view(),
        name="activity-delete",
    ),
    path("meetings/", views_meetings.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/new/", views_meetings.MeetingCreateView.as_view(), name="meeting-create"),
    path("meetings/<int:pk>/", views_meetings.MeetingDetailView.as_view(), name="meeting-detail"),
    path(
        "meetings/<int:pk>/edit/",
        views_meetings.MeetingUpdateView.as_view(),
        name="meeting-update",
    ),
    path(
        "meetings/<int:pk>/documents/",
        views_meetings.MeetingDocumentCreateView.as_view(),
        name="meeting-document-create",
    ),
    path(
        "meetings/documents/<int:pk>/",
        views_meetings.MeetingDocumentDownloadView.as_view(),
        name="meeting-document-download",
    ),
    path(
        "meetings/documents/<int:pk>/delete/",
        views_meetings.MeetingDocumentDeleteView.as_view(),
        name="meeting-document-delete",
    ),
]

# Progress reporting and review (issue 4).
urlpatterns += [
    path("my-activities/", views_progress.MyActivitiesView.as_view(), name="my-activities"),
    path(
        "activities/<int:pk>/progress/<int:quarter>/",
        views_progress.ProgressFormView.as_view(),
        name="progress-form",
    ),
    path(
        "evidence/<int:pk>/",
        views_progress.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
    path(
        "evidence/<int:pk>/delete/",
        views_progress.EvidenceDeleteView.as_view(),
        name="evidence-delete",
    ),
    path("reviews/", views_progress.ReviewQueueView.as_view(), name="review-list"),
    path("reviews/<int:pk>/", views_progress.ReviewDetailView.as_view(), name="review-detail"),
]
