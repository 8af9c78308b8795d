"""The notification centre: a person's notifications, newest first, each opening the page
where they act; and their choice of how each kind reaches them. Only their own: another
person's notification is a 404."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from alerts.models import Delivery
from alerts.selectors import notification_list, notification_unread_count, preference_rows
from alerts.services import notification_mark_read, notifications_mark_all_read, preferences_set
from ctportal.exceptions import DomainError

PAGE_SIZE = 50


class NotificationListView(LoginRequiredMixin, View):
    template_name = "alerts/notification_list.html"

    def get(self, request):
        paginator = Paginator(notification_list(user=request.user), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        return render(
            request,
            self.template_name,
            {
                "page_obj": page,
                "notifications": page.object_list,
                "unread": notification_unread_count(user=request.user),
            },
        )

    def post(self, request):
        """Mark every notification read."""
        count = notifications_mark_all_read(user=request.user)
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
        return redirect("alerts:notification-list")


class NotificationOpenView(LoginRequiredMixin, View):
    """Open one: it is read, and the person lands where they act on it."""

    def get(self, request, pk: int):
        notification = get_object_or_404(notification_list(user=request.user), pk=pk)
        notification_mark_read(notification=notification)
        target = notification.url
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = "/"
        return redirect(target)


class NotificationPreferencesView(LoginRequiredMixin, View):
    template_name = "alerts/preferences.html"

    def _render(self, request, rows, errors=None, status=200):
        return render(
            request,
            self.template_name,
            {"rows": rows, "deliveries": Delivery.choices, "errors": errors or {}},
            status=status,
        )

    def get(self, request):
        return self._render(request, preference_rows(user=request.user))

    def post(self, request):
        rows = preference_rows(user=request.user)
        # Only what the person changed is saved: the kinds left alone keep following the
        # defaults.
        wanted = {
            kind: request.POST[kind]
            for kind, _, current in rows
            if kind in request.POST and request.POST[kind] != current
        }
        try:
            preferences_set(user=request.user, deliveries=wanted)
        except DomainError as error:
            shown = [(kind, label, wanted.get(kind, current)) for kind, label, current in rows]
            return self._render(request, shown, errors=error.message_dict, status=400)
        messages.success(request, "Your choices are saved.")
        return redirect("alerts:notification-preferences")
