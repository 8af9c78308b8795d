"""Progress pages: counterpart staff report on their activities quarter by quarter;
programme managers verify or return what they submit. Every rule is the services'; these
views only collect input, call them and show their errors where they belong."""

import dataclasses

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views import View

from ctportal.exceptions import DomainError
from ctportal.forms import add_service_error
from ctportal.listing import ListSearchForm, sort_headers
from ctportal.uploads import ALLOWED_TYPES, safe_file_name
from organisations import access
from workplans import selectors_progress, selectors_progress_update, services
from workplans.filters_progress import ProgressReviewFilter
from workplans.forms_progress import ProgressForm, ReviewForm
from workplans.models import (
    Activity,
    EvidenceFile,
    ProgressUpdate,
    WorkplanVersion,
)
from workplans.quarters import quarter_get, quarters_of
from workplans.services.progress_rules import progress_actions


def _form_url(update: ProgressUpdate) -> str:
    return reverse("workplans:progress-form", args=[update.activity_id, update.quarter])


# The sortable columns of "My activities" and of the review queue, in page order.
MY_ACTIVITIES_COLUMNS = [
    ("activity", "Activity"),
    ("situation", "Where it stands"),
    ("status", "Status"),
    ("complete", "Complete"),
]
REVIEW_QUEUE_COLUMNS = [
    ("activity", "Activity"),
    ("quarter", "Quarter"),
    ("counterpart", "Counterpart"),
    ("status", "Status"),
    ("complete", "Complete"),
    ("submitted", "Submitted"),
]


class MyActivitiesView(LoginRequiredMixin, View):
    """What the user's organisation owes: each approved activity it leads, per quarter,
    searchable by code or title and sortable by column, a page of rows at a time; and what
    revisions closed."""

    paginate_by = 100

    def get(self, request):
        access.require(
            access.can_report_progress(request.user),
            "This page lists the activities a counterpart organisation reports on.",
        )
        today = timezone.localdate()
        sort = request.GET.get("sort", "")
        search_form = ListSearchForm(
            request.GET,
            columns=MY_ACTIVITIES_COLUMNS,
            default="situation",
            label="Search activities",
            help_text="Part of an activity's code or title.",
        )
        groups = selectors_progress.activity_quarter_list(
            user=request.user, today=today, search=search_form.search, sort=sort
        )
        # Counted whole, shown a page of rows at a time (a counterpart leads thousands of
        # activities at scale), each row under its quarter's heading.
        rows = [(group, row) for group in groups for row in group.rows]
        page = Paginator(rows, self.paginate_by).get_page(request.GET.get("page"))
        shown: dict[int, selectors_progress.QuarterGroup] = {}
        for group, row in page:
            shown.setdefault(id(group), dataclasses.replace(group, rows=[])).rows.append(row)
        return render(
            request,
            "workplans/progress/my_activities.html",
            {
                "groups": list(shown.values()),
                "page_obj": page,
                "counts": selectors_progress.situation_counts(groups),
                "today": today,
                "search_form": search_form,
                "search": search_form.search,
                "columns": sort_headers(MY_ACTIVITIES_COLUMNS, sort, default="situation"),
                "closed": selectors_progress.closed_updates(user=request.user),
            },
        )


class ProgressFormView(LoginRequiredMixin, View):
    """One activity's progress in one quarter: the form while it can be edited, what was
    reported once it is submitted or verified; the history of its transitions either way."""

    template_name = "workplans/progress/progress_form.html"

    def load(self, request, pk: int, quarter: int):
        try:
            activity = selectors_progress_update.reportable_activity_get(user=request.user, pk=pk)
        except Activity.DoesNotExist:
            raise Http404("No such activity.") from None
        period = quarter_get(activity.version.workplan, quarter)
        if period is None:
            raise Http404(f"{activity.version.workplan.code} has no quarter {quarter}.")
        # Only staff of the lead counterpart report; for everyone else this page does not
        # offer anything (managers review on the review page).
        access.require(
            access.can_report_progress_for(request.user, activity.lead_counterpart_id),
            "Only staff of the counterpart that leads this activity report its progress.",
        )
        update = selectors_progress_update.progress_update_for(activity=activity, quarter=quarter)
        return activity, period, update

    def render_page(self, request, activity, period, update, form, status=200):
        version = activity.version
        actions = progress_actions(activity=activity, update=update, quarter=period.number)
        in_force = None
        if version.status != WorkplanVersion.Status.APPROVED:
            in_force = selectors_progress_update.activity_in_force(activity=activity)
        return render(
            request,
            self.template_name,
            {
                "activity": activity,
                "workplan": version.workplan,
                "version": version,
                "quarter": period,
                "quarters": quarters_of(version.workplan),
                "update": update,
                "form": form,
                "actions": actions,
                "editable": actions.can_edit,
                "in_force": in_force,
                "transitions": list(update.transitions.all()) if update else [],
                "evidence": list(update.evidence.all()) if update else [],
                "values": list(update.values.all()) if update else [],
            },
            status=status,
        )

    def get(self, request, pk: int, quarter: int):
        activity, period, update = self.load(request, pk, quarter)
        form = ProgressForm(activity=activity, update=update, quarter=period.number)
        return self.render_page(request, activity, period, update, form)

    def post(self, request, pk: int, quarter: int):
        activity, period, update = self.load(request, pk, quarter)
        form = ProgressForm(
            request.POST, request.FILES, activity=activity, update=update, quarter=period.number
        )
        submit = request.POST.get("action") == "submit"
        status = 400
        if form.is_valid():
            files = form.cleaned_data["evidence"]
            try:
                services.progress_update_save(
                    activity=activity,
                    quarter=period.number,
                    user=request.user,
                    **form.service_arguments(),
                    evidence=files,
                    submit=submit,
                    base_url=request.build_absolute_uri("/"),
                )
            except ValidationError as error:
                if isinstance(error, DomainError) and error.domain_code == "stale_revision":
                    form.add_error(None, self.stale_message(activity, period.number))
                    status = 409
                else:
                    add_service_error(form, error)
            else:
                if submit:
                    messages.success(
                        request,
                        f"Q{period.number} update of {activity.code} submitted for "
                        "verification. Programme managers have been told by e-mail.",
                    )
                else:
                    count = len(files)
                    attached = (
                        ngettext(" and %(n)d file attached", " and %(n)d files attached", count)
                        % {"n": count}
                        if count
                        else ""
                    )
                    messages.success(
                        request, f"Draft saved{attached}. Submit it when it is complete."
                    )
                return redirect("workplans:progress-form", pk=activity.pk, quarter=period.number)
        return self.render_page(request, activity, period, update, form, status=status)

    @staticmethod
    def stale_message(activity: Activity, quarter: int) -> str:
        """Who saved the update since the form was opened, and when."""
        current = ProgressUpdate.objects.filter(activity=activity, quarter=quarter).first()
        change = current and selectors_progress_update.progress_update_last_change(update=current)
        if not change:
            return "Someone saved this update after you opened it; your changes were not saved."
        who = change.history_user
        name = (who.get_full_name() or who.get_username()) if who else "Someone"
        when = timezone.localtime(change.history_date)
        at = f"{when:%H:%M}"
        if when.date() != timezone.localdate():
            at += f" on {when:%d %b %Y}"
        return (
            f"{name} saved this update at {at} after you opened it; your changes were not "
            "saved — reload to see theirs."
        )


class EvidenceDownloadView(LoginRequiredMixin, View):
    """An evidence file, streamed to whoever may see its update; a 404 to everyone else."""

    def get(self, request, pk: int):
        try:
            evidence = selectors_progress_update.evidence_get(user=request.user, pk=pk)
            handle = evidence.file.open("rb")
        except (EvidenceFile.DoesNotExist, FileNotFoundError):
            raise Http404("No such file.") from None
        # The name's extension is the checked type's, whatever name was stored (rows
        # from before names were rebuilt included); FileResponse quotes it.
        extension = ALLOWED_TYPES.get(evidence.content_type, "bin")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=safe_file_name(evidence.original_name, extension=extension),
            content_type=evidence.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class EvidenceDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        try:
            evidence = selectors_progress_update.evidence_get(user=request.user, pk=pk)
        except EvidenceFile.DoesNotExist:
            raise Http404("No such file.") from None
        update = evidence.update
        try:
            services.evidence_delete(evidence=evidence, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{evidence.original_name} removed.")
        return redirect(_form_url(update))


class ReviewQueueView(LoginRequiredMixin, View):
    """Submitted updates waiting for a programme manager, oldest first, filterable."""

    paginate_by = 25

    def get(self, request):
        access.require(
            access.can_review_progress(request.user), "Only programme managers review progress."
        )
        sort = request.GET.get("sort", "")
        search_form = ListSearchForm(
            request.GET,
            columns=REVIEW_QUEUE_COLUMNS,
            default="submitted",
            label="Search",
            help_text="Part of an activity's code or title, or of a counterpart's name.",
        )
        queue = selectors_progress.progress_review_queue(
            user=request.user, search=search_form.search, sort=sort
        )
        filterset = ProgressReviewFilter(request.GET or None, queryset=queue)
        # Half a filter would show a misleading queue: show the errors and no rows.
        invalid = filterset.is_bound and not filterset.is_valid()
        updates = queue.none() if invalid else filterset.qs
        page = Paginator(updates, self.paginate_by).get_page(request.GET.get("page"))
        return render(
            request,
            "workplans/progress/review_list.html",
            {
                "page_obj": page,
                "updates": page.object_list,
                "filter_form": filterset.form,
                "search_form": search_form,
                "columns": sort_headers(REVIEW_QUEUE_COLUMNS, sort, default="submitted"),
                "is_filtered": any(v for k, v in request.GET.items() if k not in ("page", "sort")),
            },
        )


class ReviewDetailView(LoginRequiredMixin, View):
    """Everything the author entered, with Verify and Return for programme managers."""

    template_name = "workplans/progress/review_detail.html"

    @staticmethod
    def load(request, pk: int) -> ProgressUpdate:
        try:
            return selectors_progress_update.progress_update_review_get(user=request.user, pk=pk)
        except ProgressUpdate.DoesNotExist:
            raise Http404("No such progress update.") from None

    def render_page(self, request, update, form, status=200):
        actions = progress_actions(activity=update.activity, update=update)
        reviewer = access.can_review_progress(request.user)
        return render(
            request,
            self.template_name,
            {
                "update": update,
                "activity": update.activity,
                "quarter": quarter_get(update.activity.version.workplan, update.quarter),
                "form": form,
                "actions": actions,
                "can_verify": reviewer and actions.can_verify,
                "can_return": reviewer and actions.can_return,
                "can_review": reviewer and (actions.can_verify or actions.can_return),
                "values": list(update.values.all()),
                "evidence": list(update.evidence.all()),
                "transitions": list(update.transitions.all()),
            },
            status=status,
        )

    def get(self, request, pk: int):
        return self.render_page(request, self.load(request, pk), ReviewForm())

    def post(self, request, pk: int):
        update = self.load(request, pk)
        form = ReviewForm(request.POST)
        action = request.POST.get("action")
        if form.is_valid():
            try:
                if action == "verify":
                    services.progress_update_verify(update=update, user=request.user)
                elif action == "return":
                    services.progress_update_return(
                        update=update,
                        user=request.user,
                        comment=form.cleaned_data["comment"],
                        base_url=request.build_absolute_uri("/"),
                    )
                else:
                    raise DomainError("Choose Verify or Return.", code="invalid_action")
            except ValidationError as error:
                add_service_error(form, error)
            else:
                title = f"Q{update.quarter} update of {update.activity.code}"
                if action == "verify":
                    messages.success(request, f"{title} verified; its figures now count.")
                else:
                    messages.success(
                        request, f"{title} returned to {update.activity.lead_counterpart}."
                    )
                return redirect("workplans:review-list")
        return self.render_page(request, update, form, status=400)
