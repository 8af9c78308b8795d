"""factory_boy factories for every model. Money rows get consistent USD figures."""

import factory
from django.contrib.auth import get_user_model

from organisations.models import Membership, Organisation, Role


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("short_name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    short_name = factory.Sequence(lambda n: f"ORG{n}")
    kind = Organisation.Kind.COUNTERPART


class DonorFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Donor {n}")
    short_name = factory.Sequence(lambda n: f"DONOR{n}")
    kind = Organisation.Kind.DONOR


class ImplementerFactory(OrganisationFactory):
    name = "United Nations Office on Drugs and Crime"
    short_name = "UNODC"
    kind = Organisation.Kind.IMPLEMENTER
    iati_identifier = "XM-DAC-41128"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.COUNTERPART_STAFF


def user_with_role(role: str, organisation: Organisation | None = None, **kwargs):
    """A user holding `role` in `organisation` (UNODC for staff roles by default)."""
    if organisation is None:
        if role == Role.DONOR_VIEWER:
            organisation = DonorFactory()
        elif role == Role.COUNTERPART_STAFF:
            organisation = OrganisationFactory()
        else:
            organisation = ImplementerFactory()
    user = UserFactory(**kwargs)
    if role == Role.ADMINISTRATOR:
        user.is_staff = user.is_superuser = True
        user.save()
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user
