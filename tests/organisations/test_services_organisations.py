import pytest

from ctportal.exceptions import DomainError
from organisations.models import Membership, Organisation, Role
from organisations.services import (
    membership_set,
    organisation_create,
    organisation_update,
)
from tests.factories import (
    ActivityFactory,
    DonorFactory,
    ImplementerFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
    user_with_role,
)
from tests.organisations.services_support import Kind, assert_field_error

ALLOWED = {
    Role.PROGRAMME_MANAGER: {Kind.IMPLEMENTER},
    Role.COUNTERPART_STAFF: {Kind.COUNTERPART},
    Role.DONOR_VIEWER: {Kind.DONOR},
    Role.EWG_SECRETARIAT: {Kind.IMPLEMENTER, Kind.COUNTERPART},
    Role.ADMINISTRATOR: {Kind.IMPLEMENTER, Kind.COUNTERPART, Kind.DONOR},
}


ALL_PAIRS = [(role, kind) for role in Role.values for kind in Kind.values]


def organisation_of_kind(kind: str) -> Organisation:
    return {
        Kind.IMPLEMENTER: ImplementerFactory,
        Kind.DONOR: DonorFactory,
        Kind.COUNTERPART: OrganisationFactory,
    }[kind]()


# --- Organisations ------------------------------------------------------------


def test_organisation_create_saves_it_with_its_iati_identity(db):
    organisation = organisation_create(
        name="Government of Japan",
        short_name="JAPAN",
        kind=Kind.DONOR,
        iati_identifier="XM-DAC-701",
        iati_type="10",
    )

    assert Organisation.objects.values_list(
        "name", "short_name", "kind", "iati_identifier", "iati_type"
    ).get(pk=organisation.pk) == ("Government of Japan", "JAPAN", "donor", "XM-DAC-701", "10")


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"name": "national counter terrorism authority"}, "name", "duplicate_name"),
        ({"short_name": "nacta"}, "short_name", "duplicate_short_name"),
        ({"name": "  "}, "name", "required"),
        ({"short_name": ""}, "short_name", "required"),
        ({"kind": "ngo"}, "kind", "invalid_choice"),
        ({"iati_type": "99"}, "iati_type", "invalid_iati_type"),
    ],
)
def test_organisation_create_refuses_a_broken_rule_and_writes_nothing(db, values, field, code):
    OrganisationFactory(name="National Counter Terrorism Authority", short_name="NACTA")
    fields = {"name": "CTD Punjab", "short_name": "CTD-PB", "kind": Kind.COUNTERPART, **values}

    with pytest.raises(DomainError) as caught:
        organisation_create(**fields)

    assert_field_error(caught.value, field, code)
    assert list(Organisation.objects.values_list("short_name", flat=True)) == ["NACTA"]


def test_organisation_update_changes_the_kind_of_an_unused_organisation(db):
    organisation = OrganisationFactory(short_name="FMU")

    organisation_update(organisation=organisation, kind=Kind.DONOR, iati_type="10")

    assert Organisation.objects.values_list("kind", "iati_type").get(pk=organisation.pk) == (
        "donor",
        "10",
    )


def test_organisation_update_keeps_the_kind_its_members_roles_need(db):
    unodc = ImplementerFactory()
    user_with_role(Role.PROGRAMME_MANAGER, organisation=unodc)

    with pytest.raises(DomainError) as caught:
        organisation_update(organisation=unodc, kind=Kind.DONOR)

    assert_field_error(caught.value, "kind", "kind_in_use")
    assert Organisation.objects.get(pk=unodc.pk).kind == Kind.IMPLEMENTER


@pytest.mark.parametrize("link", ["project", "activity"])
def test_organisation_update_keeps_the_kind_of_a_counterpart_in_use(db, link):
    nacta = OrganisationFactory(short_name="NACTA")
    if link == "project":
        ProjectFactory().counterparts.set([nacta])
    else:
        ActivityFactory(lead_counterpart=nacta)

    with pytest.raises(DomainError) as caught:
        organisation_update(organisation=nacta, kind=Kind.DONOR)

    assert_field_error(caught.value, "kind", "kind_in_use")
    assert Organisation.objects.get(pk=nacta.pk).kind == Kind.COUNTERPART


def test_organisation_update_refuses_a_field_it_does_not_have(db):
    with pytest.raises(TypeError, match="colour"):
        organisation_update(organisation=OrganisationFactory(), colour="blue")


# --- Memberships --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "kind"), [pair for pair in ALL_PAIRS if pair[1] in ALLOWED[pair[0]]]
)
def test_membership_set_accepts_a_role_in_an_organisation_of_its_kind(db, role, kind):
    user = UserFactory()
    organisation = organisation_of_kind(kind)

    membership = membership_set(user=user, organisation=organisation, role=role)

    assert Membership.objects.values_list("user", "organisation", "role").get() == (
        user.pk,
        organisation.pk,
        role,
    )
    assert user.membership == membership


@pytest.mark.parametrize(
    ("role", "kind"), [pair for pair in ALL_PAIRS if pair[1] not in ALLOWED[pair[0]]]
)
def test_membership_set_refuses_a_role_in_an_organisation_of_another_kind(db, role, kind):
    user = UserFactory()

    with pytest.raises(DomainError) as caught:
        membership_set(user=user, organisation=organisation_of_kind(kind), role=role)

    assert_field_error(caught.value, "organisation", "role_needs_other_kind")
    assert not Membership.objects.exists()
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)


@pytest.mark.parametrize(
    ("role", "message"),
    [
        (
            Role.COUNTERPART_STAFF,
            'The role "Counterpart staff" needs a counterpart; JAPAN is a donor.',
        ),
        (
            Role.EWG_SECRETARIAT,
            'The role "EWG secretariat" needs a counterpart or an implementing agency; '
            "JAPAN is a donor.",
        ),
    ],
)
def test_membership_set_explains_which_kind_the_role_needs(db, role, message):
    with pytest.raises(DomainError) as caught:
        membership_set(user=UserFactory(), organisation=DonorFactory(short_name="JAPAN"), role=role)

    assert caught.value.messages == [message]


def test_membership_set_refuses_an_unknown_role(db):
    with pytest.raises(DomainError) as caught:
        membership_set(user=UserFactory(), organisation=ImplementerFactory(), role="auditor")

    assert_field_error(caught.value, "role", "invalid_choice")
    assert not Membership.objects.exists()


def test_membership_set_replaces_the_users_one_membership(db):
    user = user_with_role(Role.COUNTERPART_STAFF)
    japan = DonorFactory(short_name="JAPAN")

    membership_set(user=user, organisation=japan, role=Role.DONOR_VIEWER)

    assert list(Membership.objects.values_list("user", "organisation", "role")) == [
        (user.pk, japan.pk, Role.DONOR_VIEWER)
    ]


def test_membership_set_makes_an_administrator_staff_and_superuser(db):
    user = UserFactory()

    membership_set(user=user, organisation=ImplementerFactory(), role=Role.ADMINISTRATOR)

    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, True)


def test_membership_set_takes_staff_and_superuser_from_a_former_administrator(administrator):
    user_with_role(Role.ADMINISTRATOR, username="second-admin")

    membership_set(
        user=administrator, organisation=ImplementerFactory(), role=Role.PROGRAMME_MANAGER
    )

    administrator.refresh_from_db()
    assert (administrator.is_staff, administrator.is_superuser) == (False, False)
    assert administrator.membership.role == Role.PROGRAMME_MANAGER


def test_membership_set_clears_staff_flags_a_non_administrator_was_given(db):
    user = UserFactory(is_staff=True)

    membership_set(user=user, organisation=DonorFactory(), role=Role.DONOR_VIEWER)

    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)


def test_membership_set_keeps_the_last_administrator(administrator):
    with pytest.raises(DomainError) as caught:
        membership_set(
            user=administrator, organisation=ImplementerFactory(), role=Role.PROGRAMME_MANAGER
        )

    assert_field_error(caught.value, "role", "last_administrator")
    administrator.refresh_from_db()
    assert (administrator.is_superuser, administrator.membership.role) == (
        True,
        Role.ADMINISTRATOR,
    )
