from django.urls import path

from donors import views_allocations, views_drilldown, views_manage, views_tranches
from reports import views_funding

app_name = "donors"

urlpatterns = [
    # The dashboard sets money beside workplan results, so reports serves it; its address
    # and name stay the funding pages' (tests/test_import_direction.py allows this).
    path("", views_funding.FundingDashboardView.as_view(), name="dashboard"),
    path(
        "agreements/<int:pk>/",
        views_drilldown.AgreementFundingView.as_view(),
        name="agreement-detail",
    ),
    path(
        "projects/<str:code>/", views_drilldown.ProjectFundingView.as_view(), name="project-funding"
    ),
    path("tranches/", views_drilldown.TrancheListView.as_view(), name="tranche-list"),
    path("expenditures/", views_drilldown.ExpenditureListView.as_view(), name="expenditure-list"),
    # Programme managers record money (donors.views_manage, views_allocations, views_tranches).
    path(
        "agreements/",
        views_manage.AgreementListView.as_view(),
        name="agreement-manage-list",
    ),
    path("agreements/new/", views_manage.AgreementCreateView.as_view(), name="agreement-create"),
    path(
        "agreements/<int:pk>/edit/",
        views_manage.AgreementUpdateView.as_view(),
        name="agreement-update",
    ),
    path(
        "agreements/<int:pk>/delete/",
        views_manage.AgreementDeleteView.as_view(),
        name="agreement-delete",
    ),
    path(
        "agreements/<int:pk>/usd-rate/",
        views_tranches.AgreementUsdRateView.as_view(),
        name="agreement-usd-rate",
    ),
    path(
        "agreements/<int:pk>/allocations/new/",
        views_allocations.AllocationFormView.as_view(),
        name="allocation-create",
    ),
    path(
        "allocations/<int:pk>/",
        views_allocations.AllocationDetailView.as_view(),
        name="allocation-detail",
    ),
    path(
        "allocations/<int:pk>/edit/",
        views_allocations.AllocationUpdateView.as_view(),
        name="allocation-update",
    ),
    path(
        "allocations/<int:pk>/delete/",
        views_allocations.AllocationDeleteView.as_view(),
        name="allocation-delete",
    ),
    path(
        "agreements/<int:pk>/tranches/new/",
        views_tranches.TranchePlanView.as_view(),
        name="tranche-create",
    ),
    path("tranches/<int:pk>/", views_tranches.TrancheDetailView.as_view(), name="tranche-detail"),
    path(
        "tranches/<int:pk>/receive/",
        views_tranches.TrancheReceiveView.as_view(),
        name="tranche-receive",
    ),
    path(
        "tranches/<int:pk>/edit/",
        views_tranches.TrancheUpdateView.as_view(),
        name="tranche-update",
    ),
    path(
        "tranches/<int:pk>/delete/",
        views_tranches.TrancheDeleteView.as_view(),
        name="tranche-delete",
    ),
]
