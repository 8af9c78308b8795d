"""What API clients may narrow organisations by, and whether they may narrow any list by a
donor (donors' and projects' filter sets ask donor_filter_allowed)."""

import django_filters
from rest_framework.exceptions import ValidationError

from ctportal.api.filters import PortalFilterSet
from organisations import access
from organisations.models import Organisation


class OrganisationFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=Organisation.Kind.choices)

    class Meta:
        model = Organisation
        fields = ["kind"]


def donor_filter_allowed(request, donor) -> bool:
    """Which donor funds what is agreement-level money: roles that never see money get a
    400 for asking (the project list page shows them the same error and no rows); a donor
    viewer may only narrow by its own donor (another donor's funding of the same projects
    stays hidden), so any other donor matches nothing."""
    user = request.user
    if not access.can_filter_by_donor(user):
        raise ValidationError({"donor": [access.DONOR_FILTER_REFUSED]}, code="not_permitted")
    own = access.donor_of(user)
    return own is None or own.pk == donor.pk
