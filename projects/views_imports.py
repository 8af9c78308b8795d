"""Import pages: expenditures and exchange rates from a file, and the files' templates.

Every error of every row is listed under its column's label; only an error-free file is
saved, all of it in one transaction (projects.imports, through the services).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from ctportal.spreadsheets import SpreadsheetError
from projects import imports
from projects.forms_money import UploadForm
from projects.views_manage import project_or_404
from projects.views_money import MoneyManagerMixin, xlsx_response


class ImportView(MoneyManagerMixin, View):
    """Upload a file: every error of every row is listed; only an error-free file is saved,
    all of it at once."""

    template_name = "projects/import.html"
    kind = ""  # "expenditures" | "rates"

    def back(self, request):
        code = request.GET.get("project")
        if self.kind == "expenditures" and code:
            project = project_or_404(request.user, code)
            return project, reverse("projects:expenditure-list", args=[project.code])
        if self.kind == "expenditures":
            return None, reverse("projects:project-list")
        return None, reverse("projects:rate-list")

    def render_page(self, request, form, report=None, status=200):
        project, back_url = self.back(request)
        context = {
            "kind": self.kind,
            "form": form,
            "report": report,
            "project": project,
            "back_url": back_url,
            "columns": imports.EXPENDITURE_COLUMNS
            if self.kind == "expenditures"
            else imports.RATE_COLUMNS,
        }
        return render(request, self.template_name, context, status=status)

    def accept(self) -> str:
        return ".xlsx" if self.kind == "expenditures" else ".xlsx,.csv"

    def get(self, request):
        return self.render_page(request, UploadForm(accept=self.accept()))

    def post(self, request):
        form = UploadForm(request.POST, request.FILES, accept=self.accept())
        if not form.is_valid():
            return self.render_page(request, form, status=400)
        uploaded = form.cleaned_data["file"]
        name = uploaded.name
        if self.kind == "expenditures" and name.lower().endswith(".csv"):
            # The template is XLSX; reading it as CSV would hide what went wrong.
            name = name + ".xlsx"
        run = (
            imports.expenditure_file_import
            if self.kind == "expenditures"
            else imports.exchange_rate_file_import
        )
        try:
            report = run(user=request.user, uploaded=uploaded, name=name)
        except SpreadsheetError as error:
            form.add_error("file", str(error))
            return self.render_page(request, form, status=400)
        if not report.ok:
            return self.render_page(request, form, report=report, status=400)
        what = "expenditure" if self.kind == "expenditures" else "exchange rate"
        messages.success(
            request, f"{report.saved} {what}{'s' if report.saved != 1 else ''} imported."
        )
        return redirect(self.back(request)[1])


class ExpenditureImportView(ImportView):
    kind = "expenditures"


class ExpenditureTemplateView(MoneyManagerMixin, View):
    def get(self, request):
        return xlsx_response(imports.expenditure_template(), "expenditures-template.xlsx")


class ExchangeRateImportView(ImportView):
    kind = "rates"


class ExchangeRateTemplateView(MoneyManagerMixin, View):
    def get(self, request):
        return xlsx_response(imports.exchange_rate_template(), "exchange-rates-template.xlsx")
