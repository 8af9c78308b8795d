"""Report pages: the list (with "Generate now" for managers and a live progress bar),
one report, its status fragment that htmx polls, and downloads that check permission."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views import View

from ctportal.forms import add_service_error
from ctportal.listing import ListSearchForm, sort_headers
from organisations import access
from reports import selectors, services
from reports.forms import ReportRequestForm, SubscriptionForm
from reports.models import Report

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _report_or_404(user, pk: int) -> Report:
    try:
        return selectors.report_get(user=user, pk=pk)
    except Report.DoesNotExist as exc:
        raise Http404("No such report.") from exc


# The list's columns, in page order: (sort key, label).
COLUMNS = (
    ("report", "Report"),
    ("scope", "Scope"),
    ("period", "Period"),
    ("status", "Status"),
)
DEFAULT_SORT = "-period"
# The "Sort by" select in the list's own words: short, since it shares a row with the
# filters (on a phone the column headers are hidden and it does their job).
SORT_CHOICES = (
    ("period", "Oldest period first"),
    ("report", "Report"),
    ("scope", "Scope"),
    ("status", "Status"),
)


def _list_context(request, form=None) -> dict:
    user = request.user
    filters = {name: request.GET.get(name, "") for name in ("kind", "status")}
    sort = request.GET.get("sort", "")
    if sort.removeprefix("-") not in selectors.REPORT_SORTS or sort == DEFAULT_SORT:
        sort = ""
    search_form = ListSearchForm(
        request.GET,
        columns=COLUMNS,
        default=DEFAULT_SORT,
        default_label="Newest period first",
        # A header's reversed order stays listed, so the select keeps what the list shows.
        choices=SORT_CHOICES
        + tuple((f"-{key}", f"{label} (reversed)") for key, label in COLUMNS if sort == f"-{key}"),
        label="Search",
        help_text="Words from the report's kind, its donor or workplan, or who asked for it.",
    )
    search = search_form.search
    reports = selectors.report_list(user=user, filters=filters, search=search, sort=sort)
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    kinds = selectors.report_kinds_for(user=user)
    subscribed = selectors.subscription_kinds(user=user)
    can_request = access.can_request_reports(user)
    return {
        "page_obj": page,
        "reports": page.object_list,
        "filters": filters,
        "search_form": search_form,
        "search": search,
        "sort": sort,
        "columns": sort_headers(COLUMNS, sort, default=DEFAULT_SORT),
        "kinds": [(k, label) for k, label in Report.Kind.choices if k in kinds],
        "statuses": Report.Status.choices,
        "can_request": can_request,
        "form": form
        if form is not None
        else (ReportRequestForm(user=user) if can_request else None),
        "subscription_form": SubscriptionForm(initial={k: True for k in subscribed})
        if kinds
        else None,
        "subscribable": kinds,
    }


class ReportListView(LoginRequiredMixin, View):
    def get(self, request):
        return render(request, "reports/report_list.html", _list_context(request))

    def post(self, request):
        access.require(
            access.can_request_reports(request.user),
            "Only programme managers and donor viewers request reports.",
        )
        form = ReportRequestForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                report = services.report_request(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                if report.follow_up:
                    text = f"{report} is running now; it runs once more when this run ends."
                else:
                    text = f"{report} is queued; it appears below as it runs."
                messages.success(request, text)
                return redirect("reports:report-list")
        return render(
            request, "reports/report_list.html", _list_context(request, form=form), status=400
        )


class ReportDetailView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        report = _report_or_404(request.user, pk)
        history = report.history.select_related("history_user").order_by("-history_date")[:10]
        return render(request, "reports/report_detail.html", {"report": report, "history": history})


class ReportStatusView(LoginRequiredMixin, View):
    """The small fragment htmx polls every 2 s while a report is queued or running."""

    def get(self, request, pk: int):
        report = _report_or_404(request.user, pk)
        return render(request, "reports/_status.html", {"report": report})


class ReportDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk: int, fmt: str):
        report = _report_or_404(request.user, pk)
        file = report.pdf if fmt == "pdf" else report.xlsx
        if not file:
            raise Http404("This report has no file yet.")
        try:
            handle = file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The report's file is missing; generate it again.") from exc
        return FileResponse(
            handle,
            as_attachment=True,
            filename=services.download_name(report, fmt),
            content_type=CONTENT_TYPES[fmt],
        )


class SubscriptionUpdateView(LoginRequiredMixin, View):
    def post(self, request):
        kinds = selectors.report_kinds_for(user=request.user)
        access.require(bool(kinds), "You may not receive reports.")
        form = SubscriptionForm(request.POST)
        form.is_valid()
        try:
            for kind in kinds:
                services.subscription_set(
                    user=request.user, kind=kind, subscribed=bool(form.cleaned_data.get(kind))
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Your report e-mails are updated.")
        return redirect("reports:report-list")
