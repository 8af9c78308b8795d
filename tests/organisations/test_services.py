import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ctportal.exceptions import DomainError
from organisations.models import Membership, Organisation, Role
from organisations.services import (
    membership_set,
    organisation_create,
    organisation_update,
    user_create_with_role,
)
from tests.factories import (
    ActivityFactory,
    DonorFactory,
    ImplementerFactory,
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
    user_with_role,
)

User = get_user_model()
Kind = Organisation.Kind

ALLOWED = {
    Role.PROGRAMME_MANAGER: {Kind.IMPLEMENTER},
    Role.COUNTERPART_STAFF: {Kind.COUNTERPART},
    Role.DONOR_VIEWER: {Kind.DONOR},
    Role.EWG_SECRETARIAT: {Kind.IMPLEMENTER, Kind.COUNTERPART},
    Role.ADMINISTRATOR: {Kind.IMPLEMENTER, Kind.COUNTERPART, Kind.DONOR},
}
ALL_PAIRS = [(role, kind) for role in Role.values for kind in Kind.values]


def assert_field_error(error: DomainError, field: str, code: str) -> None:
    assert error.field == field
    assert error.domain_code == code
    assert [e.code for e in error.error_dict[field]] == [code]


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


# --- Users --------------------------------------------------------------------


def test_user_create_with_role_creates_a_user_who_can_log_in(db):
    nacta = OrganisationFactory(short_name="NACTA")

    user = user_create_with_role(
        username="ayesha",
        email="ayesha@nacta.example",
        password="pass-word-123",
        organisation=nacta,
        role=Role.COUNTERPART_STAFF,
        first_name="Ayesha",
        last_name="Khan",
    )

    user = User.objects.get(pk=user.pk)
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "ayesha",
        "ayesha@nacta.example",
        "Ayesha",
        "Khan",
    )
    assert user.check_password("pass-word-123")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert (user.membership.organisation, user.membership.role) == (nacta, Role.COUNTERPART_STAFF)


def test_user_create_with_role_gives_an_administrator_the_admin(db):
    user = user_create_with_role(
        username="it",
        email="it@unodc.example",
        password="pass-word-123",
        organisation=ImplementerFactory(),
        role=Role.ADMINISTRATOR,
    )

    user = User.objects.get(pk=user.pk)
    assert (user.is_staff, user.is_superuser) == (True, True)


def test_user_create_with_role_refuses_a_role_of_another_kind_and_creates_no_user(db):
    with pytest.raises(DomainError) as caught:
        user_create_with_role(
            username="viewer",
            email="viewer@example.org",
            password="pass-word-123",
            organisation=OrganisationFactory(),
            role=Role.DONOR_VIEWER,
        )

    assert_field_error(caught.value, "organisation", "role_needs_other_kind")
    assert not User.objects.filter(username="viewer").exists()
    assert not Membership.objects.exists()


def test_user_create_with_role_refuses_a_username_taken_in_any_case(db):
    UserFactory(username="Ayesha")

    with pytest.raises(DomainError) as caught:
        user_create_with_role(
            username="ayesha",
            email="other@example.org",
            password="pass-word-123",
            organisation=OrganisationFactory(),
            role=Role.COUNTERPART_STAFF,
        )

    assert_field_error(caught.value, "username", "duplicate_username")
    assert User.objects.count() == 1
    assert not Membership.objects.exists()


# --- The same rules in the admin (user page with its membership inline) -------


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def user_change_data(user, organisation: Organisation, role: str) -> dict:
    membership = user.membership
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "membership-TOTAL_FORMS": "1",
        "membership-INITIAL_FORMS": "1",
        "membership-MIN_NUM_FORMS": "1",
        "membership-MAX_NUM_FORMS": "1",
        "membership-0-id": membership.pk,
        "membership-0-user": user.pk,
        "membership-0-organisation": organisation.pk,
        "membership-0-role": role,
    }


def test_admin_user_page_refuses_a_role_in_an_organisation_of_another_kind(admin_client):
    user = user_with_role(Role.COUNTERPART_STAFF, username="ayesha")
    unodc = ImplementerFactory()

    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/change/",
        user_change_data(user, unodc, Role.DONOR_VIEWER),
    )

    assert response.status_code == 200
    [inline] = response.context["inline_admin_formsets"]
    assert inline.formset.errors == [
        {
            "organisation": [
                'The role "Donor viewer" needs a donor; UNODC is an implementing agency.'
            ]
        }
    ]
    assert Membership.objects.get(user=user).role == Role.COUNTERPART_STAFF


def test_admin_user_page_makes_a_new_administrator_staff(admin_client):
    user = user_with_role(Role.PROGRAMME_MANAGER, username="it2")

    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/change/",
        user_change_data(user, user.membership.organisation, Role.ADMINISTRATOR),
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.membership.role, user.is_staff, user.is_superuser) == (
        Role.ADMINISTRATOR,
        True,
        True,
    )


def test_admin_user_page_ignores_a_posted_superuser_flag(admin_client):
    user = user_with_role(Role.DONOR_VIEWER, username="viewer")
    data = {**user_change_data(user, user.membership.organisation, Role.DONOR_VIEWER)}
    data.update(is_staff="on", is_superuser="on")

    admin_client.post(f"/admin/auth/user/{user.pk}/change/", data)

    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)


def test_admin_adds_a_user_with_a_role(admin_client):
    nacta = OrganisationFactory(short_name="NACTA")

    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "ayesha",
            "usable_password": "true",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
            "membership-TOTAL_FORMS": "1",
            "membership-INITIAL_FORMS": "0",
            "membership-MIN_NUM_FORMS": "1",
            "membership-MAX_NUM_FORMS": "1",
            "membership-0-organisation": nacta.pk,
            "membership-0-role": Role.COUNTERPART_STAFF,
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="ayesha")
    assert (user.membership.organisation, user.membership.role, user.is_staff) == (
        nacta,
        Role.COUNTERPART_STAFF,
        False,
    )


def test_admin_membership_page_refuses_a_role_of_another_kind(admin_client):
    user = UserFactory()

    response = admin_client.post(
        "/admin/organisations/membership/add/",
        {
            "user": user.pk,
            "organisation": DonorFactory(short_name="JAPAN").pk,
            "role": "counterpart_staff",
        },
    )

    assert response.context["adminform"].form.errors == {
        "organisation": ['The role "Counterpart staff" needs a counterpart; JAPAN is a donor.']
    }
    assert not Membership.objects.filter(user=user).exists()


def test_admin_organisation_page_refuses_a_kind_its_members_need(admin_client):
    unodc = ImplementerFactory()
    user_with_role(Role.PROGRAMME_MANAGER, organisation=unodc)

    response = admin_client.post(
        f"/admin/organisations/organisation/{unodc.pk}/change/",
        {"name": unodc.name, "short_name": unodc.short_name, "kind": "donor", "iati_type": "40"},
    )

    assert response.context["adminform"].form.errors == {
        "kind": ["It has members in the role Programme manager, which needs another kind."]
    }
    assert Organisation.objects.get(pk=unodc.pk).kind == Kind.IMPLEMENTER


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/organisations/organisation/",
        "/admin/organisations/organisation/add/",
        "/admin/organisations/membership/",
        "/admin/organisations/membership/add/",
    ],
)
def test_every_organisations_admin_page_opens(admin_client, url):
    MembershipFactory()

    assert admin_client.get(url).status_code == 200


def test_user_change_list_query_count_is_the_same_for_one_and_five_users(
    admin_client, django_assert_num_queries
):
    def add_user(n: int) -> None:
        user_with_role(Role.COUNTERPART_STAFF, organisation=OrganisationFactory(), username=f"u{n}")

    add_user(0)
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get("/admin/auth/user/").status_code == 200
    for n in range(1, 5):
        add_user(n)

    with django_assert_num_queries(len(one.captured_queries)):
        response = admin_client.get("/admin/auth/user/")

    # The administrator plus five.
    assert response.context["cl"].result_count == 6


def test_admin_deletes_a_user_and_their_membership(admin_client):
    user = user_with_role(Role.DONOR_VIEWER, username="leaver")

    response = admin_client.post(f"/admin/auth/user/{user.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(username="leaver").exists()
    assert not Membership.objects.filter(user_id=user.pk).exists()
