"""Workplans (created through workplan_create, which also opens draft version 1) and
their versions, read-only: submission, approval, return and revision are EWG steps with
their own pages and rules."""

from django import forms
from django.contrib import admin

from ctportal.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyHistoryAdmin,
    ReadOnlyInline,
    ServiceAdminMixin,
    apply_rule,
)
from organisations import access
from workplans.models import (
    Activity,
    Workplan,
    WorkplanVersion,
)
from workplans.services import (
    workplan_create,
    workplan_period_validate,
)


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
