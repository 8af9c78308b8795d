"""EWG meetings, read-only (recorded on the EWG pages), and their documents, filed through
meeting_document_attach."""

from django import forms
from django.contrib import admin

from ctportal.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyHistoryAdmin,
    ReadOnlyInline,
    ServiceAdminMixin,
)
from ctportal.exceptions import DomainError
from organisations import access
from workplans.models import (
    Attendance,
    Decision,
    EwgMeeting,
    MeetingDocument,
    WorkplanVersion,
)
from workplans.services import (
    meeting_document_attach,
    uploaded_file_check,
)


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ["organisation", "mode", "names"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = ["number", "text"]
    show_change_link = False


class DocumentInline(ReadOnlyInline):
    model = MeetingDocument
    fields = ["title", "file", "uploaded_at"]
    show_change_link = False


class DecidedVersionInline(ReadOnlyInline):
    model = WorkplanVersion
    fk_name = "decided_by_meeting"
    fields = ["workplan", "number", "status", "approved_at"]
    verbose_name = "workplan version decided"
    verbose_name_plural = "workplan versions decided"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workplan")


@admin.register(EwgMeeting)
class EwgMeetingAdmin(ReadOnlyAdminMixin, ReadOnlyHistoryAdmin):
    """Read-only: meetings, attendance and decisions are recorded on the EWG pages."""

    list_display = ["date", "sub_programme", "venue", "chair", "chair_organisation"]
    list_filter = ["sub_programme"]
    list_select_related = ["sub_programme__programme", "chair_organisation"]
    search_fields = ["venue", "chair", "notes", "decisions__text"]
    date_hierarchy = "date"
    inlines = [AttendanceInline, DecisionInline, DocumentInline, DecidedVersionInline]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["meeting", "organisation", "mode", "names"]
    list_filter = ["mode"]
    list_select_related = ["meeting__sub_programme", "organisation"]
    search_fields = ["organisation__short_name", "organisation__name", "names"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["meeting", "number", "text"]
    list_select_related = ["meeting__sub_programme"]
    search_fields = ["text"]


class MeetingDocumentForm(forms.ModelForm):
    class Meta:
        model = MeetingDocument
        fields = ["meeting", "title", "file"]

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded:
            try:
                uploaded_file_check(uploaded, field="file")
            except DomainError as error:
                raise forms.ValidationError(error.error_dict["file"]) from None
        return uploaded


@admin.register(MeetingDocument)
class MeetingDocumentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Filed through meeting_document_attach: the type is checked by content."""

    form = MeetingDocumentForm
    list_display = ["title", "meeting", "uploaded_at"]
    list_select_related = ["meeting__sub_programme"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and access.can_record_meetings(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "meeting":
            kwargs["queryset"] = EwgMeeting.objects.select_related("sub_programme")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_save(self, request, obj, form, change):
        return meeting_document_attach(
            meeting=form.cleaned_data["meeting"],
            title=form.cleaned_data["title"],
            uploaded_file=form.cleaned_data["file"],
            user=request.user,
        )
