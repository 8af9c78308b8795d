"""Organisations: donors, the implementer and counterparts. Reference data every role sees
(names and IATI identifiers are public); who funds what is on the money endpoints."""

from ctportal.api.views import PortalViewSet
from organisations.api_filters import OrganisationFilter
from organisations.models import Organisation
from organisations.serializers import OrganisationSerializer


class OrganisationViewSet(PortalViewSet):
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    search_fields = ["name", "short_name"]
    ordering_fields = ["short_name", "name", "kind"]
    ordering = ["short_name"]
    csv_filename = "organisations"

    def get_queryset(self):
        return Organisation.objects.order_by("short_name")
