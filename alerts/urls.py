from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notification-list"),
    path("<int:pk>/", views.NotificationOpenView.as_view(), name="notification-open"),
    path(
        "preferences/",
        views.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
]
