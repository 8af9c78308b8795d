"""Admin for reports: read-only records (they are made by reports.services), an action to
generate them again, and the subscriptions. The schedules are django-celery-beat's
"Periodic tasks" (seeded by migration 0002), editable here without a deploy."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from reports import services
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
    actions = ["generate_again"]
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Generate the selected reports again")
    def generate_again(self, request, queryset):
        count = 0
        for report in queryset.select_related("donor", "workplan"):
            try:
                services.report_request(
                    kind=report.kind,
                    donor=report.donor,
                    workplan=report.workplan,
                    month=report.period_start if report.kind == Report.Kind.DISBURSEMENT else None,
                    quarter=report.quarter,
                    user=request.user,
                )
            except ValidationError as error:
                self.message_user(request, f"{report}: {' '.join(error.messages)}", messages.ERROR)
            else:
                count += 1
        self.message_user(
            request, ngettext("%(n)d report queued.", "%(n)d reports queued.", count) % {"n": count}
        )


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
