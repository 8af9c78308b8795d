"""Progress updates and what hangs off them, read-only: counterparts write and submit,
managers verify or return, each through its service on the progress pages."""

from django.contrib import admin

from ctportal.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyHistoryAdmin,
    ReadOnlyInline,
)
from workplans.models import (
    AchievedValue,
    EvidenceFile,
    ProgressTransition,
    ProgressUpdate,
    VerifiedProgress,
)


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


@admin.register(VerifiedProgress)
class VerifiedProgressAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each lineage's latest verified update as at each quarter, for each group of viewers,
    kept by the progress services: read-only."""

    list_display = [
        "lineage",
        "quarter",
        "until_quarter",
        "everyone",
        "decided",
        "lead_counterpart",
        "update",
        "status",
        "percent_complete",
    ]
    list_select_related = ["lead_counterpart", "update__activity"]
