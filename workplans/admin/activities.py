"""Activities, written through the services: the form's clean() runs activity_validate, so
an approved version is frozen here too, with the same message as on the pages. Targets
are set on the pages."""

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
from organisations import access
from organisations.models import Organisation
from projects.models import Output
from workplans.models import (
    Activity,
    ActivityTarget,
    WorkplanVersion,
)
from workplans.services import (
    activity_create,
    activity_delete,
    activity_update,
    activity_validate,
)


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
