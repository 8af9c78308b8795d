"""Admin for users, organisations and roles, in one place for the administrator.

Each user's membership is edited inline on the user's page. The role decides the staff and
superuser flags (membership_set keeps them in step), so they are read-only here.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import ngettext

from ctportal.admin import ServiceAdminMixin, apply_rule, changed_values, stored
from organisations.models import ApiToken, Membership, Organisation
from organisations.services import (
    membership_set,
    membership_validate,
    organisation_create,
    organisation_update,
    organisation_validate,
)
from organisations.signin import signin_unlock
from organisations.tokens import api_token_revoke

User = get_user_model()


# --- Organisations ------------------------------------------------------------


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "kind", "iati_identifier", "iati_type", "notes"]

    def clean(self):
        cleaned = super().clean()
        if all(cleaned.get(name) for name in ("name", "short_name", "kind")):
            apply_rule(
                self,
                lambda: organisation_validate(
                    organisation=self.instance,
                    name=cleaned["name"],
                    short_name=cleaned["short_name"],
                    kind=cleaned["kind"],
                    iati_type=cleaned.get("iati_type", ""),
                ),
            )
        return cleaned


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = OrganisationForm
    list_display = ["short_name", "name", "kind", "iati_identifier", "iati_type"]
    list_filter = ["kind"]
    search_fields = ["short_name", "name", "iati_identifier"]

    def service_save(self, request, obj, form, change):
        if change:
            return organisation_update(organisation=stored(obj), **changed_values(form))
        return organisation_create(**form.cleaned_data)


# --- Memberships --------------------------------------------------------------


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "organisation", "role"]

    def member(self) -> Any:
        if "user" in self.fields:
            return self.cleaned_data.get("user")
        return self.instance.user if self.instance.user_id else None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organisation") and cleaned.get("role"):
            apply_rule(
                self,
                lambda: membership_validate(
                    user=self.member(), organisation=cleaned["organisation"], role=cleaned["role"]
                ),
            )
        return cleaned


@admin.register(Membership)
class MembershipAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation__kind"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__username", "user__email", "organisation__short_name"]
    autocomplete_fields = ["user", "organisation"]

    def get_readonly_fields(self, request, obj=None):
        # A membership is one user's: another user gets their own.
        return ["user"] if obj else []

    def service_save(self, request, obj, form, change):
        return membership_set(user=obj.user, organisation=obj.organisation, role=obj.role)


class MembershipInlineForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["organisation", "role"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organisation") and cleaned.get("role"):
            user = self.instance.user if self.instance.user_id else None
            apply_rule(
                self,
                lambda: membership_validate(
                    user=user, organisation=cleaned["organisation"], role=cleaned["role"]
                ),
            )
        return cleaned


class MembershipInline(admin.StackedInline):
    model = Membership
    form = MembershipInlineForm
    min_num = 1
    max_num = 1
    extra = 0
    can_delete = False
    verbose_name = "organisation and role"
    verbose_name_plural = "organisation and role"


# --- Users --------------------------------------------------------------------

admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "membership__organisation",
        "membership__role",
        "is_active",
    ]
    list_filter = ["is_active", "membership__role", "membership__organisation__kind"]
    list_select_related = ["membership__organisation"]
    readonly_fields = ["is_staff", "is_superuser", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        # Permissions follow the role: only administrators are staff and superusers.
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    actions = ["unlock_sign_in"]

    @admin.action(description="Unlock sign-in (forget failed attempts) of the selected users")
    def unlock_sign_in(self, request, queryset):
        removed = sum(signin_unlock(username=user.get_username()) for user in queryset)
        users = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)d user may sign in again", "%(n)d users may sign in again", users)
            % {"n": users}
            + ngettext(
                " (%(n)d record of failed attempts removed).",
                " (%(n)d records of failed attempts removed).",
                removed,
            )
            % {"n": removed},
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # The one membership goes through membership_set, which also sets the flags.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not inline_form.cleaned_data:
                continue
            existed = inline_form.instance.pk is not None
            membership = membership_set(
                user=form.instance,
                organisation=inline_form.cleaned_data["organisation"],
                role=inline_form.cleaned_data["role"],
            )
            if existed:
                formset.changed_objects.append((membership, inline_form.changed_data))
            else:
                formset.new_objects.append(membership)
        return None


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators see every token (never its key) and can revoke one, e.g. when a laptop
    is lost; tokens are created only by their owner on /account/tokens/."""

    list_display = [
        "name",
        "prefix",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "key_hash"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.select_related("user"):
            api_token_revoke(token=token, user=token.user)
        count = queryset.count()
        self.message_user(
            request, ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", count) % {"n": count}
        )
