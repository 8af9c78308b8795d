"""Admin through services: the plumbing every app's admin shares.

An admin page is bound by the same rules as the portal's pages. Its form's clean() runs the
service's validate function (apply_rule), so a broken rule shows on its field before
anything is written; save_model and delete_model then call the service, never
Model.save() or delete(), and hand the admin the row the service saved (adopt) for its log
entry and redirect.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from ctportal.exceptions import DomainError


def apply_rule(form: forms.BaseForm, rule: Callable[[], Any]) -> None:
    """Run a service rule inside clean(); its error lands on the field it names, or above
    the form when that field is not on it (read-only on a change page, say). A field that
    already has an error keeps it: the user fixes that first."""
    try:
        rule()
    except DomainError as error:
        if error.field is None:
            form.add_error(None, error)
        elif error.field in form.errors:
            return
        elif error.field in form.fields:
            form.add_error(error.field, error.error_dict[error.field])
        else:
            form.add_error(None, error.error_dict[error.field])


def adopt(obj: Model, saved: Model) -> None:
    """The admin goes on using the form's instance (log entry, redirect): give it the row
    the service saved. Setting each column through its attribute also drops a cached
    related object whose key changed."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def form_values(form: forms.BaseForm) -> dict[str, Any]:
    """Every field of the form, as cleaned: what a create (or a full update) takes."""
    return {name: form.cleaned_data[name] for name in form.fields}


def changed_values(form: forms.BaseForm) -> dict[str, Any]:
    """Only the fields the user changed: what a partial update takes."""
    return {
        name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
    }


def stored(obj: Model) -> Model:
    """The row as it is in the database. The form's instance already carries the submitted
    values, and an update service compares against what is stored."""
    return type(obj)._default_manager.get(pk=obj.pk)


class ServiceAdminMixin:
    """Saves and deletes through the app's services.

    A subclass implements service_save (create or update, returning the saved row) and,
    where the app has a delete service, service_delete; without one, deleting stays
    Django's own.
    """

    def service_save(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> Model:
        raise NotImplementedError

    def service_delete(self, request: HttpRequest, obj: Model) -> None:
        raise NotImplementedError

    def deletes_through_service(self) -> bool:
        return type(self).service_delete is not ServiceAdminMixin.service_delete

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        adopt(obj, self.service_save(request, obj, form, change))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service already wrote the object's many-to-many relations with it.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        if not self.deletes_through_service():
            return super().delete_model(request, obj)
        self.service_delete(request, obj)
        return None

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        if not self.deletes_through_service():
            return super().delete_queryset(request, queryset)
        # One service call per row (its rules and its history), in key order so that the
        # row locks are taken in one order.
        for obj in queryset.order_by("pk"):
            self.service_delete(request, obj)
        return None


class ReadOnlyAdminMixin:
    """Shown, never written here: the writes belong to services called from the pages."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """History to read: reverting would write around the services and their rules."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("History is read-only.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [f.name for f in self.model._meta.fields]
