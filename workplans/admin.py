"""Admin for workplans: thin, and bound by the same rules as the pages.

Activities are written through the services: the form's clean() runs activity_validate
(so an approved version is frozen here too, with the same message) and save_model calls
activity_create / activity_update. Version and progress transitions happen only through
their services on the pages, so versions, meetings and progress updates are read-only
here, and history can be viewed but never reverted.
"""

from django import forms
from django.contrib import admin

from ctportal.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyHistoryAdmin,
    ReadOnlyInline,
    ServiceAdminMixin,
    apply_rule,
    changed_values,
    stored,
)
from ctportal.exceptions import DomainError
from organisations import access
from organisations.models import Organisation
from projects.models import Output
from workplans.models import (
    AchievedValue,
    Activity,
    ActivityTarget,
    Attendance,
    Decision,
    EvidenceFile,
    EwgMeeting,
    MeetingDocument,
    ProgressTransition,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)
from workplans.services import (
    activity_create,
    activity_delete,
    activity_update,
    activity_validate,
    meeting_document_attach,
    workplan_create,
    workplan_period_validate,
)
from workplans.services._files import uploaded_file_check

# --- Workplans and versions ---------------------------------------------------


class WorkplanForm(forms.ModelForm):
    class Meta:
        model = Workplan
        fields = ["sub_programme", "code", "title", "period_start", "period_end"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period_start") and cleaned.get("period_end"):
            apply_rule(
                self,
                lambda: workplan_period_validate(
                    period_start=cleaned["period_start"], period_end=cleaned["period_end"]
                ),
            )
        return cleaned


class VersionInline(ReadOnlyInline):
    model = WorkplanVersion
    fields = ["number", "status", "submitted_at", "decided_by_meeting", "approved_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decided_by_meeting__sub_programme")


@admin.register(Workplan)
class WorkplanAdmin(ServiceAdminMixin, ReadOnlyHistoryAdmin):
    """Created through workplan_create (which also opens draft version 1); its period is
    then fixed, because targets and progress are counted in its quarters."""

    form = WorkplanForm
    list_display = ["code", "title", "sub_programme", "period_start", "period_end"]
    list_filter = ["sub_programme"]
    list_select_related = ["sub_programme__programme"]
    search_fields = ["code", "title"]
    date_hierarchy = "period_start"
    inlines = [VersionInline]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and access.can_edit_workplans(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "sub_programme":
            kwargs["queryset"] = db_field.related_model.objects.select_related("programme")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_save(self, request, obj, form, change):
        return workplan_create(user=request.user, **form.cleaned_data)

    def get_inlines(self, request, obj=None):
        return self.inlines if obj else []


class ActivityInline(ReadOnlyInline):
    model = Activity
    fields = ["code", "title", "output", "lead_counterpart", "project", "budget", "budget_currency"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("output", "lead_counterpart", "project")


@admin.register(WorkplanVersion)
class WorkplanVersionAdmin(ReadOnlyAdminMixin, ReadOnlyHistoryAdmin):
    """Read-only: submission, approval, return and revision are EWG steps with their own
    pages and rules."""

    list_display = [
        "workplan",
        "number",
        "status",
        "based_on",
        "submitted_at",
        "decided_by_meeting",
        "approved_at",
    ]
    list_filter = ["status", "workplan__sub_programme"]
    list_select_related = [
        "workplan",
        "based_on__workplan",
        "decided_by_meeting__sub_programme",
    ]
    search_fields = ["workplan__code", "workplan__title", "review_comment"]
    inlines = [ActivityInline]


# --- Activities ---------------------------------------------------------------


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = [
            "version",
            "code",
            "title",
            "description",
            "output",
            "lead_counterpart",
            "project",
            "provinces",
            "budget",
            "budget_currency",
        ]

    def clean(self):
        cleaned = super().clean()
        version = cleaned.get("version") if "version" in self.fields else self.instance.version
        if version is None:
            return cleaned

        def value(name):
            return cleaned.get(name) if name in self.fields else getattr(self.instance, name)

        apply_rule(
            self,
            lambda: activity_validate(
                version=version,
                activity=self.instance if self.instance.pk else None,
                code=value("code"),
                title=value("title"),
                description=value("description") or "",
                output=value("output"),
                lead_counterpart=value("lead_counterpart"),
                project=value("project"),
                provinces=cleaned.get("provinces", ()),
                budget=value("budget") if value("budget") is not None else 0,
                budget_currency=value("budget_currency") or "USD",
                targets=None,
            ),
        )
        return cleaned


class TargetInline(ReadOnlyInline):
    model = ActivityTarget
    fields = ["indicator", "quarter", "value"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator")


@admin.register(Activity)
class ActivityAdmin(ServiceAdminMixin, ReadOnlyHistoryAdmin):
    """Managers plan activities of a draft or returned version; an approved version's
    activities show the same "frozen" error as the pages. Targets are set on the pages."""

    form = ActivityForm
    list_display = [
        "code",
        "title",
        "version",
        "output",
        "lead_counterpart",
        "project",
        "budget",
        "budget_currency",
    ]
    list_filter = ["version__status", "budget_currency", "version__workplan__sub_programme"]
    list_select_related = ["version__workplan", "output", "lead_counterpart", "project"]
    search_fields = ["code", "title", "version__workplan__code", "lead_counterpart__short_name"]
    filter_horizontal = ["provinces"]
    autocomplete_fields = ["project"]
    inlines = [TargetInline]

    def _may_edit(self, request) -> bool:
        return access.can_edit_workplans(request.user)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request)

    def get_readonly_fields(self, request, obj=None):
        # An activity stays in its version: a later version has its own copy.
        return ["version", "lineage"] if obj else ["lineage"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead_counterpart":
            kwargs["queryset"] = Organisation.objects.filter(kind=Organisation.Kind.COUNTERPART)
        elif db_field.name == "version":
            kwargs["queryset"] = WorkplanVersion.objects.filter(
                status__in=WorkplanVersion.EDITABLE
            ).select_related("workplan")
        elif db_field.name == "output":
            kwargs["queryset"] = Output.objects.select_related("outcome")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_save(self, request, obj, form, change):
        # The service sets the provinces too; the target inline is read-only.
        cleaned = form.cleaned_data
        if change:
            fields = changed_values(form)
            provinces = fields.pop("provinces", None)
            return activity_update(
                activity=stored(obj), user=request.user, provinces=provinces, **fields
            )
        return activity_create(
            user=request.user,
            version=cleaned["version"],
            code=cleaned["code"],
            title=cleaned["title"],
            description=cleaned.get("description", ""),
            output=cleaned["output"],
            lead_counterpart=cleaned["lead_counterpart"],
            project=cleaned.get("project"),
            provinces=cleaned.get("provinces", ()),
            budget=cleaned.get("budget") or 0,
            budget_currency=cleaned.get("budget_currency") or "USD",
        )

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # activity_delete removes the targets with their activity; the read-only target
        # admin is not a reason to refuse.
        perms_needed.discard(ActivityTarget._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def service_delete(self, request, obj):
        activity_delete(activity=obj, user=request.user)


@admin.register(ActivityTarget)
class ActivityTargetAdmin(ReadOnlyAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["activity", "indicator", "quarter", "value"]
    list_filter = ["quarter", "activity__version__status"]
    list_select_related = ["activity", "indicator"]
    search_fields = ["activity__code", "activity__title", "indicator__code"]


# --- EWG meetings -------------------------------------------------------------


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


# --- Progress -----------------------------------------------------------------


class AchievedValueInline(ReadOnlyInline):
    model = AchievedValue
    fields = ["indicator", "sex", "province", "value"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator", "province")


class EvidenceInline(ReadOnlyInline):
    model = EvidenceFile
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class TransitionInline(ReadOnlyInline):
    model = ProgressTransition
    fields = ["from_state", "to_state", "by", "at", "comment"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdminMixin, ReadOnlyHistoryAdmin):
    """Read-only: counterparts write and submit updates, managers verify or return them,
    each through its service on the progress pages."""

    list_display = [
        "activity",
        "workplan",
        "quarter",
        "state",
        "status",
        "percent_complete",
        "author",
        "revision",
        "updated_at",
    ]
    list_filter = ["state", "status", "quarter", "activity__lead_counterpart"]
    list_select_related = [
        "activity__version__workplan",
        "activity__lead_counterpart",
        "author",
        "verified_by",
    ]
    search_fields = [
        "activity__code",
        "activity__title",
        "activity__version__workplan__code",
        "narrative",
        "challenges",
    ]
    inlines = [AchievedValueInline, EvidenceInline, TransitionInline]

    @admin.display(description="workplan", ordering="activity__version__workplan__code")
    def workplan(self, update: ProgressUpdate) -> str:
        version = update.activity.version
        return f"{version.workplan.code} v{version.number}"


@admin.register(AchievedValue)
class AchievedValueAdmin(ReadOnlyAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["update", "indicator", "sex", "province", "value"]
    list_filter = ["sex", "update__state"]
    list_select_related = ["update__activity", "indicator", "province"]
    search_fields = ["indicator__code", "update__activity__code"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "update", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type"]
    list_select_related = ["update__activity", "uploaded_by"]
    search_fields = ["original_name", "update__activity__code"]


@admin.register(ProgressTransition)
class ProgressTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["update", "from_state", "to_state", "by", "at", "comment"]
    list_filter = ["from_state", "to_state"]
    list_select_related = ["update__activity", "by"]
    search_fields = ["update__activity__code", "comment", "by__username"]
