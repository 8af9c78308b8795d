from django.urls import path

from projects import views, views_imports, views_manage, views_money, views_rates
from reports import views_project

app_name = "projects"

_results = "<str:code>/results/"

urlpatterns = [
    path("", views.ProjectListView.as_view(), name="project-list"),
    # Before the project page, so that a project coded "programmes" (or "new") cannot
    # shadow them.
    path("programmes/", views.ProgrammeListView.as_view(), name="programme-list"),
    path("new/", views_manage.ProjectCreateView.as_view(), name="project-create"),
    path("exchange-rates/", views_rates.ExchangeRateListView.as_view(), name="rate-list"),
    path("exchange-rates/new/", views_rates.ExchangeRateFormView.as_view(), name="rate-create"),
    path(
        "exchange-rates/<int:pk>/edit/",
        views_rates.ExchangeRateFormView.as_view(),
        name="rate-update",
    ),
    path(
        "exchange-rates/import/",
        views_imports.ExchangeRateImportView.as_view(),
        name="rate-import",
    ),
    path(
        "exchange-rates/template.xlsx",
        views_imports.ExchangeRateTemplateView.as_view(),
        name="rate-template",
    ),
    path(
        "expenditures/import/",
        views_imports.ExpenditureImportView.as_view(),
        name="expenditure-import",
    ),
    path(
        "expenditures/template.xlsx",
        views_imports.ExpenditureTemplateView.as_view(),
        name="expenditure-template",
    ),
    # The project page joins workplan results to the project, so reports serves it; its
    # address and name stay the project's (tests/test_import_direction.py allows this).
    path("<str:code>/", views_project.ProjectDetailView.as_view(), name="project-detail"),
    path("<str:code>/edit/", views_manage.ProjectUpdateView.as_view(), name="project-update"),
    # Results framework
    path(_results, views_manage.ResultsFrameworkView.as_view(), name="results"),
    path(
        _results + "outcomes/new/",
        views_manage.OutcomeFormView.as_view(),
        name="outcome-create",
    ),
    path(
        _results + "outcomes/<int:pk>/edit/",
        views_manage.OutcomeFormView.as_view(),
        name="outcome-update",
    ),
    path(
        _results + "outcomes/<int:pk>/delete/",
        views_manage.ResultsDeleteView.as_view(kind="outcome"),
        name="outcome-delete",
    ),
    path(
        _results + "outcomes/<int:parent_pk>/outputs/new/",
        views_manage.OutputFormView.as_view(),
        name="output-create",
    ),
    path(
        _results + "outputs/<int:pk>/edit/",
        views_manage.OutputFormView.as_view(),
        name="output-update",
    ),
    path(
        _results + "outputs/<int:pk>/delete/",
        views_manage.ResultsDeleteView.as_view(kind="output"),
        name="output-delete",
    ),
    path(
        _results + "outputs/<int:parent_pk>/indicators/new/",
        views_manage.IndicatorFormView.as_view(),
        name="indicator-create",
    ),
    path(
        _results + "indicators/<int:pk>/edit/",
        views_manage.IndicatorFormView.as_view(),
        name="indicator-update",
    ),
    path(
        _results + "indicators/<int:pk>/delete/",
        views_manage.ResultsDeleteView.as_view(kind="indicator"),
        name="indicator-delete",
    ),
    # Money
    path("<str:code>/budget/", views_money.BudgetView.as_view(), name="budget"),
    path(
        "<str:code>/expenditures/",
        views_money.ExpenditureListView.as_view(),
        name="expenditure-list",
    ),
    path(
        "<str:code>/expenditures/new/",
        views_money.ExpenditureFormView.as_view(),
        name="expenditure-create",
    ),
    path(
        "<str:code>/expenditures/<int:pk>/edit/",
        views_money.ExpenditureFormView.as_view(),
        name="expenditure-update",
    ),
    path(
        "<str:code>/expenditures/<int:pk>/delete/",
        views_money.ExpenditureDeleteView.as_view(),
        name="expenditure-delete",
    ),
]
