"""Admin for reports: read-only records (they are made by reports.services) and the
subscriptions. The schedules are django-celery-beat's "Periodic tasks" (seeded by
migration 0002), editable here without a deploy and runnable now ("Run selected tasks").

Asking for a report is a programme manager's act, on the reports page and the API
(organisations.access.can_request_reports); administrators, the only users who reach the
admin, handle users, organisations, roles and schedules. So the report list offers no
action to generate reports again: every administrator would be refused."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reports.models import Report, ReportDelivery, Subscription


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    list_display = (
        "kind",
        "scope_label",
        "period_label",
        "status",
        "progress",
        "attempts",
        "requested_at",
        "finished_at",
    )
    list_filter = ("kind", "status")
    list_select_related = ("donor", "workplan")
    search_fields = ("donor__short_name", "workplan__code", "failure_reason")
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "created_at")
    list_filter = ("kind",)
    autocomplete_fields = ("user",)


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    list_display = ("report", "email", "generation", "created_at", "sent_at")
    list_select_related = ("report__donor", "report__workplan")
    readonly_fields = ("report", "user", "generation", "email", "created_at", "sent_at")

    def has_add_permission(self, request) -> bool:
        return False
