from django.urls import path

from donors import views

app_name = "donors"

urlpatterns = [
    path("", views.FundingDashboardView.as_view(), name="dashboard"),
    path("agreements/<int:pk>/", views.AgreementFundingView.as_view(), name="agreement-detail"),
    path("projects/<str:code>/", views.ProjectFundingView.as_view(), name="project-funding"),
    path("tranches/", views.TrancheListView.as_view(), name="tranche-list"),
    path("expenditures/", views.ExpenditureListView.as_view(), name="expenditure-list"),
]
