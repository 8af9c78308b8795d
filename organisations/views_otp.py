"""Two-step sign-in pages: enter a code, set up an authenticator app, turn it off.

Signing in is password first (Django's LoginView), then, for whoever needs one, the code
(organisations.middleware sends them here). Setting up shows the secret as a QR code and as
text, and takes the app's first code to confirm it.
"""

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View

from ctportal.forms import add_service_error
from organisations import access
from organisations.otp import (
    otp_device_confirmed,
    otp_disable,
    otp_qr_svg,
    otp_secret_text,
    otp_setup_confirm,
    otp_setup_start,
    otp_verify,
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        help_text="Six digits; the app shows a new one every 30 seconds.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _no_store(response):
    # The set-up page holds the secret; no cache keeps a copy of any of these pages.
    response["Cache-Control"] = "no-store"
    return response


class SecondFactorVerifyView(LoginRequiredMixin, View):
    """After the password: the current code of the user's app."""

    template_name = "otp/verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and otp_device_confirmed(user=request.user) is None:
            return redirect(f"{reverse('account:otp-setup')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return _no_store(self._render(request, CodeForm()))

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                device = otp_verify(user=request.user, code=form.cleaned_data["code"])
            except ValidationError as error:
                add_service_error(form, error)
            else:
                django_otp.login(request, device)
                return redirect(_next_url(request))
        return _no_store(self._render(request, form, status=400))

    def _render(self, request, form, status=200):
        context = {"form": form, "next": _next_url(request)}
        return render(request, self.template_name, context, status=status)


class SecondFactorSetupView(LoginRequiredMixin, View):
    """Add an authenticator app: scan the QR code (or type the key), enter its first code.

    Someone who already has an app must give its code before replacing it: otherwise a
    stolen password alone could swap the second factor."""

    template_name = "otp/setup.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if (
            user.is_authenticated
            and otp_device_confirmed(user=user) is not None
            and not user.is_verified()
        ):
            return redirect(f"{reverse('account:otp-verify')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return _no_store(self._render(request, CodeForm()))

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                device = otp_setup_confirm(user=request.user, code=form.cleaned_data["code"])
            except ValidationError as error:
                add_service_error(form, error)
            else:
                django_otp.login(request, device)
                messages.success(
                    request, "Two-step sign-in is on: from now on you sign in with a code too."
                )
                return redirect(_next_url(request))
        return _no_store(self._render(request, form, status=400))

    def _render(self, request, form, status=200):
        device = otp_setup_start(user=request.user)
        context = {
            "form": form,
            "next": _next_url(request),
            # qrcode draws the SVG from our own key; nothing in it comes from a user.
            "qr_svg": mark_safe(otp_qr_svg(device=device)),
            "secret": otp_secret_text(device=device),
            "required": access.must_use_second_factor(request.user),
            "replacing": otp_device_confirmed(user=request.user) is not None,
        }
        return render(request, self.template_name, context, status=status)


class SecondFactorView(LoginRequiredMixin, View):
    """The account page: whether two-step sign-in is on, and how to change it."""

    def get(self, request):
        return self._render(request, CodeForm())

    def _render(self, request, form, status=200):
        context = {
            "form": form,
            "device": otp_device_confirmed(user=request.user),
            "required": access.must_use_second_factor(request.user),
        }
        return render(request, "otp/status.html", context, status=status)


class SecondFactorDisableView(SecondFactorView):
    """Turn two-step sign-in off (roles that do not require it), with a current code."""

    def get(self, request):
        return redirect("account:otp")

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                otp_disable(user=request.user, code=form.cleaned_data["code"])
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Two-step sign-in is off.")
                return redirect("account:otp")
        return self._render(request, form, status=400)
