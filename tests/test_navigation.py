"""Getting around: home tiles lead to the lists they count, the menu marks the section a
page belongs to, the favicon, the sign-in page's sentence, and plurals."""

import copy
import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from lxml import html

from organisations.models import Organisation, Role
from projects.models import Project
from reports.documents.formats import counted
from tests.conftest import built_per_module
from tests.factories import (
    ActivityFactory,
    AllocationFactory,
    DisbursementFactory,
    DonorFactory,
    EwgMeetingFactory,
    FundingAgreementFactory,
    OrganisationFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    ReceivedDisbursementFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from workplans.models import ProgressUpdate, WorkplanVersion

pytestmark = pytest.mark.django_db


def _build_world():
    """Two donors' money, an approved and a submitted workplan, progress in several
    states and two EWG meetings: every tile has something to count."""
    donor, other = DonorFactory(short_name="DNR"), DonorFactory(short_name="OTH")
    counterpart = OrganisationFactory(short_name="CTD-X", kind=Organisation.Kind.COUNTERPART)
    funded = ProjectFactory(status=Project.Status.IMPLEMENTATION)
    elsewhere = ProjectFactory(status=Project.Status.PIPELINE)
    ProjectFactory(status=Project.Status.IMPLEMENTATION)
    own = FundingAgreementFactory(donor=donor, amount=Decimal("1000000.00"))
    theirs = FundingAgreementFactory(donor=other, amount=Decimal("400000.00"))
    AllocationFactory(agreement=own, project=funded)
    AllocationFactory(agreement=theirs, project=elsewhere)
    ReceivedDisbursementFactory(agreement=own, planned_date=datetime.date(2022, 9, 1))
    DisbursementFactory(agreement=own, planned_date=datetime.date(2023, 3, 1))  # overdue
    DisbursementFactory(agreement=theirs, planned_date=datetime.date(2023, 6, 1))  # overdue

    sub_programme = SubProgrammeFactory()
    approved = WorkplanVersionFactory(
        workplan=WorkplanFactory(sub_programme=sub_programme),
        status=WorkplanVersion.Status.APPROVED,
    )
    WorkplanVersionFactory(
        workplan=WorkplanFactory(sub_programme=sub_programme),
        status=WorkplanVersion.Status.SUBMITTED,
    )
    reporter = user_with_role(Role.COUNTERPART_STAFF, organisation=counterpart)
    first = ActivityFactory(version=approved, lead_counterpart=counterpart, code="A1")
    second = ActivityFactory(version=approved, lead_counterpart=counterpart, code="A2")
    ActivityFactory(version=approved, code="A3")  # another counterpart's
    ProgressUpdateFactory(
        activity=first,
        quarter=1,
        author=reporter,
        state=ProgressUpdate.State.SUBMITTED,
        submitted_at=datetime.datetime(2022, 10, 5, tzinfo=datetime.UTC),
    )
    ProgressUpdateFactory(activity=first, quarter=2, author=reporter)  # a draft
    ProgressUpdateFactory(
        activity=second, quarter=1, author=reporter, state=ProgressUpdate.State.RETURNED
    )
    EwgMeetingFactory(sub_programme=sub_programme, date=datetime.date(2022, 7, 26))
    latest = EwgMeetingFactory(sub_programme=sub_programme, date=datetime.date(2023, 1, 24))
    return {
        "users": {
            Role.PROGRAMME_MANAGER: user_with_role(Role.PROGRAMME_MANAGER),
            Role.DONOR_VIEWER: user_with_role(Role.DONOR_VIEWER, organisation=donor),
            Role.EWG_SECRETARIAT: user_with_role(Role.EWG_SECRETARIAT),
            Role.COUNTERPART_STAFF: reporter,
            Role.ADMINISTRATOR: user_with_role(Role.ADMINISTRATOR),
        },
        "latest_meeting": latest,
    }


world_built = built_per_module(_build_world, name="world_built")


@pytest.fixture
def world(world_built, db):
    """_build_world's rows, built once per module (built_per_module)."""
    return copy.deepcopy(world_built)


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not on the page"
    return int(found.group(1))


def _count_on_page(url: str, page: str) -> int | str:
    """What the page at `url` shows of the thing its tile counts, read as a person would."""
    tree = html.fromstring(page)
    text = " ".join(tree.text_content().split())
    path = url.split("?")[0].split("#")[0]
    if path == reverse("projects:project-list"):
        return _number(r"(\d+) projects?(?: match|\.)", text)
    if path == reverse("donors:tranche-list"):
        return _number(r"(\d+) tranches?\.", text)
    if url.endswith("#agreements"):
        rows = tree.xpath("//table[@data-testid='table-agreements']/tbody/tr[not(td[@colspan])]")
        return len(rows)
    if path.startswith("/funding/agreements"):
        return _number(r"(\d+) agreements?", text)
    if path == reverse("workplans:workplan-list"):
        return len(tree.xpath("//table[@data-testid='workplan-table']/tbody/tr"))
    if path == reverse("workplans:review-list"):
        return _number(r"(\d+) updates? waiting", text)
    if path == reverse("workplans:meeting-list"):
        return len(tree.xpath("//table[@data-testid='meetings']/tbody/tr[not(td[@colspan])]"))
    if path.startswith("/workplans/meetings/"):
        return tree.xpath("string(//h1)")
    if path == reverse("workplans:my-activities"):
        return text
    if path.startswith("/admin/"):
        return _number(r"(\d+) (?:users?|organisations?)\b", text)
    raise AssertionError(f"No reader for {url}")


MONEY_TILES = {"Committed (USD)", "Received (USD)"}


@pytest.mark.parametrize(
    "role",
    [
        Role.PROGRAMME_MANAGER,
        Role.DONOR_VIEWER,
        Role.EWG_SECRETARIAT,
        Role.COUNTERPART_STAFF,
        Role.ADMINISTRATOR,
    ],
)
def test_every_home_tile_leads_to_the_list_it_counts(client, world, role):
    client.force_login(world["users"][role])
    home = client.get(reverse("home"))
    figures = home.context["figures"]

    assert figures
    assert [f.label for f in figures if not f.url] == []
    for figure in figures:
        assert f'href="{figure.url}"' in home.text
        response = client.get(figure.url)
        assert response.status_code == 200, (figure.label, figure.url)
        shown = _count_on_page(figure.url, response.text)
        if figure.label in MONEY_TILES:
            continue  # the sum's own list: the same agreements or the received tranches
        if figure.label == "Latest EWG meeting":
            assert figure.value == "24 Jan 2023"
            assert shown == "EWG meeting, 24 January 2023"  # the meeting's own page
        elif figure.label.startswith("Activities your organisation leads"):
            assert figure.value == 2
            assert {code for code in ("A1", "A2", "A3") if code in shown} == {"A1", "A2"}
        elif figure.label == "Progress updates in draft or returned":
            assert figure.value == 2
            assert "1 draft" in shown
            assert "1 returned" in shown
        else:
            assert shown == figure.value, (figure.label, figure.url)


def test_home_tiles_count_what_each_role_may_see(client, world):
    def figures(role):
        client.force_login(world["users"][role])
        return {f.label: f.value for f in client.get(reverse("home")).context["figures"]}

    manager = figures(Role.PROGRAMME_MANAGER)
    assert (manager["Funding agreements"], manager["Overdue tranches"]) == (2, 2)
    assert manager["Workplan versions awaiting EWG approval"] == 1
    assert manager["Progress updates awaiting verification"] == 1
    donor = figures(Role.DONOR_VIEWER)
    assert (donor["Projects you can see"], donor["Funding agreements"]) == (1, 1)
    assert donor["Overdue tranches"] == 1
    assert figures(Role.EWG_SECRETARIAT)["EWG meetings recorded"] == 2


@pytest.mark.parametrize("role", [Role.PROGRAMME_MANAGER, Role.EWG_SECRETARIAT])
def test_the_awaiting_approval_tile_counts_the_rows_of_the_filtered_workplan_list(
    client, world, role
):
    sub_programme = SubProgrammeFactory()
    for status in ("submitted", "draft", "returned", "approved"):
        WorkplanVersionFactory(workplan=WorkplanFactory(sub_programme=sub_programme), status=status)
    # A workplan whose approved v1 is being revised: v2 waits for the EWG.
    revised = WorkplanFactory(sub_programme=sub_programme)
    WorkplanVersionFactory(workplan=revised, number=1, status="approved")
    WorkplanVersionFactory(workplan=revised, number=2, status="submitted")
    client.force_login(world["users"][role])

    tile = next(
        f
        for f in client.get(reverse("home")).context["figures"]
        if f.label == "Workplan versions awaiting EWG approval"
    )
    page = client.get(tile.url)

    assert tile.url == "/workplans/?status=submitted"
    tree = html.fromstring(page.text)
    rows = tree.xpath("//table[@data-testid='workplan-table']/tbody/tr")
    assert tile.value == len(rows) == 3  # the world's one, the new one and the revision
    badges = [
        " ".join(a.text_content().split())
        for a in tree.xpath("//tbody//a[@href][contains(@class, 'badge')]")
    ]
    assert sorted(badges) == [
        "v1 Submitted for approval",
        "v1 Submitted for approval",
        "v2 Submitted for approval",
    ]
    said = " ".join(tree.xpath("string(//*[@data-testid='version-count'])").split())
    assert said == "3 versions with the status “Submitted for approval”."
    # The filter is a labelled select, showing what it filters by.
    assert tree.xpath("string(//label[@for='id_status'])") == "Version status"
    assert tree.xpath("//select[@id='id_status']/option[@selected]/@value") == ["submitted"]


def test_the_workplan_list_filters_versions_by_status_within_what_a_role_sees(client, world):
    sub_programme = SubProgrammeFactory()
    WorkplanVersionFactory(workplan=WorkplanFactory(sub_programme=sub_programme), status="draft")
    url = reverse("workplans:workplan-list")

    def badges(role, status):
        client.force_login(world["users"][role])
        tree = html.fromstring(client.get(url, {"status": status}).text)
        return [
            " ".join(a.text_content().split())
            for a in tree.xpath("//tbody//a[@href][contains(@class, 'badge')]")
        ]

    assert badges(Role.PROGRAMME_MANAGER, "draft") == ["v1 Draft"]
    assert badges(Role.PROGRAMME_MANAGER, "approved") == ["v1 Approved"]
    # Counterpart staff see decided versions only, filtered or not.
    assert badges(Role.COUNTERPART_STAFF, "submitted") == []
    assert badges(Role.COUNTERPART_STAFF, "approved") == ["v1 Approved"]


def test_an_unknown_status_is_an_error_on_the_select_and_lists_nothing(client, world):
    client.force_login(world["users"][Role.PROGRAMME_MANAGER])
    page = client.get(reverse("workplans:workplan-list"), {"status": "lost"})

    assert page.status_code == 200
    tree = html.fromstring(page.text)
    assert "lost is not one of the available choices" in tree.xpath(
        "string(//*[@id='id_status_errors'])"
    )
    assert tree.xpath("//table[@data-testid='workplan-table']") == []


@pytest.mark.parametrize(("versions", "said"), [(1, "1 version with"), (2, "2 versions with")])
def test_the_filtered_workplan_list_counts_versions_in_good_english(client, world, versions, said):
    sub_programme = SubProgrammeFactory()
    for _ in range(versions):
        WorkplanVersionFactory(
            workplan=WorkplanFactory(sub_programme=sub_programme), status="returned"
        )
    client.force_login(world["users"][Role.PROGRAMME_MANAGER])
    tree = html.fromstring(
        client.get(reverse("workplans:workplan-list"), {"status": "returned"}).text
    )
    assert " ".join(tree.xpath("string(//*[@data-testid='version-count'])").split()) == (
        f"{said} the status “Returned with comments”."
    )


def test_money_tiles_link_to_the_agreements_and_received_tranches(client, world):
    client.force_login(world["users"][Role.PROGRAMME_MANAGER])
    urls = {f.label: f.url for f in client.get(reverse("home")).context["figures"]}
    assert urls["Committed (USD)"] == urls["Funding agreements"]
    assert urls["Received (USD)"] == reverse("donors:tranche-list") + "?status=received"
    received = client.get(urls["Received (USD)"])
    assert _count_on_page(urls["Received (USD)"], received.text) == 1


# --- the menu marks the section ---------------------------------------------------------


def _active(response) -> list[str]:
    tree = html.fromstring(response.text)
    return [
        " ".join(a.text_content().split())
        for a in tree.xpath("//nav[@aria-label='Main']//a[contains(@class, 'nav-link')]")
        if "active" in a.get("class", "").split()
    ]


@pytest.mark.parametrize(
    ("role", "url", "section"),
    [
        (Role.PROGRAMME_MANAGER, "/", "Home"),
        (Role.PROGRAMME_MANAGER, "/projects/", "Projects"),
        (Role.PROGRAMME_MANAGER, "/projects/programmes/", "Projects"),
        (Role.PROGRAMME_MANAGER, "/projects/exchange-rates/", "Projects"),
        (Role.PROGRAMME_MANAGER, "/workplans/", "Workplans"),
        (Role.PROGRAMME_MANAGER, "/workplans/reviews/", "Review queue"),
        (Role.PROGRAMME_MANAGER, "/workplans/meetings/", "EWG meetings"),
        (Role.PROGRAMME_MANAGER, "/funding/", "Funding"),
        (Role.PROGRAMME_MANAGER, "/funding/agreements/", "Funding"),
        (Role.PROGRAMME_MANAGER, "/funding/tranches/", "Funding"),
        (Role.PROGRAMME_MANAGER, "/reports/", "Reports"),
        (Role.DONOR_VIEWER, "/funding/", "Funding"),
        (Role.DONOR_VIEWER, "/funding/tranches/?status=overdue", "Funding"),
        (Role.DONOR_VIEWER, "/reports/", "Reports"),
        (Role.COUNTERPART_STAFF, "/workplans/my-activities/", "My activities"),
        (Role.COUNTERPART_STAFF, "/workplans/", "Workplans"),
        (Role.EWG_SECRETARIAT, "/workplans/meetings/", "EWG meetings"),
    ],
)
def test_the_menu_marks_the_section_of_the_page(client, world, role, url, section):
    client.force_login(world["users"][role])
    response = client.get(url)
    assert response.status_code == 200
    assert _active(response) == [section]


def test_the_menu_marks_a_page_inside_a_section(client, world):
    client.force_login(world["users"][Role.PROGRAMME_MANAGER])
    project = Project.objects.first()
    version = WorkplanVersion.objects.filter(status="approved").get()
    meeting = world["latest_meeting"]
    for url, section in (
        (reverse("projects:project-detail", args=[project.code]), "Projects"),
        (reverse("workplans:version-detail", args=[version.pk]), "Workplans"),
        (reverse("workplans:meeting-detail", args=[meeting.pk]), "EWG meetings"),
    ):
        assert _active(client.get(url)) == [section], url


def test_the_funding_menu_opens_the_dashboard_for_every_role_with_money(client, world):
    for role in (Role.PROGRAMME_MANAGER, Role.DONOR_VIEWER):
        client.force_login(world["users"][role])
        items = {item.label: item.url for item in client.get("/").context["nav_items"]}
        assert items["Funding"] == reverse("donors:dashboard")


# --- favicon, sign-in page, plurals -----------------------------------------------------


def test_pages_link_the_favicon_and_favicon_ico_leads_to_it(client, db):
    page = client.get(reverse("login"))
    icon = html.fromstring(page.text).xpath("//link[@rel='icon']/@href")
    assert icon == ["/static/img/favicon.svg"]
    assert "<svg" in Path(finders.find("img/favicon.svg")).read_text(encoding="utf-8")

    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (302, "/static/img/favicon.svg")


def test_the_sign_in_page_says_in_one_sentence_what_the_portal_is(client, db):
    page = client.get(reverse("login"))
    purpose = html.fromstring(page.text).xpath("string(//*[@data-testid='portal-purpose'])")
    assert purpose.startswith("CT Portal is where donors, UNODC and Pakistan's")
    assert "counter-terrorism projects" in purpose
    assert purpose.endswith(".")
    assert purpose.count(".") == 1


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0 activities"), (1, "1 activity"), (2, "2 activities")]
)
def test_report_documents_count_in_the_right_number(count, text):
    assert counted(count, "activity", "activities") == text


def test_lists_say_one_thing_in_the_singular(client, world):
    client.force_login(world["users"][Role.PROGRAMME_MANAGER])
    page = client.get(reverse("projects:project-list"), {"status": Project.Status.PIPELINE})
    assert "1 project matches the filters." in " ".join(page.text.split())
    page = client.get(reverse("donors:tranche-list"), {"status": "received"})
    assert "1 tranche." in page.text


# --- make run says where it serves ------------------------------------------------------


def test_demo_logins_prints_the_address_it_is_given(capsys, db):
    call_command("demo_logins", address="http://127.0.0.1:8101")
    assert "Portal: http://127.0.0.1:8101/   Admin: http://127.0.0.1:8101/admin/" in (
        capsys.readouterr().out
    )
