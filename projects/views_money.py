"""A project's money, for programme managers: the budget grid and expenditures (recorded,
corrected, deleted with a reason), each with its history.

A project's pages first find the project among those the user may see (a 404 otherwise);
every page then asks organisations.access whether the user may manage money (a 403).
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from ctportal.forms import add_service_error
from ctportal.history import entries_from_records, history_for, person_name
from ctportal.spreadsheets import XLSX_CONTENT_TYPE
from organisations import access
from projects import selectors, services
from projects.exceptions import RowErrors
from projects.forms_manage import ReasonForm
from projects.forms_money import (
    BudgetFormSet,
    ExpenditureForm,
    budget_initial,
)
from projects.models import BudgetLine, Expenditure, Project
from projects.views_manage import project_or_404

PAGE_SIZE = 50


def money_project(request, code: str) -> Project:
    """The project, if the user may see it (404) and manage its money (403)."""
    project = project_or_404(request.user, code)
    require_money_manager(request.user)
    return project


def require_money_manager(user) -> None:
    access.require(access.can_manage_money(user), "Only programme managers manage money.")


class MoneyManagerMixin(LoginRequiredMixin):
    """Pages that belong to no project: managers only, anonymous users sent to sign in."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_money_manager(request.user)
        return super().dispatch(request, *args, **kwargs)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Budget grid -------------------------------------------------------------------------------


class BudgetView(LoginRequiredMixin, View):
    """The project's budget as one grid of lines (category, year, amount, currency)."""

    template_name = "projects/budget_form.html"
    prefix = "budget"

    def render_grid(self, request, project, formset, reason_form, status=200):
        history = entries_from_records(
            BudgetLine.history.filter(project_id=project.pk).select_related("history_user")
        )
        context = {
            "project": project,
            "formset": formset,
            "reason_form": reason_form,
            "history": history,
            "years": range(project.start_date.year, project.end_date.year + 1),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, code):
        project = money_project(request, code)
        lines = selectors.project_budget_lines(project=project)
        formset = BudgetFormSet(
            prefix=self.prefix,
            initial=budget_initial(project, lines),
            form_kwargs={"project": project},
        )
        return self.render_grid(request, project, formset, ReasonForm(required=False))

    def post(self, request, code):
        project = money_project(request, code)
        formset = BudgetFormSet(request.POST, prefix=self.prefix, form_kwargs={"project": project})
        reason_form = ReasonForm(request.POST, required=False)
        rows, row_forms = None, []
        if formset.is_valid() and reason_form.is_valid():
            rows, row_forms = self.changes(formset)
        if rows is not None:
            try:
                services.budget_save(
                    project=project,
                    rows=rows,
                    user=request.user,
                    reason=reason_form.cleaned_data["reason"],
                )
            except RowErrors as error:
                for index, fields in error.rows.items():
                    for name, field_messages in fields.items():
                        row_forms[index].add_error(name or None, field_messages)
                if error.error is not None:
                    add_service_error(reason_form, error.error)
            else:
                messages.success(request, f"Budget of {project.code} saved.")
                return redirect("projects:budget", code=project.code)
        return self.render_grid(request, project, formset, reason_form, status=400)

    @staticmethod
    def changes(formset) -> tuple[list[services.BudgetLineChange] | None, list]:
        """The grid's rows as service rows, with the form each came from (for its errors)."""
        rows, row_forms = [], []
        for form in formset.forms:
            data = form.cleaned_data
            if data.get("DELETE"):
                line = data.get("line")
                if line is None and form["line"].data:
                    # A removed row skips the form's own checks; an unknown line must not.
                    form.add_error(None, "This line is not in this project's budget.")
                    return None, row_forms
                if line is not None:
                    rows.append(
                        services.BudgetLineChange(
                            line.category, line.year, line.amount, line.currency, line, delete=True
                        )
                    )
                    row_forms.append(form)
                continue
            if not data:  # a blank extra row
                continue
            rows.append(
                services.BudgetLineChange(
                    category=data["category"],
                    year=data["year"],
                    amount=data["amount"],
                    currency=data["currency"],
                    line=data.get("line"),
                )
            )
            row_forms.append(form)
        return rows, row_forms


# --- Expenditures ------------------------------------------------------------------------------


class ExpenditureListView(LoginRequiredMixin, View):
    def get(self, request, code):
        project = money_project(request, code)
        page = Paginator(selectors.project_expenditures(project=project), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        deleted = [
            (record, person_name(record.history_user))
            for record in Expenditure.history.filter(project_id=project.pk, history_type="-")
            .select_related("history_user")
            .order_by("-history_date")[:20]
        ]
        context = {
            "project": project,
            "page_obj": page,
            "expenditures": page.object_list,
            "deleted": deleted,
        }
        return render(request, "projects/expenditure_list.html", context)


class ExpenditureFormView(LoginRequiredMixin, View):
    """Record an expenditure (no pk) or correct one (with a reason)."""

    template_name = "projects/expenditure_form.html"

    def lookup(self, request, code, pk):
        project = money_project(request, code)
        expenditure = (
            get_object_or_404(selectors.project_expenditures(project=project), pk=pk)
            if pk
            else None
        )
        return project, expenditure

    def forms(self, request, project, expenditure, data=None):
        projects = selectors.project_list(user=request.user)
        if expenditure is None:
            initial = {"project": project.pk, "currency": "USD"}
        else:
            initial = ExpenditureForm.initial_for(expenditure)
        form = ExpenditureForm(data, projects=projects, initial=initial)
        reason_form = ReasonForm(data) if expenditure else None
        return form, reason_form

    def render_form(self, request, project, expenditure, form, reason_form, status=200):
        context = {
            "project": project,
            "expenditure": expenditure,
            "form": form,
            "reason_form": reason_form,
            "history": history_for(expenditure) if expenditure else None,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, code, pk=None):
        project, expenditure = self.lookup(request, code, pk)
        form, reason_form = self.forms(request, project, expenditure)
        return self.render_form(request, project, expenditure, form, reason_form)

    def post(self, request, code, pk=None):
        project, expenditure = self.lookup(request, code, pk)
        form, reason_form = self.forms(request, project, expenditure, data=request.POST)
        valid = form.is_valid() & (reason_form is None or reason_form.is_valid())
        if valid:
            try:
                if expenditure is None:
                    saved = services.expenditure_create(user=request.user, **form.cleaned_data)
                else:
                    saved = services.expenditure_update(
                        expenditure=expenditure,
                        user=request.user,
                        reason=reason_form.cleaned_data["reason"],
                        **form.cleaned_data,
                    )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                verb = "recorded" if expenditure is None else "saved"
                messages.success(
                    request,
                    f"Expenditure of {saved.spent_on:%d %b %Y} ({saved.currency} "
                    f"{saved.amount:,}) {verb}.",
                )
                return redirect("projects:expenditure-list", code=saved.project.code)
        return self.render_form(request, project, expenditure, form, reason_form, status=400)


class ExpenditureDeleteView(LoginRequiredMixin, View):
    template_name = "projects/expenditure_delete.html"

    def get(self, request, code, pk):
        project = money_project(request, code)
        expenditure = get_object_or_404(selectors.project_expenditures(project=project), pk=pk)
        context = {"project": project, "expenditure": expenditure, "form": ReasonForm()}
        return render(request, self.template_name, context)

    def post(self, request, code, pk):
        project = money_project(request, code)
        expenditure = get_object_or_404(selectors.project_expenditures(project=project), pk=pk)
        form = ReasonForm(request.POST)
        if form.is_valid():
            services.expenditure_delete(
                expenditure=expenditure, user=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, "Expenditure deleted.")
            return redirect("projects:expenditure-list", code=project.code)
        context = {"project": project, "expenditure": expenditure, "form": form}
        return render(request, self.template_name, context, status=400)
