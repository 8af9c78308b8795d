"""The funding drill-down pages: one agreement, one project's money, and the tranches and
expenditures behind the dashboard's figures."""

from django.core.paginator import Paginator
from django.http import Http404
from django.views.generic import TemplateView

from donors.models import Disbursement, FundingAgreement
from donors.selectors_funding import (
    FundingFilters,
    funding_agreement_get,
    funding_allocation_list,
    funding_expenditure_list,
    funding_project_get,
    funding_spending_by_category,
    funding_summary,
    funding_tranche_list,
)
from donors.tables import allocation_table, category_table, expenditure_table, tranche_table
from donors.views_common import PAGE_SIZE, FundingPageMixin, year_param
from donors.views_manage import agreement_management, allocation_actions, tranche_actions
from projects.models import BudgetCategory, Expenditure, Project


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
        year = year_param(self.request.GET.get("year"))
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
        year = year_param(self.request.GET.get("year"))
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
