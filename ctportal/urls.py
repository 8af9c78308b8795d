from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ctportal import views
from reports import views_audit, views_home

urlpatterns = [
    path("", views_home.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links; send them to the icon.
    path("favicon.ico", views.favicon, name="favicon"),
    # Signed-in users who open the sign-in page go straight to their home page.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("projects/", include("projects.urls")),
    path("workplans/", include("workplans.urls")),
    path("reports/", include("reports.urls")),
    path("funding/", include("donors.urls")),
    path("api/v1/", include("ctportal.api.urls")),
    path("account/", include("organisations.urls")),
    path("notifications/", include("alerts.urls")),
    path("audit/", views_audit.AuditLogView.as_view(), name="audit-log"),
    path("admin/", admin.site.urls),
]

# Under /api/ a server error keeps the API's JSON error shape.
handler500 = "ctportal.api.views.server_error"
