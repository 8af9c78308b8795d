"""What API clients may narrow organisations by, and the donor filter every list that can be
narrowed by a donor uses (DonorFilter, which asks donor_filter_allowed)."""

from collections.abc import Callable

import django_filters
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from ctportal.api.filters import ObjectFilter, PortalFilterSet
from organisations import access
from organisations.models import Organisation

DONORS = Organisation.objects.filter(kind=Organisation.Kind.DONOR)


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


class DonorFilter(ObjectFilter):
    """?donor=<id> on any list, under one rule (donor_filter_allowed). Rows that name their
    donor are narrowed by `field_name`; others by `narrow(queryset, donor)`, typically a
    subquery so that two agreements of one donor do not repeat a row."""

    def __init__(
        self, *args, narrow: Callable[[QuerySet, Organisation], QuerySet] | None = None, **kwargs
    ):
        kwargs.setdefault("queryset", DONORS)
        super().__init__(*args, **kwargs)
        self.narrow = narrow

    def filter(self, qs, value):
        if not value:
            return qs
        if not donor_filter_allowed(self.parent.request, value):
            return qs.none()
        if self.narrow is not None:
            return self.narrow(qs, value)
        return super().filter(qs, value)
