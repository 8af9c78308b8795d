"""The menu is built from the access rules the pages ask: for every role, each section the
menu shows opens (200) and each section it hides is refused (403 or 404; anonymous users
are sent to sign in). A section added to the menu must be added to SECTIONS below."""

import pytest
from lxml import html

from organisations.models import Role
from tests.factories import (
    AllocationFactory,
    DonorFactory,
    EwgMeetingFactory,
    FundingAgreementFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db

# Every section the menu can offer, with the page its link opens.
SECTIONS = {
    "Home": "/",
    "Projects": "/projects/",
    "Workplans": "/workplans/",
    "My activities": "/workplans/my-activities/",
    "Review queue": "/workplans/reviews/",
    "EWG meetings": "/workplans/meetings/",
    "Funding": "/funding/",
    "Reports": "/reports/",
    "Notifications": "/notifications/",
    "Audit log": "/audit/",
    "Admin": "/admin/",
}

# What each role's menu offers, in menu order.
MENUS = {
    "manager": [
        "Home",
        "Projects",
        "Workplans",
        "Review queue",
        "EWG meetings",
        "Funding",
        "Reports",
        "Notifications",
    ],
    "ewg": ["Home", "Projects", "Workplans", "EWG meetings", "Reports", "Notifications"],
    "counterpart": [
        "Home",
        "Projects",
        "Workplans",
        "My activities",
        "EWG meetings",
        "Reports",
        "Notifications",
    ],
    # A donor viewer opens the workplans its money reaches.
    "donor": ["Home", "Projects", "Workplans", "Funding", "Reports", "Notifications"],
    # An administrator sees every workplan, meeting and funding figure.
    "administrator": [
        "Home",
        "Projects",
        "Workplans",
        "EWG meetings",
        "Funding",
        "Reports",
        "Notifications",
        "Audit log",
        "Admin",
    ],
    # Signed in, no role yet: the lists open, with nothing in them.
    "no role": ["Home", "Projects", "Workplans", "Reports", "Notifications"],
}


@pytest.fixture
def users():
    """One user per role, in a programme with something in each section."""
    donor = DonorFactory(short_name="JP")
    counterpart = OrganisationFactory(short_name="NACTA", kind="counterpart")
    project = ProjectFactory(code="P-1")
    project.counterparts.add(counterpart)
    AllocationFactory(agreement=FundingAgreementFactory(donor=donor), project=project)
    workplan = WorkplanFactory(sub_programme=project.sub_programme)
    WorkplanVersionFactory(workplan=workplan, status="approved")
    EwgMeetingFactory(sub_programme=project.sub_programme)
    return {
        "manager": user_with_role(Role.PROGRAMME_MANAGER),
        "ewg": user_with_role(Role.EWG_SECRETARIAT),
        "counterpart": user_with_role(Role.COUNTERPART_STAFF, organisation=counterpart),
        "donor": user_with_role(Role.DONOR_VIEWER, organisation=donor),
        "administrator": user_with_role(Role.ADMINISTRATOR),
        "no role": UserFactory(),
    }


def menu_of(page) -> list[tuple[str, str]]:
    """The menu's links as a person reads them: (label, address), in order."""
    tree = html.fromstring(page.content)
    return [
        (" ".join(link.text_content().split()), link.get("href"))
        for link in tree.xpath("//nav[@aria-label='Main']//a[contains(@class, 'nav-link')]")
    ]


@pytest.mark.parametrize("role", list(MENUS))
def test_each_section_the_menu_shows_opens_and_each_it_hides_is_refused(client, users, role):
    client.force_login(users[role])
    home = client.get("/")
    assert home.status_code == 200

    menu = menu_of(home)

    assert [label for label, _ in menu] == MENUS[role]
    assert all(address == SECTIONS[label] for label, address in menu)
    for label, address in SECTIONS.items():
        response = client.get(address)
        if label in MENUS[role]:
            assert response.status_code == 200, (role, label)
        elif label == "Admin":
            # Django's admin refuses a signed-in user who is not staff with its own sign-in.
            assert (response.status_code, response["Location"]) == (
                302,
                "/admin/login/?next=/admin/",
            ), role
        else:
            assert response.status_code in (403, 404), (role, label, response.status_code)


def test_without_signing_in_there_is_no_menu_and_every_section_asks_to_sign_in(client, users):
    page = client.get("/accounts/login/")

    assert page.status_code == 200
    assert menu_of(page) == []
    for label, address in SECTIONS.items():
        response = client.get(address)
        sign_in = "/admin/login/" if label == "Admin" else "/accounts/login/"
        assert (response.status_code, response["Location"]) == (
            302,
            f"{sign_in}?next={address}",
        ), label
