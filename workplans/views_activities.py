"""Planning a draft's activities: the activity form with its grid of targets per quarter,
removing an activity (after asking), and the XLSX template and import."""

import base64
import io
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views import View

from organisations import access
from workplans import services
from workplans.forms import ActivityForm, ImportForm, TargetFormSet, add_grid_service_error
from workplans.models import Activity
from workplans.quarters import quarters_of
from workplans.views_common import activity_or_404, frozen_page, version_or_404
from workplans.xlsx_import import ImportFileError, workplan_import, workplan_import_check
from workplans.xlsx_template import template_workbook


def plain_number(value: Decimal) -> Decimal:
    """The value without trailing zeros after the point (never in exponent form)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class ActivityFormMixin:
    template_name = "workplans/activity_form.html"

    def editable_version(self, request, version) -> bool:
        access.require(access.can_edit_workplans(request.user))
        return version.is_editable

    def render_form(self, request, version, form, formset, activity=None, errors=(), status=200):
        return render(
            request,
            self.template_name,
            {
                "version": version,
                "form": form,
                "formset": formset,
                "quarters": quarters_of(version.workplan),
                "activity": activity,
                "target_errors": errors,
            },
            status=status,
        )

    def bound_forms(self, request, version):
        form = ActivityForm(request.POST, version=version)
        formset = TargetFormSet(request.POST, prefix="targets", form_kwargs={"version": version})
        return form, formset


class ActivityCreateView(LoginRequiredMixin, ActivityFormMixin, View):
    def get(self, request, pk):
        version = version_or_404(request.user, pk)
        if not self.editable_version(request, version):
            return frozen_page(request, version)
        form = ActivityForm(version=version)
        formset = TargetFormSet(prefix="targets", form_kwargs={"version": version})
        return self.render_form(request, version, form, formset)

    def post(self, request, pk):
        version = version_or_404(request.user, pk)
        if not self.editable_version(request, version):
            return frozen_page(request, version)
        form, formset = self.bound_forms(request, version)
        errors = []
        if form.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    activity = services.activity_create(
                        version=version,
                        user=request.user,
                        targets=formset.targets(),
                        **form.cleaned_data,
                    )
            except ValidationError as error:
                errors = add_grid_service_error(form, error, grid="targets")
            else:
                messages.success(request, f"Activity {activity.code} added.")
                return redirect("workplans:version-detail", pk=version.pk)
        return self.render_form(request, version, form, formset, errors=errors, status=400)


class ActivityUpdateView(LoginRequiredMixin, ActivityFormMixin, View):
    def get(self, request, pk):
        activity = activity_or_404(request.user, pk)
        version = activity.version
        if not self.editable_version(request, version):
            return frozen_page(request, version)
        form = ActivityForm(
            version=version,
            initial={
                "code": activity.code,
                "title": activity.title,
                "description": activity.description,
                "output": activity.output_id,
                "lead_counterpart": activity.lead_counterpart_id,
                "provinces": list(activity.provinces.all()),
                "project": activity.project_id,
                "budget": activity.budget,
            },
        )
        rows: dict[int, dict] = {}
        for target in activity.targets.select_related("indicator"):
            row = rows.setdefault(
                target.indicator_id,
                {"indicator": target.indicator_id, "code": target.indicator.code},
            )
            # 3, not 3.00, for a count; 2.5 stays 2.5.
            row[f"q{target.quarter}"] = plain_number(target.value)
        formset = TargetFormSet(
            prefix="targets", form_kwargs={"version": version}, initial=list(rows.values())
        )
        return self.render_form(request, version, form, formset, activity=activity)

    def post(self, request, pk):
        activity = activity_or_404(request.user, pk)
        version = activity.version
        if not self.editable_version(request, version):
            return frozen_page(request, version)
        form, formset = self.bound_forms(request, version)
        errors = []
        if form.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    services.activity_update(
                        activity=activity,
                        user=request.user,
                        targets=formset.targets(),
                        **form.cleaned_data,
                    )
            except ValidationError as error:
                errors = add_grid_service_error(form, error, grid="targets")
            else:
                messages.success(request, f"Activity {activity.code} saved.")
                return redirect("workplans:version-detail", pk=version.pk)
        return self.render_form(
            request, version, form, formset, activity=activity, errors=errors, status=400
        )


class ActivityDeleteView(LoginRequiredMixin, View):
    """Asks first (a page that works without JavaScript), then removes the activity."""

    def load(self, request, pk) -> Activity:
        activity = activity_or_404(request.user, pk)
        access.require(access.can_edit_workplans(request.user))
        return activity

    def get(self, request, pk):
        activity = self.load(request, pk)
        version = activity.version
        if not version.is_editable:
            return frozen_page(request, version)
        version_url = reverse("workplans:version-detail", args=[version.pk])
        targets = activity.targets.count()
        return render(
            request,
            "workplans/confirm_delete.html",
            {
                "title": f"Remove activity {activity.code}?",
                "question": (
                    f"Remove activity {activity.code} “{activity.title}” from {version}"
                    + (f", with its {targets} target{pluralize(targets)}" if targets else "")
                    + "? Its history is kept."
                ),
                "action": reverse("workplans:activity-delete", args=[activity.pk]),
                "button": f"Remove {activity.code}",
                "cancel": version_url,
                "crumbs": [
                    (reverse("workplans:workplan-list"), "Workplans"),
                    (version_url, str(version)),
                ],
            },
        )

    def post(self, request, pk):
        activity = self.load(request, pk)
        version = activity.version
        if not version.is_editable:
            return frozen_page(request, version)
        try:
            services.activity_delete(activity=activity, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Activity {activity.code} removed.")
        return redirect("workplans:version-detail", pk=version.pk)


class ImportTemplateView(LoginRequiredMixin, View):
    def get(self, request, pk):
        version = version_or_404(request.user, pk)
        content = template_workbook(version)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{version.workplan.code}-template.xlsx"'
        )
        return response


class ImportView(LoginRequiredMixin, View):
    """Upload a file: every row is checked and listed; only an error-free file is imported.

    A checked, error-free file waits in the session, so the user confirms without
    choosing it again; it is checked once more when imported.
    """

    def get(self, request, pk):
        version = version_or_404(request.user, pk)
        access.require(access.can_edit_workplans(request.user))
        if not version.is_editable:
            return frozen_page(request, version)
        return render(request, "workplans/import.html", {"version": version, "form": ImportForm()})

    def post(self, request, pk):
        version = version_or_404(request.user, pk)
        access.require(access.can_edit_workplans(request.user))
        if not version.is_editable:
            return frozen_page(request, version)
        key = f"workplan-import-{version.pk}"
        form, result = ImportForm(), None
        try:
            if request.POST.get("confirm") == "1" and key in request.session:
                content = base64.b64decode(request.session.pop(key))
                result = workplan_import(
                    version=version, user=request.user, uploaded=io.BytesIO(content)
                )
                if result.ok:
                    messages.success(
                        request,
                        f"{result.created} activit{pluralize(result.created, 'y,ies')} imported.",
                    )
                    return redirect("workplans:version-detail", pk=version.pk)
            else:
                form = ImportForm(request.POST, request.FILES)
                if form.is_valid():
                    content = form.cleaned_data["file"].read()
                    result = workplan_import_check(
                        version=version, user=request.user, uploaded=io.BytesIO(content)
                    )
                    if result.ok:
                        request.session[key] = base64.b64encode(content).decode()
        except ImportFileError as error:
            form.add_error("file", str(error))
        status = 200 if result is not None and result.ok else 400
        return render(
            request,
            "workplans/import.html",
            {"version": version, "form": form, "result": result},
            status=status,
        )
