"""Admin for projects: thin. Forms run the services' rules in clean(); saves go through services.

A rule a form's clean() reports is the same function the service runs, so an error shows
on its field before anything is written, and save_model never meets a rule it has to
catch.
"""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ctportal.admin import ServiceAdminMixin, apply_rule, changed_values, stored
from organisations.models import Organisation
from projects.models import (
    BudgetLine,
    CountryProgramme,
    ExchangeRate,
    Expenditure,
    Indicator,
    NapArea,
    Outcome,
    Output,
    Project,
    Province,
    SubProgramme,
)
from projects.services import (
    budget_line_set,
    budget_line_validate,
    exchange_rate_set,
    exchange_rate_validate,
    expenditure_create,
    expenditure_delete,
    expenditure_update,
    expenditure_validate,
    indicator_validate,
    outcome_validate,
    project_create,
    project_update,
    project_validate,
)


class SubProgrammeFilter(admin.SimpleListFilter):
    """Sub-programme choices with their programme in one query (its __str__ shows both)."""

    title = "sub-programme"
    parameter_name = "sub_programme"

    def lookups(self, request, model_admin):
        return [(sp.pk, str(sp)) for sp in SubProgramme.objects.select_related("programme")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(sub_programme_id=self.value())
        return queryset


class SubProgrammeChoicesMixin:
    """Sub-programme drop-downs load their programme in the same query."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "sub_programme":
            kwargs["queryset"] = SubProgramme.objects.select_related("programme")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Reference data -----------------------------------------------------------


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(NapArea)
class NapAreaAdmin(admin.ModelAdmin):
    list_display = ["version", "number", "title"]
    list_filter = ["version"]
    search_fields = ["title"]


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["currency", "month", "usd_per_unit", "source"]

    def clean_month(self):
        # Stored on the 1st, so a second rate for the same month is caught as a duplicate.
        return self.cleaned_data["month"].replace(day=1)

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency", self.instance.currency)
        if currency and cleaned.get("usd_per_unit") is not None:
            apply_rule(
                self,
                lambda: exchange_rate_validate(
                    currency=currency, usd_per_unit=cleaned["usd_per_unit"]
                ),
            )
        return cleaned


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = ExchangeRateForm
    list_display = ["currency", "month", "usd_per_unit", "source", "updated_at"]
    list_filter = ["currency"]
    search_fields = ["currency", "source"]
    date_hierarchy = "month"

    def get_readonly_fields(self, request, obj=None):
        # A correction changes the rate of its own currency and month, never which month.
        return ["currency", "month"] if obj else []

    def service_save(self, request, obj, form, change):
        return exchange_rate_set(
            currency=obj.currency,
            month=obj.month,
            usd_per_unit=form.cleaned_data["usd_per_unit"],
            source=form.cleaned_data["source"],
            user=request.user,
        )


@admin.register(CountryProgramme)
class CountryProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "start_date", "end_date"]
    search_fields = ["code", "title"]


@admin.register(SubProgramme)
class SubProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "programme"]
    list_filter = ["programme"]
    list_select_related = ["programme"]
    search_fields = ["code", "title", "programme__code"]


# --- Projects -----------------------------------------------------------------


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "code",
            "title",
            "description",
            "sub_programme",
            "status",
            "start_date",
            "end_date",
            "dac_sector",
            "provinces",
            "counterparts",
            "nap_areas",
            "notes",
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start_date") and cleaned.get("end_date"):
            apply_rule(
                self,
                lambda: project_validate(
                    project=self.instance,
                    start_date=cleaned["start_date"],
                    end_date=cleaned["end_date"],
                    dac_sector=cleaned.get("dac_sector", ""),
                    counterparts=cleaned.get("counterparts", ()),
                ),
            )
        return cleaned


@admin.register(Project)
class ProjectAdmin(ServiceAdminMixin, SubProgrammeChoicesMixin, SimpleHistoryAdmin):
    form = ProjectForm
    list_display = [
        "code",
        "title",
        "sub_programme",
        "status",
        "start_date",
        "end_date",
        "province_list",
        "counterpart_list",
    ]
    list_filter = ["status", SubProgrammeFilter, "provinces"]
    list_select_related = ["sub_programme__programme"]
    search_fields = ["code", "title", "description"]
    filter_horizontal = ["provinces", "counterparts", "nap_areas"]
    date_hierarchy = "start_date"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("sub_programme__programme")
            .prefetch_related("provinces", "counterparts")
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "counterparts":
            kwargs["queryset"] = Organisation.objects.filter(kind=Organisation.Kind.COUNTERPART)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="provinces")
    def province_list(self, project: Project) -> str:
        return ", ".join(p.code for p in project.provinces.all())

    @admin.display(description="counterparts")
    def counterpart_list(self, project: Project) -> str:
        return ", ".join(o.short_name for o in project.counterparts.all())

    def service_save(self, request, obj, form, change):
        # The service sets provinces, counterparts and NAP areas too.
        if change:
            return project_update(project=stored(obj), user=request.user, **changed_values(form))
        return project_create(user=request.user, **form.cleaned_data)


# --- Budget and expenditure ---------------------------------------------------


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["project", "category", "year", "amount", "currency"]

    def clean(self):
        cleaned = super().clean()
        # On a change page project, category and year are read-only: take them from the row.
        names = ("project", "category", "year", "amount", "currency")
        values = {
            name: cleaned[name] if name in self.fields else getattr(self.instance, name)
            for name in names
            if name in cleaned or name not in self.fields
        }
        if len(values) == len(names) and None not in values.values():
            apply_rule(self, lambda: budget_line_validate(**values))
        return cleaned


@admin.register(BudgetLine)
class BudgetLineAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = BudgetLineForm
    list_display = ["project", "year", "category", "amount", "currency"]
    list_filter = ["year", "category", "currency"]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__title"]
    autocomplete_fields = ["project"]

    def get_readonly_fields(self, request, obj=None):
        # A line is one project, category and year; changing it changes only the amount.
        return ["project", "category", "year"] if obj else []

    def service_save(self, request, obj, form, change):
        return budget_line_set(
            project=obj.project,
            category=obj.category,
            year=obj.year,
            amount=obj.amount,
            currency=obj.currency,
            user=request.user,
        )


class ExpenditureForm(forms.ModelForm):
    class Meta:
        model = Expenditure
        fields = ["project", "category", "spent_on", "amount", "currency", "description"]

    def clean(self):
        cleaned = super().clean()
        names = ("project", "category", "spent_on", "amount", "currency")
        if all(cleaned.get(name) is not None for name in names):
            apply_rule(
                self, lambda: expenditure_validate(**{name: cleaned[name] for name in names})
            )
        return cleaned


@admin.register(Expenditure)
class ExpenditureAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = ExpenditureForm
    list_display = [
        "spent_on",
        "project",
        "category",
        "currency",
        "amount",
        "usd_rate",
        "amount_usd",
        "description",
    ]
    list_filter = ["category", "currency"]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__title", "description"]
    autocomplete_fields = ["project"]
    readonly_fields = ["usd_rate", "amount_usd"]
    date_hierarchy = "spent_on"

    def service_save(self, request, obj, form, change):
        if change:
            return expenditure_update(
                expenditure=stored(obj), user=request.user, **changed_values(form)
            )
        return expenditure_create(user=request.user, **form.cleaned_data)

    def service_delete(self, request, obj):
        expenditure_delete(expenditure=obj, user=request.user)


# --- Results framework --------------------------------------------------------


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = Outcome
        fields = ["sub_programme", "project", "code", "title"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("sub_programme") and cleaned.get("code"):
            apply_rule(
                self,
                lambda: outcome_validate(
                    sub_programme=cleaned["sub_programme"],
                    project=cleaned.get("project"),
                    code=cleaned["code"],
                    outcome=self.instance,
                ),
            )
        return cleaned


@admin.register(Outcome)
class OutcomeAdmin(SubProgrammeChoicesMixin, admin.ModelAdmin):
    form = OutcomeForm
    list_display = ["code", "title", "sub_programme", "project"]
    list_filter = [SubProgrammeFilter]
    list_select_related = ["sub_programme__programme", "project"]
    search_fields = ["code", "title", "project__code"]
    autocomplete_fields = ["project"]


@admin.register(Output)
class OutputAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "outcome"]
    list_select_related = ["outcome"]
    search_fields = ["code", "title", "outcome__code"]
    autocomplete_fields = ["outcome"]


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["output", "code", "title", "unit", "baseline", "target", "by_sex", "by_province"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("baseline") is not None and cleaned.get("target") is not None:
            apply_rule(
                self,
                lambda: indicator_validate(baseline=cleaned["baseline"], target=cleaned["target"]),
            )
        return cleaned


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    form = IndicatorForm
    list_display = [
        "code",
        "title",
        "unit",
        "baseline",
        "target",
        "by_sex",
        "by_province",
        "output",
    ]
    list_filter = ["by_sex", "by_province", "unit"]
    list_select_related = ["output"]
    search_fields = ["code", "title", "output__code"]
    autocomplete_fields = ["output"]
