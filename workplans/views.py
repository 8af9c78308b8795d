"""Workplan and EWG pages: drafting, XLSX import, submission, approval, revisions, diffs."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from ctportal.forms import add_service_error
from ctportal.history import history_for
from ctportal.listing import ListSearchForm, sort_headers, sort_parse
from organisations import access
from workplans import selectors, services
from workplans.forms import (
    VersionDecisionForm,
    WorkplanForm,
    WorkplanListFilterForm,
)
from workplans.models import WorkplanVersion
from workplans.quarters import quarters_of
from workplans.views_common import activity_or_404, natural_key, version_or_404, workplan_or_404


class WorkplanListView(LoginRequiredMixin, View):
    """Each workplan with its versions; ?status= keeps the versions in that status (the home
    tile of versions awaiting EWG approval links here with status=submitted)."""

    def get(self, request):
        filter_form = WorkplanListFilterForm(request.GET or None)
        valid = filter_form.is_valid()  # False when unbound too: then nothing is filtered
        status = filter_form.cleaned_data["status"] if valid else ""
        versions = selectors.workplan_version_list(user=request.user, filters={"status": status})
        if filter_form.is_bound and not valid:
            # Half a filter would show a misleading list: show the error and no rows.
            versions = versions.none()
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
                "version_count": len(versions),
                "filter_form": filter_form,
                "status_label": WorkplanVersion.Status(status).label if status else "",
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
        workplan = workplan_or_404(request.user, pk)
        versions = selectors.workplan_version_list(user=request.user).filter(workplan=workplan)
        current = (
            versions.filter(status__in=WorkplanVersion.OPEN_STATUSES).first() or versions.first()
        )
        return redirect("workplans:version-detail", pk=current.pk)


ACTIVITY_COLUMNS = [
    ("code", "Code"),
    ("title", "Activity"),
    ("output", "Output"),
    ("lead", "Lead"),
    ("budget", "Budget (USD)"),
]
ACTIVITY_SORTS = tuple(key for key, _ in ACTIVITY_COLUMNS)


def _activity_sort_key(name: str):
    """How the table sorts by column `name`: over selectors.activity_table_keys' rows."""

    def key(row: dict) -> tuple:
        code = natural_key(row["code"])
        if name == "title":
            return (row["title"].casefold(), code)
        if name == "output":
            return (natural_key(row["output_code"]), code)
        if name == "lead":
            return (row["lead"].casefold(), code)
        if name == "budget":
            return (row["budget"], code)
        return code

    return key


class VersionDetailView(LoginRequiredMixin, View):
    """A version with its activities (searchable by code or title, sortable by column, a
    page at a time) and targets per quarter; for the secretariat, the EWG's decision on a
    submitted version."""

    paginate_by = 100

    def get(self, request, pk):
        return self.render_page(request, version_or_404(request.user, pk))

    def render_page(self, request, version, *, decision_form=None, status=200):
        user = request.user
        sort = request.GET.get("sort", "")
        search_form = ListSearchForm(
            request.GET,
            columns=ACTIVITY_COLUMNS,
            default="code",
            label="Search activities",
            help_text="Part of an activity's code or title.",
        )
        search = search_form.search
        # The whole version is searched and sorted (by its light columns), then only the
        # page shown is read in full: a version holds a thousand activities at scale.
        lead = None
        if access.is_counterpart(user) and request.GET.get("mine") == "1":
            organisation = access.organisation_of(user)
            lead = organisation.pk if organisation else 0  # no organisation: none of them
        keys = selectors.activity_table_keys(
            version=version, lead_counterpart_id=lead, search=search
        )
        current, descending = sort_parse(sort, ACTIVITY_SORTS, "code")
        keys.sort(key=_activity_sort_key(current), reverse=descending)
        page = Paginator(keys, self.paginate_by).get_page(request.GET.get("page"))
        quarters = quarters_of(version.workplan)
        rows = []
        for activity in selectors.activity_table_rows(pks=[row["pk"] for row in page]):
            by_quarter = {q.number: [] for q in quarters}
            for target in activity.target_list:
                by_quarter.setdefault(target.quarter, []).append(target)
            rows.append(
                {"activity": activity, "quarters": [by_quarter[q.number] for q in quarters]}
            )
        versions = selectors.workplan_version_list(user=user).filter(workplan=version.workplan)
        can_decide = (
            version.status == WorkplanVersion.Status.SUBMITTED and access.can_record_meetings(user)
        )
        if can_decide and decision_form is None:
            decision_form = VersionDecisionForm(version=version)
        return render(
            request,
            "workplans/version_detail.html",
            {
                "version": version,
                "workplan": version.workplan,
                "rows": rows,
                "page_obj": page,
                "activity_count": version.activity_count,
                "quarters": quarters,
                "versions": versions,
                "search_form": search_form,
                "search": search,
                "columns": sort_headers(ACTIVITY_COLUMNS, sort, default="code"),
                "can_edit": version.is_editable and access.can_edit_workplans(user),
                "can_submit": version.is_editable and access.can_submit_workplans(user),
                "can_revise": version.status == WorkplanVersion.Status.APPROVED
                and access.can_edit_workplans(user)
                and not versions.filter(status__in=WorkplanVersion.OPEN_STATUSES).exists(),
                "decision_form": decision_form if can_decide else None,
                # The version's own steps and every edit of its activities and targets.
                "history": history_for(
                    version, related=("activities", "activities__targets"), omit_parent_keys=True
                ),
            },
            status=status,
        )


class VersionDecideView(LoginRequiredMixin, View):
    """The EWG's decision on a submitted version, recorded from the version's page."""

    def post(self, request, pk):
        version = version_or_404(request.user, pk)
        access.require(
            access.can_record_meetings(request.user),
            "Only programme managers and the EWG secretariat record EWG decisions.",
        )
        form = VersionDecisionForm(request.POST, version=version)
        if form.is_valid():
            meeting = form.cleaned_data["meeting"]
            try:
                if form.cleaned_data["decision"] == "approve":
                    services.version_approve(version=version, meeting=meeting, user=request.user)
                    messages.success(request, f"{version} approved by the {meeting}.")
                else:
                    services.version_return(
                        version=version,
                        meeting=meeting,
                        comment=form.cleaned_data["comment"],
                        user=request.user,
                    )
                    messages.success(request, f"{version} sent back by the {meeting}.")
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return redirect("workplans:version-detail", pk=version.pk)
        return VersionDetailView().render_page(request, version, decision_form=form, status=400)


class VersionSubmitView(LoginRequiredMixin, View):
    def post(self, request, pk):
        version = version_or_404(request.user, pk)
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
        workplan = workplan_or_404(request.user, pk)
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


class ActivityDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        activity = activity_or_404(request.user, pk)
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


class VersionCompareView(LoginRequiredMixin, View):
    def get(self, request, pk):
        workplan = workplan_or_404(request.user, pk)
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
