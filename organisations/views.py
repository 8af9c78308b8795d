"""The signed-in user's own account pages: API tokens for their scripts (two-step sign-in:
views_otp)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from ctportal.forms import add_service_error
from organisations.models import ApiToken
from organisations.tokens import api_token_create, api_token_list, api_token_revoke


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Name",
        help_text="What the token is for, e.g. “monthly disbursement export”.",
    )
    expires_in_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        min_value=1,
        max_value=settings.API_TOKEN_EXPIRY_DAYS_MAX,
        initial=settings.API_TOKEN_EXPIRY_DAYS_DEFAULT,
        help_text=(
            f"From 1 to {settings.API_TOKEN_EXPIRY_DAYS_MAX} days "
            f"({settings.API_TOKEN_EXPIRY_DAYS_DEFAULT} if left empty); the token stops working "
            "then. Make a new one before it does."
        ),
    )


# The new key survives one redirect in the session, then is shown once and dropped.
NEW_KEY_SESSION = "api_token_new_key"


class ApiTokenListView(LoginRequiredMixin, View):
    """List, create and name one's API tokens; a new key is shown once, right after."""

    def render_page(self, request, form, status=200):
        new_key = request.session.pop(NEW_KEY_SESSION, None)
        return render(
            request,
            "account/tokens.html",
            {"form": form, "tokens": api_token_list(user=request.user), "new_key": new_key},
            status=status,
        )

    def get(self, request):
        response = self.render_page(request, ApiTokenForm())
        response["Cache-Control"] = "no-store"
        return response

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, key = api_token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    expires_in_days=form.cleaned_data["expires_in_days"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                request.session[NEW_KEY_SESSION] = {"name": token.name, "key": key}
                return redirect("account:token-list")
        return self.render_page(request, form, status=400)


class ApiTokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        # Someone else's token does not exist for this user.
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        api_token_revoke(token=token, user=request.user)
        messages.success(request, f"Token “{token.name}” revoked; scripts using it stop working.")
        return redirect("account:token-list")
