"""EWG meeting pages: the list, recording and correcting a meeting with its attendees, its
documents (agenda, minutes, ...), and the decisions it takes on submitted versions."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from ctportal.forms import add_service_error
from ctportal.listing import ListSearchForm, sort_headers
from ctportal.uploads import ALLOWED_TYPES, safe_file_name
from organisations import access
from workplans import selectors_meetings as selectors
from workplans import services
from workplans.forms import (
    DOCUMENT_TITLES,
    AttendanceFormSet,
    DecisionForm,
    MeetingDocumentForm,
    MeetingForm,
    add_grid_service_error,
)
from workplans.models import EwgMeeting, MeetingDocument

MEETING_COLUMNS = [
    ("date", "Date"),
    ("sub_programme", "Sub-programme"),
    ("venue", "Venue"),
    ("chair", "Chair"),
]


def meeting_or_404(user, pk) -> EwgMeeting:
    try:
        return selectors.meeting_get(user=user, pk=pk)
    except EwgMeeting.DoesNotExist:
        raise Http404("No such meeting.") from None


def _document_or_404(user, pk) -> MeetingDocument:
    try:
        return selectors.meeting_document_get(user=user, pk=pk)
    except MeetingDocument.DoesNotExist:
        raise Http404("No such document.") from None


def _require_recorder(user) -> None:
    access.require(
        access.can_record_meetings(user),
        "Only programme managers and the EWG secretariat record EWG meetings.",
    )


class MeetingListView(LoginRequiredMixin, View):
    """EWG meetings, newest first, sortable by column and searchable by venue, chair or
    sub-programme."""

    def get(self, request):
        if not access.can_see_meetings(request.user):
            raise PermissionDenied
        sort = request.GET.get("sort") or "-date"
        search_form = ListSearchForm(
            request.GET,
            columns=MEETING_COLUMNS,
            default="-date",
            label="Search meetings",
            help_text="Part of the venue, the chair or the sub-programme.",
        )
        meetings = selectors.meeting_list(
            user=request.user, search=search_form.search, sort=sort
        ).prefetch_related(None)
        meetings = meetings.prefetch_related("versions_decided__workplan")
        return render(
            request,
            "workplans/meeting_list.html",
            {
                "meetings": meetings,
                "can_record": access.can_record_meetings(request.user),
                "search_form": search_form,
                "search": search_form.search,
                "columns": sort_headers(MEETING_COLUMNS, sort, default="-date"),
            },
        )


class MeetingFormMixin:
    template_name = "workplans/meeting_form.html"

    def render_form(self, request, form, attendance, *, meeting=None, errors=(), status=200):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "attendance": attendance,
                "attendee_errors": errors,
                "meeting": meeting,
            },
            status=status,
        )

    @staticmethod
    def meeting_fields(form) -> dict:
        return {k: v for k, v in form.cleaned_data.items() if k != "decisions"}


class MeetingCreateView(LoginRequiredMixin, MeetingFormMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_recorder(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render_form(request, MeetingForm(), AttendanceFormSet(prefix="attendance"))

    def post(self, request):
        form = MeetingForm(request.POST)
        attendance = AttendanceFormSet(request.POST, prefix="attendance")
        errors = []
        if form.is_valid() and attendance.is_valid():
            try:
                with transaction.atomic():
                    meeting = services.meeting_create(
                        user=request.user,
                        attendees=attendance.attendees(),
                        decisions=form.decision_list(),
                        **self.meeting_fields(form),
                    )
            except ValidationError as error:
                errors = add_grid_service_error(form, error, grid="attendees")
            else:
                messages.success(request, "Meeting recorded. Attach its agenda and minutes below.")
                return redirect("workplans:meeting-detail", pk=meeting.pk)
        return self.render_form(request, form, attendance, errors=errors, status=400)


class MeetingUpdateView(LoginRequiredMixin, MeetingFormMixin, View):
    """Correct a meeting: its facts, attendees (rows added or removed) and decisions."""

    def load(self, request, pk) -> EwgMeeting:
        meeting = meeting_or_404(request.user, pk)
        _require_recorder(request.user)
        return meeting

    def get(self, request, pk):
        meeting = self.load(request, pk)
        form = MeetingForm(
            initial={
                "sub_programme": meeting.sub_programme_id,
                "date": meeting.date,
                "venue": meeting.venue,
                "chair": meeting.chair,
                "chair_organisation": meeting.chair_organisation_id,
                "notes": meeting.notes,
                "decisions": "\n".join(d.text for d in meeting.decisions.all()),
            }
        )
        attendance = AttendanceFormSet(
            prefix="attendance",
            initial=[
                {
                    "organisation": a.organisation_id,
                    "mode": a.mode,
                    "names": a.names,
                    "name": a.organisation.short_name,
                }
                for a in meeting.attendances.select_related("organisation")
            ],
        )
        return self.render_form(request, form, attendance, meeting=meeting)

    def post(self, request, pk):
        meeting = self.load(request, pk)
        form = MeetingForm(request.POST)
        attendance = AttendanceFormSet(request.POST, prefix="attendance")
        errors = []
        if form.is_valid() and attendance.is_valid():
            try:
                with transaction.atomic():
                    services.meeting_update(
                        meeting=meeting,
                        user=request.user,
                        attendees=attendance.attendees(),
                        decisions=form.decision_list(),
                        **self.meeting_fields(form),
                    )
            except ValidationError as error:
                errors = add_grid_service_error(form, error, grid="attendees")
            else:
                messages.success(request, "Meeting saved.")
                return redirect("workplans:meeting-detail", pk=meeting.pk)
        return self.render_form(
            request, form, attendance, meeting=meeting, errors=errors, status=400
        )


def render_meeting_page(request, meeting, *, form=None, document_form=None, status=200):
    """The meeting page; for those who record meetings, with the forms to decide on a
    submitted version and to file a document (bound and with errors after a failed post)."""
    can_record = access.can_record_meetings(request.user)
    if can_record:
        form = form or DecisionForm(meeting=meeting)
        document_form = document_form or MeetingDocumentForm()
    return render(
        request,
        "workplans/meeting_detail.html",
        {
            "meeting": meeting,
            "attendances": meeting.attendances.select_related("organisation"),
            "decisions": meeting.decisions.all(),
            "documents": meeting.documents.order_by("uploaded_at", "pk"),
            "decided": meeting.versions_decided.select_related("workplan"),
            "can_record": can_record,
            "form": form if can_record else None,
            "document_form": document_form if can_record else None,
            "document_titles": DOCUMENT_TITLES,
            "has_pending": can_record and form.fields["version"].queryset.exists(),
            "is_future": meeting.date > timezone.localdate(),
        },
        status=status,
    )


class MeetingDetailView(LoginRequiredMixin, View):
    """A meeting with its attendees, decisions and documents; for the secretariat and
    managers, the forms to file a document and to decide on a submitted version."""

    def get(self, request, pk):
        return render_meeting_page(request, meeting_or_404(request.user, pk))

    def post(self, request, pk):
        meeting = meeting_or_404(request.user, pk)
        _require_recorder(request.user)
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
        return render_meeting_page(request, meeting, form=form, status=400)


class MeetingDocumentCreateView(LoginRequiredMixin, View):
    """File a document with a meeting; its type is read from its content, as evidence's is."""

    def post(self, request, pk):
        meeting = meeting_or_404(request.user, pk)
        _require_recorder(request.user)
        form = MeetingDocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = services.meeting_document_attach(
                    meeting=meeting,
                    user=request.user,
                    title=form.cleaned_data["title"],
                    uploaded_file=form.cleaned_data["file"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"{document.title} filed with the meeting.")
                return redirect("workplans:meeting-detail", pk=meeting.pk)
        return render_meeting_page(request, meeting, document_form=form, status=400)


# The content type a stored document is served with, by the extension its content gave it.
CONTENT_TYPES = {extension: mime for mime, extension in ALLOWED_TYPES.items()}


def _extension(document: MeetingDocument) -> str:
    """The extension of the type found in the content on upload (the stored name has it)."""
    return document.file.name.rsplit(".", 1)[-1].lower()


def download_name(document: MeetingDocument) -> str:
    """ "EWG SP-IV 2023-07-26 Minutes.pdf": the meeting, then the title, with the extension
    of the document's real type."""
    meeting = document.meeting
    title = document.title.replace("/", " ").replace("\\", " ")
    return safe_file_name(
        # The extension given here is the one dropped, so dots in the title stay.
        f"EWG {meeting.sub_programme.code} {meeting.date:%Y-%m-%d} {title}.x",
        extension=_extension(document),
    )


class MeetingDocumentDownloadView(LoginRequiredMixin, View):
    """A meeting document, streamed to whoever may see the meeting; a 404 to anyone else."""

    def get(self, request, pk):
        document = _document_or_404(request.user, pk)
        try:
            handle = document.file.open("rb")
        except FileNotFoundError:
            raise Http404("No such document.") from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=download_name(document),
            content_type=CONTENT_TYPES.get(_extension(document), "application/octet-stream"),
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class MeetingDocumentDeleteView(LoginRequiredMixin, View):
    """Asks first (a page that works without JavaScript), then removes the document."""

    def load(self, request, pk) -> MeetingDocument:
        document = _document_or_404(request.user, pk)
        _require_recorder(request.user)
        return document

    def get(self, request, pk):
        document = self.load(request, pk)
        meeting_url = reverse("workplans:meeting-detail", args=[document.meeting_id])
        return render(
            request,
            "workplans/confirm_delete.html",
            {
                "title": f"Remove {document.title}?",
                "question": (
                    f"Remove the document “{document.title}” from the {document.meeting}? "
                    "The file is deleted; this cannot be undone."
                ),
                "action": reverse("workplans:meeting-document-delete", args=[document.pk]),
                "button": "Remove the document",
                "cancel": meeting_url,
                "crumbs": [
                    (reverse("workplans:meeting-list"), "EWG meetings"),
                    (meeting_url, f"{document.meeting.date:%d %b %Y}"),
                ],
            },
        )

    def post(self, request, pk):
        document = self.load(request, pk)
        services.meeting_document_delete(document=document, user=request.user)
        messages.success(request, f"{document.title} removed.")
        return redirect("workplans:meeting-detail", pk=document.meeting_id)
