"""The audit page for administrators: the audit log (reports.audit), filtered, a page at a
time, and as CSV."""

import csv

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.views import View
from django.views.decorators.cache import never_cache

from ctportal.spreadsheet_safety import inert_cell
from organisations import access
from reports import audit

CSV_HEADER = (
    "When",
    "Event",
    "Object type",
    "What",
    "Who",
    "Changes",
    "Reason",
    "Detail",
    "IP address",
    "User agent",
)


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Event", required=False)
    # Events about the user, done by them, or sign-ins tried in their name.
    user = forms.CharField(label="Username", required=False, max_length=150)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    object_type = forms.ChoiceField(label="Object type", required=False)
    before = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Every event"), *audit.audit_kind_choices()]
        self.fields["object_type"].choices = [
            ("", "Every type"),
            *audit.audit_object_type_choices(),
        ]

    def clean_before(self) -> audit.Cursor | None:
        text = self.cleaned_data["before"].strip()
        if not text:
            return None
        try:
            return audit.Cursor.parse(text)
        except ValueError as error:
            raise forms.ValidationError(
                "This page of the log does not exist; start again from the newest events."
            ) from error

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> audit.AuditFilters:
        data = self.cleaned_data
        return audit.AuditFilters(
            kind=data["kind"],
            username=data["user"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
            object_type=data["object_type"],
        )


def _changes_text(event: audit.AuditEvent) -> str:
    if event.created:
        return "; ".join(f"{c.label}: {c.new}" for c in event.changes)
    return "; ".join(f"{c.label}: {c.old} → {c.new}" for c in event.changes)


def _csv_rows(events):
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    buffer = _Line()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    yield buffer.take()
    for event in events:
        writer.writerow(
            [
                inert_cell(value)
                for value in (
                    timezone.localtime(event.when).isoformat(),
                    event.kind_label,
                    event.object_type,
                    event.what,
                    event.who,
                    _changes_text(event),
                    event.reason,
                    event.detail,
                    event.ip_address,
                    event.user_agent,
                )
            ]
        )
        yield buffer.take()


class _Line:
    """What csv.writer writes, handed on a row at a time."""

    def __init__(self):
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def take(self) -> str:
        text, self.text = self.text, ""
        return text


@method_decorator(never_cache, name="dispatch")
class AuditLogView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        access.require(access.can_see_audit(request.user), "The audit log is for administrators.")
        form = AuditFilterForm(request.GET or None)
        if request.GET and not form.is_valid():
            return render(
                request, "audit/audit_list.html", {"form": form, "page": None}, status=400
            )
        filters = form.filters() if form.is_bound else audit.AuditFilters()
        if request.GET.get("format") == "csv":
            response = StreamingHttpResponse(
                _csv_rows(audit.audit_events_for_export(filters=filters)),
                content_type="text/csv; charset=utf-8",
            )
            filename = f"audit-{timezone.localdate():%Y-%m-%d}.csv"
            response["Content-Disposition"] = content_disposition_header(True, filename)
            return response
        cursor = form.cleaned_data["before"] if form.is_bound else None
        page = audit.audit_page(filters=filters, cursor=cursor, page_size=audit.PAGE_SIZE)
        context = {
            "form": form,
            "page": page,
            "older_url": _with(request, before=str(page.next_cursor)) if page.next_cursor else "",
            "newest_url": _with(request, before=None) if cursor else "",
            "csv_url": _with(request, before=None, format="csv"),
            "export_max": audit.EXPORT_MAX_EVENTS,
        }
        return render(request, "audit/audit_list.html", context)


def _with(request: HttpRequest, **changes) -> str:
    """This page's address with some parameters set (or, given None, removed)."""
    query = request.GET.copy()
    query.pop("format", None)
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return f"{request.path}?{query.urlencode()}" if query else request.path
