"""The portal's URLs plus views that fail, for the 500 tests in test_settings.py."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from ctportal import urls as portal_urls


class Boom(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("a bug in an API view")


def boom_plain(request):
    raise RuntimeError("a bug outside DRF")


urlpatterns = [
    path("api/v1/boom/", Boom.as_view()),
    path("api/v1/boom-plain/", boom_plain),
    path("boom-page/", boom_plain),
    *portal_urls.urlpatterns,
]
handler500 = portal_urls.handler500
