from django.urls import path

from organisations import views, views_otp

app_name = "account"

urlpatterns = [
    path("tokens/", views.ApiTokenListView.as_view(), name="token-list"),
    path("tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="token-revoke"),
    path("two-step/", views_otp.SecondFactorView.as_view(), name="otp"),
    path("two-step/code/", views_otp.SecondFactorVerifyView.as_view(), name="otp-verify"),
    path("two-step/set-up/", views_otp.SecondFactorSetupView.as_view(), name="otp-setup"),
    path("two-step/turn-off/", views_otp.SecondFactorDisableView.as_view(), name="otp-disable"),
]
