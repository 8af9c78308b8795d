"""Funding pages: the dashboard, its drill-down pages and their CSV/XLSX exports.

Every figure comes from donors.selectors_funding; who may see what is decided there and in
organisations.access. Counterpart staff and the EWG secretariat get a 403 on every page
here; a donor viewer sees its own agreements only; programme managers and administrators
see everything and may look through a donor's eyes with ?as_donor=<organisation id>.
"""

from collections.abc import Callable

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from ctportal.forms import DateInput
from donors.exports import table_csv, table_xlsx
from donors.models import Disbursement, FundingAgreement
from donors.selectors_funding import (
    ATTRIBUTION_NOTES,
    FundingFilters,
    FundingScope,
    FundingSummary,
    funding_activity_by_province,
    funding_activity_status,
    funding_agreement_get,
    funding_allocation_list,
    funding_donor_choices,
    funding_expenditure_list,
    funding_project_get,
    funding_results,
    funding_scope,
    funding_spending_by_category,
    funding_summary,
    funding_tranche_list,
    funding_viewer_can_choose_donor,
)
from donors.tables import (
    Links,
    Table,
    agreement_table,
    allocation_table,
    category_table,
    expenditure_table,
    group_table,
    overdue_table,
    province_table,
    quarter_table,
    results_table,
    timeline_table,
    tranche_table,
    year_table,
)
from donors.views_manage import agreement_management, allocation_actions, tranche_actions
from organisations.access import can_manage_money, can_see_money
from organisations.models import Organisation
from projects.models import BudgetCategory, Expenditure, Project, Province, SubProgramme

FILTER_PARAMS = ("date_from", "date_to", "sub_programme", "project", "province", "donor")
PAGE_SIZE = 50


class FundingFilterForm(forms.Form):
    """The dashboard's filters. Choices offer only what the viewer may see."""

    date_from = forms.DateField(required=False, label="From", widget=DateInput())
    date_to = forms.DateField(required=False, label="Until", widget=DateInput())
    sub_programme = forms.ModelChoiceField(
        queryset=SubProgramme.objects.select_related("programme").order_by(
            "programme__code", "code"
        ),
        required=False,
        label="Sub-programme",
        empty_label="All sub-programmes",
    )
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(),
        required=False,
        to_field_name="code",
        label="Project",
        empty_label="All projects",
    )
    province = forms.ModelChoiceField(
        queryset=Province.objects.order_by("name"),
        required=False,
        to_field_name="code",
        label="Province",
        empty_label="All provinces",
    )
    donor = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label="Donor",
        empty_label="All donors",
    )

    def __init__(self, data, *, projects, offer_donors: bool):
        super().__init__(data)
        # Only the projects whose money this view may show; a donor's view never offers
        # another donor (the donor filter is for managers and administrators).
        self.fields["project"].queryset = projects.order_by("code")
        if offer_donors:
            self.fields["donor"].queryset = funding_donor_choices()
        else:
            del self.fields["donor"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the period cannot be before its start.")
        return cleaned

    def funding_filters(self) -> FundingFilters:
        data = self.cleaned_data
        return FundingFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sub_programme_id=data["sub_programme"].pk if data.get("sub_programme") else None,
            project_id=data["project"].pk if data.get("project") else None,
            province_code=data["province"].code if data.get("province") else None,
            donor_id=data["donor"].pk if data.get("donor") else None,
        )


class FundingPageMixin(LoginRequiredMixin):
    """Signs in, refuses roles without money (403), resolves ?as_donor and the filters."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can_see_money(request.user):
            raise PermissionDenied("Funding figures are for managers and donors only.")
        self.as_donor = self._as_donor(request)
        self.today = timezone.localdate()
        return super().dispatch(request, *args, **kwargs)

    def _as_donor(self, request) -> Organisation | None:
        value = request.GET.get("as_donor", "")
        if value == "":
            return None
        if not funding_viewer_can_choose_donor(request.user):
            raise PermissionDenied(
                "Only programme managers and administrators can view the figures as a donor."
            )
        try:
            return Organisation.objects.get(pk=int(value), kind=Organisation.Kind.DONOR)
        except (ValueError, Organisation.DoesNotExist):
            raise Http404("No such donor.") from None

    @cached_property
    def unfiltered_scope(self) -> FundingScope:
        return funding_scope(user=self.request.user, as_donor=self.as_donor)

    @cached_property
    def viewing_donor(self) -> Organisation | None:
        """The donor whose view this is: the viewer's own, or the one a manager chose."""
        return self.unfiltered_scope.donor

    @cached_property
    def filter_form(self) -> FundingFilterForm:
        scope = self.unfiltered_scope
        donor_view = scope.donor is not None
        return FundingFilterForm(
            self.request.GET,
            projects=scope.projects if donor_view else Project.objects.all(),
            offer_donors=not donor_view,
        )

    @cached_property
    def filters(self) -> FundingFilters | None:
        """None when the filters do not validate: the page then shows errors, not figures."""
        form = self.filter_form
        return form.funding_filters() if form.is_valid() else None

    @cached_property
    def manages(self) -> bool:
        """Management controls: for programme managers, not while they look as a donor."""
        return can_manage_money(self.request.user) and self.as_donor is None

    @cached_property
    def links(self) -> Links:
        params = {name: self.request.GET.get(name, "") for name in FILTER_PARAMS}
        if self.as_donor is not None:
            params["as_donor"] = str(self.as_donor.pk)
        return Links(params)

    def selector_kwargs(self) -> dict:
        return {
            "user": self.request.user,
            "filters": self.filters,
            "as_donor": self.as_donor,
            "today": self.today,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        context.update(
            filter_form=self.filter_form,
            filters_valid=self.filters is not None,
            is_filtered=any(request.GET.get(name) for name in FILTER_PARAMS),
            viewing_donor=self.viewing_donor,
            as_donor=self.as_donor,
            can_choose_donor=funding_viewer_can_choose_donor(request.user),
            donor_choices=(
                funding_donor_choices() if funding_viewer_can_choose_donor(request.user) else []
            ),
            links=self.links,
            dashboard_url=self.links.url("donors:dashboard"),
            manages=self.manages,
            today=self.today,
            notes=ATTRIBUTION_NOTES,
        )
        return context


class FundingDashboardView(FundingPageMixin, TemplateView):
    """The dashboard; ?export=csv|xlsx&table=<name> downloads one of its tables."""

    OVERDUE_SHOWN = 50
    exporting = False

    template_name = "donors/dashboard.html"
    # Tables in page order: name -> builder. Each builder calls the selectors itself, so an
    # export computes only the table it writes, with the same selector and filters.
    TABLES = (
        "agreements",
        "projects",
        "sub_programmes",
        "provinces",
        "years",
        "timeline",
        "categories",
        "province_activity",
        "quarter_status",
        "results",
        "overdue",
    )

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # One summary per grouping per request: the year rows feed two tables.
        self._summaries: dict[str, FundingSummary] = {}
        self._charts: dict[str, dict] = {}

    def summary(self, group_by: str) -> FundingSummary:
        if group_by not in self._summaries:
            self._summaries[group_by] = funding_summary(group_by=group_by, **self.selector_kwargs())
        return self._summaries[group_by]

    def build(self, name: str) -> Table:
        donor_view = self.viewing_donor is not None
        links = self.links
        kwargs = self.selector_kwargs()
        builders: dict[str, Callable[[], Table]] = {
            "agreements": lambda: agreement_table(self.summary("agreement"), links),
            "projects": lambda: group_table(self.summary("project"), links, donor_view=donor_view),
            "sub_programmes": lambda: group_table(
                self.summary("sub_programme"), links, donor_view=donor_view
            ),
            "provinces": lambda: group_table(
                self.summary("province"), links, donor_view=donor_view
            ),
            "years": lambda: year_table(self.summary("year"), links),
            "timeline": lambda: self._with_chart("timeline", timeline_table(self.summary("year"))),
            "categories": lambda: self._with_chart(
                "categories", category_table(funding_spending_by_category(**kwargs))
            ),
            "province_activity": lambda: self._with_chart(
                "province_activity",
                province_table(funding_activity_by_province(**kwargs), links),
            ),
            "quarter_status": lambda: self._with_chart(
                "quarter_status", quarter_table(funding_activity_status(**kwargs))
            ),
            "results": lambda: results_table(funding_results(**kwargs), links),
            "overdue": lambda: self._overdue(
                funding_tranche_list(status="overdue", **kwargs), links
            ),
        }
        return builders[name]()

    def _overdue(self, tranches, links) -> Table:
        """The longest-overdue tranches on the page (a decade can hold thousands); every one
        in the downloads and on the tranches page."""
        if self.exporting:
            return overdue_table(tranches, links, self.today)
        shown = list(tranches[: self.OVERDUE_SHOWN + 1])
        table = overdue_table(
            shown[: self.OVERDUE_SHOWN],
            links,
            self.today,
            actions=tranche_actions if self.manages else None,
        )
        if len(shown) > self.OVERDUE_SHOWN:
            table.notes.insert(
                0,
                f"Only the {self.OVERDUE_SHOWN} longest overdue are shown here; the CSV and "
                "XLSX downloads and the tranches page list them all.",
            )
        return table

    def _with_chart(self, name: str, built: tuple[Table, dict]) -> Table:
        table, chart = built
        self._charts[name] = chart
        return table

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export:
            return self.export(export, request.GET.get("table", ""))
        return super().get(request, *args, **kwargs)

    def export(self, kind: str, name: str) -> HttpResponse:
        self.exporting = True
        if kind not in ("csv", "xlsx") or name not in self.TABLES:
            raise Http404("No such export.")
        if self.filters is None:
            return HttpResponseBadRequest("The filters are not valid.")
        table = self.build(name)
        if kind == "csv":
            return table_csv(table)
        return table_xlsx(table, notes=self.export_notes())

    def export_notes(self) -> list[str]:
        notes = [f"Exported {timezone.localtime():%Y-%m-%d %H:%M} from the CT Portal."]
        if self.viewing_donor is not None:
            notes.append(f"As seen by {self.viewing_donor.name}.")
        for name in FILTER_PARAMS:
            if value := self.request.GET.get(name):
                notes.append(f"Filter {name.replace('_', ' ')}: {value}")
        return notes

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tables: dict[str, Table] = {}
        if self.filters is not None:
            tables = {name: self.build(name) for name in self.TABLES}
            for name, table in tables.items():
                table.downloads = {
                    kind: self.links.url("donors:dashboard", export=kind, table=name)
                    for kind in ("csv", "xlsx")
                }
            agreements = self.summary("agreement")
            context["headline"] = agreements.total_usd
            context["currency_totals"] = agreements.currency_totals
        context.update(tables=tables, charts=self._charts)
        return context


class AgreementFundingView(FundingPageMixin, TemplateView):
    """One agreement: its figures, the allocations and the tranches behind them."""

    template_name = "donors/agreement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        selector_kwargs = self.selector_kwargs()
        selector_kwargs["filters"] = self.filters or FundingFilters()
        pk = kwargs["pk"]
        try:
            row = funding_agreement_get(pk=pk, **selector_kwargs)
        except FundingAgreement.DoesNotExist:
            raise Http404("No such agreement.") from None
        allocations = funding_allocation_list(agreement_id=pk, **selector_kwargs)
        tranches = funding_tranche_list(agreement_id=pk, **selector_kwargs)
        manages = self.manages
        context.update(
            row=row,
            allocations=allocation_table(
                allocations,
                self.links,
                by="project",
                actions=allocation_actions if manages else None,
            ),
            tranches=tranche_table(
                tranches, self.links, actions=tranche_actions if manages else None
            ),
            manage=agreement_management(self.request.user, pk) if manages else None,
        )
        return context


class ProjectFundingView(FundingPageMixin, TemplateView):
    """One project's money as the viewer may see it: its allocations, spending by
    category and the expenditures behind the spent figures."""

    template_name = "donors/project_funding.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            project = funding_project_get(
                user=self.request.user, code=kwargs["code"], as_donor=self.as_donor
            )
        except Project.DoesNotExist:
            # Another donor's project and a missing one look the same.
            raise Http404("No such project.") from None
        base = self.filters or FundingFilters()
        filters = FundingFilters(
            date_from=base.date_from,
            date_to=base.date_to,
            project_id=project.pk,
            donor_id=base.donor_id,
        )
        selector_kwargs = {**self.selector_kwargs(), "filters": filters}
        summary = funding_summary(group_by="project", **selector_kwargs)
        allocations = funding_allocation_list(project_id=project.pk, **selector_kwargs)
        categories, _chart = category_table(funding_spending_by_category(**selector_kwargs))
        expenditures = Paginator(funding_expenditure_list(**selector_kwargs), PAGE_SIZE)
        page = expenditures.get_page(self.request.GET.get("page"))
        context.update(
            project=project,
            summary=summary,
            other_funding_usd=(
                summary.rows[0].other_funding_usd
                if summary.rows and self.viewing_donor is not None
                else None
            ),
            allocations=allocation_table(allocations, self.links, by="agreement"),
            categories=categories,
            expenditures=expenditure_table(
                page.object_list, self.links, donor_view=self.viewing_donor is not None
            ),
            page_obj=page,
        )
        return context


def _year(value: str | None) -> int | None:
    try:
        year = int(value or "")
    except ValueError:
        return None
    return year if 1900 <= year <= 2200 else None


class TrancheListView(FundingPageMixin, TemplateView):
    """The tranches behind received, planned and overdue figures."""

    template_name = "donors/tranche_list.html"
    STATUSES = {
        "": "All tranches",
        "received": "Received",
        "planned": "Planned",
        "overdue": "Overdue",
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        if status not in self.STATUSES:
            raise Http404("No such tranche status.")
        agreement = self.request.GET.get("agreement")
        agreement_id = int(agreement) if agreement and agreement.isdigit() else None
        year = _year(self.request.GET.get("year"))
        tranches = (
            funding_tranche_list(
                status=status, year=year, agreement_id=agreement_id, **self.selector_kwargs()
            )
            if self.filters is not None
            else Disbursement.objects.none()
        )
        page = Paginator(tranches, PAGE_SIZE).get_page(self.request.GET.get("page"))
        keep = {"year": year, "agreement": agreement_id}
        context.update(
            status=status,
            status_label=self.STATUSES[status],
            status_links=[
                (label, self.links.url("donors:tranche-list", status=value or None, **keep))
                for value, label in self.STATUSES.items()
                if value != status
            ],
            extra_params=[
                (name, value)
                for name, value in (("status", status), *keep.items())
                if value not in (None, "")
            ],
            year=year,
            table=tranche_table(
                page.object_list, self.links, actions=tranche_actions if self.manages else None
            ),
            page_obj=page,
        )
        return context


class ExpenditureListView(FundingPageMixin, TemplateView):
    """The expenditures behind the spent figures, with the part attributed to a donor."""

    template_name = "donors/expenditure_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        category = self.request.GET.get("category") or None
        if category is not None and category not in BudgetCategory.values:
            raise Http404("No such budget category.")
        year = _year(self.request.GET.get("year"))
        expenditures = (
            funding_expenditure_list(category=category, year=year, **self.selector_kwargs())
            if self.filters is not None
            else Expenditure.objects.none()
        )
        page = Paginator(expenditures, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            extra_params=[
                (name, value)
                for name, value in (("category", category), ("year", year))
                if value not in (None, "")
            ],
            category_label=dict(BudgetCategory.choices).get(category, ""),
            year=year,
            table=expenditure_table(
                page.object_list, self.links, donor_view=self.viewing_donor is not None
            ),
            page_obj=page,
        )
        return context
