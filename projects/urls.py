from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.ProjectListView.as_view(), name="project-list"),
    # Before the project page, so that a project coded "programmes" cannot shadow it.
    path("programmes/", views.ProgrammeListView.as_view(), name="programme-list"),
    path("<str:code>/", views.ProjectDetailView.as_view(), name="project-detail"),
]
