"""Workplan and EWG pages: drafting, XLSX import, submission, approval, revisions, diffs."""

import base64
import io
import re

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from ctportal.forms import add_service_error
from ctportal.history import history_for
from organisations import access
from workplans import selectors, services
from workplans.forms import (
    ActivityForm,
    AttendanceFormSet,
    DecisionForm,
    ImportForm,
    MeetingForm,
    TargetFormSet,
    WorkplanForm,
)
from workplans.models import Activity, EwgMeeting, Workplan, WorkplanVersion
from workplans.quarters import quarters_of
from workplans.xlsx_import import (
    ImportFileError,
    template_workbook,
    workplan_import,
    workplan_import_check,
)


def natural_key(code: str) -> tuple:
    """A2 before A10: digits compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code))


def _version_or_404(user, pk) -> WorkplanVersion:
    try:
        return selectors.version_get(user=user, pk=pk)
    except WorkplanVersion.DoesNotExist as exc:
        raise Http404("No such workplan version.") from exc


def _activity_or_404(user, pk) -> Activity:
    activity = get_object_or_404(Activity.objects.select_related("version"), pk=pk)
    _version_or_404(user, activity.version_id)
    return activity


def _workplan_or_404(user, pk) -> Workplan:
    workplan = get_object_or_404(Workplan.objects.select_related("sub_programme__programme"), pk=pk)
    if not selectors.workplan_version_list(user=user).filter(workplan=workplan).exists():
        raise Http404("No such workplan.")
    return workplan


def _meeting_or_404(user, pk) -> EwgMeeting:
    if not access.has_role(
        user, "programme_manager", "ewg_secretariat", "administrator", "counterpart_staff"
    ):
        raise Http404("No such meeting.")
    return get_object_or_404(
        EwgMeeting.objects.select_related("sub_programme__programme", "chair_organisation"), pk=pk
    )


class WorkplanListView(LoginRequiredMixin, View):
    def get(self, request):
        versions = selectors.workplan_version_list(user=request.user)
        workplans: dict[int, dict] = {}
        for version in versions:
            entry = workplans.setdefault(
                version.workplan_id, {"workplan": version.workplan, "versions": []}
            )
            entry["versions"].append(version)
        return render(
            request,
            "workplans/workplan_list.html",
            {
                "workplans": list(workplans.values()),
                "can_create": access.can_edit_workplans(request.user),
            },
        )


class WorkplanCreateView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            access.require(
                access.can_edit_workplans(request.user), "Only programme managers draft workplans."
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, "workplans/workplan_form.html", {"form": WorkplanForm()})

    def post(self, request):
        form = WorkplanForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    workplan = services.workplan_create(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, f"Workplan {workplan.code} created with a draft version 1."
                )
                version = workplan.versions.get(number=1)
                return redirect("workplans:version-detail", pk=version.pk)
        return render(request, "workplans/workplan_form.html", {"form": form}, status=400)


class WorkplanDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        workplan = _workplan_or_404(request.user, pk)
        versions = selectors.workplan_version_list(user=request.user).filter(workplan=workplan)
        current = (
            versions.filter(status__in=["draft", "submitted", "returned"]).first()
            or versions.first()
        )
        return redirect("workplans:version-detail", pk=current.pk)


class VersionDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        version = _version_or_404(request.user, pk)
        activities = selectors.activity_list(version=version)
        if access.is_counterpart(request.user):
            org = access.organisation_of(request.user)
            mine = request.GET.get("mine") == "1"
            if mine:
                activities = activities.filter(lead_counterpart=org)
        quarters = quarters_of(version.workplan)
        rows = []
        for activity in sorted(activities, key=lambda a: natural_key(a.code)):
            by_quarter = {q.number: [] for q in quarters}
            for target in activity.targets.all():
                by_quarter.setdefault(target.quarter, []).append(target)
            rows.append(
                {"activity": activity, "quarters": [by_quarter[q.number] for q in quarters]}
            )
        versions = selectors.workplan_version_list(user=request.user).filter(
            workplan=version.workplan
        )
        user = request.user
        return render(
            request,
            "workplans/version_detail.html",
            {
                "version": version,
                "workplan": version.workplan,
                "rows": rows,
                "quarters": quarters,
                "versions": versions,
                "can_edit": version.is_editable and access.can_edit_workplans(user),
                "can_submit": version.is_editable and access.can_submit_workplans(user),
                "can_revise": version.status == WorkplanVersion.Status.APPROVED
                and access.can_edit_workplans(user)
                and not versions.filter(status__in=["draft", "submitted", "returned"]).exists(),
                # The version's own steps and every edit of its activities and targets.
                "history": history_for(
                    version, related=("activities", "activities__targets"), omit_parent_keys=True
                ),
            },
        )


class VersionSubmitView(LoginRequiredMixin, View):
    def post(self, request, pk):
        version = _version_or_404(request.user, pk)
        try:
            services.version_submit(version=version, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"Version {version.number} submitted to the EWG for approval."
            )
        return redirect("workplans:version-detail", pk=version.pk)


class WorkplanReviseView(LoginRequiredMixin, View):
    def post(self, request, pk):
        workplan = _workplan_or_404(request.user, pk)
        try:
            version = services.version_revise(workplan=workplan, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("workplans:workplan-detail", pk=workplan.pk)
        messages.success(
            request,
            f"Revision started: draft version {version.number}, copied from the approved one.",
        )
        return redirect("workplans:version-detail", pk=version.pk)


class ActivityFormMixin:
    template_name = "workplans/activity_form.html"

    def render_form(self, request, version, form, formset, activity=None, status=200):
        return render(
            request,
            self.template_name,
            {"version": version, "form": form, "formset": formset, "activity": activity},
            status=status,
        )

    def bound_forms(self, request, version):
        form = ActivityForm(request.POST, version=version)
        formset = TargetFormSet(request.POST, prefix="targets", form_kwargs={"version": version})
        return form, formset

    @staticmethod
    def targets_of(formset):
        targets = []
        for row in formset:
            targets.extend(row.targets())
        return targets


class ActivityCreateView(LoginRequiredMixin, ActivityFormMixin, View):
    def get(self, request, pk):
        version = _version_or_404(request.user, pk)
        access.require(access.can_edit_workplans(request.user))
        form = ActivityForm(version=version)
        formset = TargetFormSet(prefix="targets", form_kwargs={"version": version})
        return self.render_form(request, version, form, formset)

    def post(self, request, pk):
        version = _version_or_404(request.user, pk)
        access.require(access.can_edit_workplans(request.user))
        form, formset = self.bound_forms(request, version)
        if form.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    activity = services.activity_create(
                        version=version,
                        user=request.user,
                        targets=self.targets_of(formset),
                        **form.cleaned_data,
                    )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Activity {activity.code} added.")
                return redirect("workplans:version-detail", pk=version.pk)
        return self.render_form(request, version, form, formset, status=400)


class ActivityUpdateView(LoginRequiredMixin, ActivityFormMixin, View):
    def get(self, request, pk):
        activity = _activity_or_404(request.user, pk)
        access.require(access.can_edit_workplans(request.user))
        version = activity.version
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
        for target in activity.targets.all():
            rows.setdefault(target.indicator_id, {"indicator": target.indicator_id})[
                f"q{target.quarter}"
            ] = target.value
        formset = TargetFormSet(
            prefix="targets", form_kwargs={"version": version}, initial=list(rows.values())
        )
        return self.render_form(request, version, form, formset, activity=activity)

    def post(self, request, pk):
        activity = _activity_or_404(request.user, pk)
        access.require(access.can_edit_workplans(request.user))
        version = activity.version
        form, formset = self.bound_forms(request, version)
        if form.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    services.activity_update(
                        activity=activity,
                        user=request.user,
                        targets=self.targets_of(formset),
                        **form.cleaned_data,
                    )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Activity {activity.code} saved.")
                return redirect("workplans:version-detail", pk=version.pk)
        return self.render_form(request, version, form, formset, activity=activity, status=400)


class ActivityDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        activity = _activity_or_404(request.user, pk)
        version_pk = activity.version_id
        try:
            services.activity_delete(activity=activity, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Activity {activity.code} removed.")
        return redirect("workplans:version-detail", pk=version_pk)


class ActivityDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        activity = _activity_or_404(request.user, pk)
        activity = selectors.activity_list(version=activity.version).get(pk=activity.pk)
        return render(
            request,
            "workplans/activity_detail.html",
            {
                "activity": activity,
                "history": history_for(activity, related=("targets",), omit_parent_keys=True),
                "quarters": quarters_of(activity.version.workplan),
            },
        )


class ImportTemplateView(LoginRequiredMixin, View):
    def get(self, request, pk):
        version = _version_or_404(request.user, pk)
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
        version = _version_or_404(request.user, pk)
        access.require(access.can_edit_workplans(request.user))
        return render(request, "workplans/import.html", {"version": version, "form": ImportForm()})

    def post(self, request, pk):
        version = _version_or_404(request.user, pk)
        access.require(access.can_edit_workplans(request.user))
        key = f"workplan-import-{version.pk}"
        form, result = ImportForm(), None
        try:
            if request.POST.get("confirm") == "1" and key in request.session:
                content = base64.b64decode(request.session.pop(key))
                result = workplan_import(
                    version=version, user=request.user, uploaded=io.BytesIO(content)
                )
                if result.ok:
                    messages.success(request, f"{result.created} activities imported.")
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


class VersionCompareView(LoginRequiredMixin, View):
    def get(self, request, pk):
        workplan = _workplan_or_404(request.user, pk)
        versions = list(
            selectors.workplan_version_list(user=request.user).filter(workplan=workplan)
        )
        by_number = {v.number: v for v in versions}
        if len(versions) < 2:
            return render(
                request, "workplans/compare.html", {"workplan": workplan, "versions": versions}
            )
        numbers = sorted(by_number)
        try:
            old = by_number[int(request.GET.get("old", numbers[-2]))]
            new = by_number[int(request.GET.get("new", numbers[-1]))]
        except (KeyError, ValueError) as exc:
            raise Http404("No such version.") from exc
        diff = selectors.version_diff(old=old, new=new)
        return render(
            request,
            "workplans/compare.html",
            {"workplan": workplan, "versions": versions, "old": old, "new": new, "diff": diff},
        )


class MeetingListView(LoginRequiredMixin, View):
    def get(self, request):
        if not access.has_role(
            request.user,
            "programme_manager",
            "ewg_secretariat",
            "administrator",
            "counterpart_staff",
        ):
            raise PermissionDenied
        meetings = (
            EwgMeeting.objects.select_related("sub_programme__programme")
            .prefetch_related("versions_decided__workplan")
            .order_by("-date")
        )
        return render(
            request,
            "workplans/meeting_list.html",
            {"meetings": meetings, "can_record": access.can_record_meetings(request.user)},
        )


class MeetingCreateView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            access.require(
                access.can_record_meetings(request.user),
                "Only the EWG secretariat records meetings.",
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(
            request,
            "workplans/meeting_form.html",
            {"form": MeetingForm(), "attendance": AttendanceFormSet(prefix="attendance")},
        )

    def post(self, request):
        form = MeetingForm(request.POST)
        attendance = AttendanceFormSet(request.POST, prefix="attendance")
        if form.is_valid() and attendance.is_valid():
            attendees = [
                (
                    row.cleaned_data["organisation"],
                    row.cleaned_data["mode"],
                    row.cleaned_data.get("names", ""),
                )
                for row in attendance
                if row.cleaned_data.get("organisation")
            ]
            data = {k: v for k, v in form.cleaned_data.items() if k != "decisions"}
            try:
                with transaction.atomic():
                    meeting = services.meeting_create(
                        user=request.user,
                        attendees=attendees,
                        decisions=form.decision_list(),
                        **data,
                    )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Meeting recorded.")
                return redirect("workplans:meeting-detail", pk=meeting.pk)
        return render(
            request,
            "workplans/meeting_form.html",
            {"form": form, "attendance": attendance},
            status=400,
        )


class MeetingDetailView(LoginRequiredMixin, View):
    def render_page(self, request, meeting, form=None, status=200):
        can_decide = access.can_record_meetings(request.user)
        if can_decide and form is None:
            form = DecisionForm(meeting=meeting)
        return render(
            request,
            "workplans/meeting_detail.html",
            {
                "meeting": meeting,
                "attendances": meeting.attendances.select_related("organisation"),
                "decisions": meeting.decisions.all(),
                "documents": meeting.documents.all(),
                "decided": meeting.versions_decided.select_related("workplan"),
                "form": form if can_decide else None,
                "has_pending": form is not None and form.fields["version"].queryset.exists(),
            },
            status=status,
        )

    def get(self, request, pk):
        return self.render_page(request, _meeting_or_404(request.user, pk))

    def post(self, request, pk):
        meeting = _meeting_or_404(request.user, pk)
        access.require(access.can_record_meetings(request.user))
        form = DecisionForm(request.POST, meeting=meeting)
        if form.is_valid():
            version = form.cleaned_data["version"]
            try:
                if form.cleaned_data["decision"] == "approve":
                    services.version_approve(version=version, meeting=meeting, user=request.user)
                    messages.success(request, f"{version} approved by this meeting.")
                else:
                    services.version_return(
                        version=version,
                        meeting=meeting,
                        comment=form.cleaned_data["comment"],
                        user=request.user,
                    )
                    messages.success(request, f"{version} sent back with comments.")
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return redirect(reverse("workplans:meeting-detail", args=[meeting.pk]))
        return self.render_page(request, meeting, form=form, status=400)
