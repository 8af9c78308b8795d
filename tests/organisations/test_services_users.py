import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ctportal.exceptions import DomainError
from organisations.models import Membership, Organisation, Role
from organisations.services import (
    user_create_with_role,
)
from tests.factories import (
    DonorFactory,
    ImplementerFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    user_with_role,
)
from tests.organisations.services_support import Kind, assert_field_error

User = get_user_model()


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
