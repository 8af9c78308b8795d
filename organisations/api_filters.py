import django_filters

from ctportal.api.filters import PortalFilterSet
from organisations.models import Organisation


class OrganisationFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=Organisation.Kind.choices)

    class Meta:
        model = Organisation
        fields = ["kind"]
