"""Project and results-framework pages for programme managers, through the test client:
what a manager saves lands exactly as typed; what a service refuses shows on its field in
the page and writes nothing; the project list sorts by its columns."""

import copy
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Organisation, Role
from projects.models import Indicator, Outcome, Output, Project
from tests.conftest import built_per_module
from tests.factories import (
    ActivityFactory,
    AllocationFactory,
    DonorFactory,
    FundingAgreementFactory,
    IndicatorFactory,
    NapAreaFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    ProvinceFactory,
    SubProgrammeFactory,
    user_with_role,
)
from tests.projects.manage_views_support import errors_of


def _build_world():
    sp4 = SubProgrammeFactory(code="SP-IV")
    return {
        "sp4": sp4,
        "sp1": SubProgrammeFactory(code="SP-I", title="Illicit trafficking"),
        "punjab": ProvinceFactory(code="PK-PB", name="Punjab"),
        "sindh": ProvinceFactory(code="PK-SD", name="Sindh"),
        "nacta": OrganisationFactory(short_name="NACTA", name="National CT Authority"),
        "ctd": OrganisationFactory(short_name="CTD-PB", name="CTD Punjab"),
        "nap3": NapAreaFactory(version="2014", number=3, title="Militant outfits"),
        # 1 Jul 2022 - 30 Jun 2025
        "project": ProjectFactory(code="P1", title="Prosecutors", sub_programme=sp4),
    }


world_built = built_per_module(_build_world, name="world_built")


@pytest.fixture
def world(world_built, db):
    """_build_world's rows, built once per module (built_per_module)."""
    return copy.deepcopy(world_built)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


# --- The project list and page ----------------------------------------------------------


def test_project_list_sorts_by_a_column_and_marks_it_with_aria_sort(world, manager_client):
    ProjectFactory(code="P2", title="Airports", sub_programme=world["sp1"])
    ProjectFactory(code="P3", title="Border posts", sub_programme=world["sp4"])

    response = manager_client.get(reverse("projects:project-list") + "?sort=-title")

    assert [p.code for p in response.context["projects"]] == ["P1", "P3", "P2"]
    html = response.content.decode()
    title = r'<th scope="col" aria-sort="descending"><a class="sort-link" href="\?sort=title"'
    assert re.search(title + r"[^>]*>Title", html)
    # ARIA marks one header at a time: the others carry no aria-sort.
    assert re.search(r'<th scope="col"><a class="sort-link" href="\?sort=code"[^>]*>Code', html)
    assert html.count("aria-sort=") == 1
    # The Sort by select shows the same order (the header row is hidden on a phone).
    assert '<option value="-title" selected>Title, descending</option>' in html


def test_project_list_sort_keeps_the_search(world, manager_client):
    ProjectFactory(code="P2", title="Prosecution support")
    ProjectFactory(code="P3", title="Border posts")

    response = manager_client.get(reverse("projects:project-list") + "?q=pros&sort=-code")

    assert [p.code for p in response.context["projects"]] == ["P2", "P1"]
    assert 'href="?q=pros&amp;sort=code"' in response.content.decode()


def test_an_unknown_sort_falls_back_to_the_code(world, manager_client):
    ProjectFactory(code="P0")

    response = manager_client.get(reverse("projects:project-list") + "?sort=provinces")

    assert [p.code for p in response.context["projects"]] == ["P0", "P1"]


def test_project_list_query_count_does_not_grow_when_sorted(world, manager_client):
    def count(n):
        Project.objects.exclude(code="P1").delete()
        for _ in range(n - 1):
            project = ProjectFactory(sub_programme=world["sp1"])
            project.provinces.set([world["punjab"], world["sindh"]])
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(reverse("projects:project-list") + "?sort=-status")
        assert len(response.context["projects"]) == n
        return len(queries)

    assert count(1) == count(5)


def test_managers_get_the_new_project_button_and_exchange_rates_link(world, client, manager):
    donor = DonorFactory()
    AllocationFactory(agreement=FundingAgreementFactory(donor=donor), project=world["project"])
    url = reverse("projects:project-list")

    client.force_login(manager)
    html = client.get(url).content.decode()
    assert 'href="/projects/new/">New project</a>' in html
    assert 'href="/projects/exchange-rates/">Exchange rates</a>' in html

    client.force_login(user_with_role(Role.DONOR_VIEWER, organisation=donor))
    html = client.get(url).content.decode()
    assert "New project" not in html
    assert "Exchange rates" not in html


@pytest.mark.parametrize("role", [Role.DONOR_VIEWER, Role.COUNTERPART_STAFF, Role.EWG_SECRETARIAT])
def test_only_managers_see_management_links_on_the_project_page(world, client, manager, role):
    organisation = None
    if role == Role.DONOR_VIEWER:
        organisation = DonorFactory()
        AllocationFactory(
            agreement=FundingAgreementFactory(donor=organisation), project=world["project"]
        )
    elif role == Role.COUNTERPART_STAFF:
        organisation = world["nacta"]
        world["project"].counterparts.add(organisation)
    url = reverse("projects:project-detail", args=["P1"])

    client.force_login(manager)
    html = client.get(url).content.decode()
    for link in (
        'href="/projects/P1/edit/">Edit project',
        'href="/projects/P1/results/">Results framework',
        'href="/projects/P1/budget/">Budget',
        'href="/projects/P1/expenditures/">Expenditures',
        'href="/projects/expenditures/import/?project=P1">Import expenditures',
    ):
        assert link in html

    client.force_login(user_with_role(role, organisation=organisation))
    response = client.get(url)
    assert response.status_code == 200
    assert 'data-testid="manage-links"' not in response.content.decode()
    assert "/projects/P1/edit/" not in response.content.decode()


# --- Results framework ----------------------------------------------------------------------


def test_manager_builds_a_results_framework_outcome_output_indicator(world, manager_client):
    project = world["project"]

    response = manager_client.post(
        reverse("projects:outcome-create", args=["P1"]),
        {"code": "Oc1", "title": "Stronger prosecution", "scope": "project"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/projects/P1/results/"
    outcome = Outcome.objects.get()
    assert (outcome.code, outcome.project, outcome.sub_programme) == ("Oc1", project, world["sp4"])

    manager_client.post(
        reverse("projects:output-create", args=["P1", outcome.pk]),
        {"code": "Op1.1", "title": "Prosecutors trained"},
    )
    output = Output.objects.get()
    assert (output.outcome, output.code) == (outcome, "Op1.1")

    manager_client.post(
        reverse("projects:indicator-create", args=["P1", output.pk]),
        {
            "code": "I1.1a",
            "title": "Prosecutors trained on CT law",
            "unit": "persons",
            "baseline": "10",
            "target": "250.5",
            "by_sex": "on",
        },
    )
    indicator = Indicator.objects.get()
    assert (
        indicator.output,
        indicator.unit,
        indicator.baseline,
        indicator.target,
        indicator.by_sex,
        indicator.by_province,
    ) == (output, "persons", Decimal("10.00"), Decimal("250.50"), True, False)

    page = manager_client.get(reverse("projects:results", args=["P1"])).content.decode()
    assert "Stronger prosecution" in page
    assert "Prosecutors trained on CT law" in page
    assert f'href="/projects/P1/results/indicators/{indicator.pk}/edit/"' in page


def test_an_outcome_for_the_whole_sub_programme_has_no_project(world, manager_client):
    manager_client.post(
        reverse("projects:outcome-create", args=["P1"]),
        {"code": "Oc9", "title": "Shared", "scope": "sub_programme"},
    )

    outcome = Outcome.objects.get()
    assert (outcome.project, outcome.sub_programme) == (None, world["sp4"])


def test_indicator_edit_refuses_a_target_below_the_baseline_and_keeps_the_old_values(
    world, manager_client
):
    outcome = OutcomeFactory(sub_programme=world["sp4"], project=world["project"])
    indicator = IndicatorFactory(output=OutputFactory(outcome=outcome), target=Decimal("100"))

    response = manager_client.post(
        reverse("projects:indicator-update", args=["P1", indicator.pk]),
        {"code": indicator.code, "title": "T", "unit": "persons", "baseline": "50", "target": "40"},
    )

    assert response.status_code == 400
    assert errors_of(response, "id_target") == "The target must be above the baseline (50)."
    indicator.refresh_from_db()
    assert (indicator.baseline, indicator.target, indicator.title) == (
        Decimal("0.00"),
        Decimal("100.00"),
        indicator.title,
    )


def test_output_code_must_be_unique_within_its_outcome(world, manager_client):
    outcome = OutcomeFactory(sub_programme=world["sp4"], project=world["project"], code="Oc1")
    OutputFactory(outcome=outcome, code="Op1")
    second = OutputFactory(outcome=outcome, code="Op2", title="Second")

    response = manager_client.post(
        reverse("projects:output-update", args=["P1", second.pk]),
        {"code": "Op1", "title": "Renamed"},
    )

    assert response.status_code == 400
    assert errors_of(response, "id_code") == "Outcome Oc1 already has an output Op1."
    second.refresh_from_db()
    assert (second.code, second.title) == ("Op2", "Second")


def test_deleting_an_output_asks_first_then_removes_it_with_its_indicators(world, manager_client):
    outcome = OutcomeFactory(sub_programme=world["sp4"], project=world["project"])
    output = OutputFactory(outcome=outcome, code="Op7")
    IndicatorFactory(output=output)
    url = reverse("projects:output-delete", args=["P1", output.pk])

    confirm = manager_client.get(url)
    assert confirm.status_code == 200
    assert "Delete output Op7?" in confirm.content.decode()
    assert Output.objects.filter(pk=output.pk).exists()

    response = manager_client.post(url)
    assert response.status_code == 302
    assert not Output.objects.filter(pk=output.pk).exists()
    assert not Indicator.objects.exists()


def test_deleting_an_output_used_by_a_workplan_is_refused_with_the_reason(world, manager_client):
    outcome = OutcomeFactory(sub_programme=world["sp4"], project=world["project"])
    output = OutputFactory(outcome=outcome, code="Op7")
    ActivityFactory(output=output)

    response = manager_client.post(reverse("projects:output-delete", args=["P1", output.pk]))

    assert response.status_code == 400
    assert "Output Op7 cannot be deleted: workplans refer to it (1 activity)." in (
        response.content.decode()
    )
    assert Output.objects.filter(pk=output.pk).exists()


def test_framework_items_of_another_sub_programme_are_not_found(world, manager_client):
    foreign = OutcomeFactory(sub_programme=world["sp1"])
    other_project_outcome = OutcomeFactory(
        sub_programme=world["sp4"], project=ProjectFactory(sub_programme=world["sp4"])
    )

    for outcome in (foreign, other_project_outcome):
        url = reverse("projects:outcome-update", args=["P1", outcome.pk])
        assert manager_client.get(url).status_code == 404
        assert (
            manager_client.post(url, {"code": "X", "title": "X", "scope": "project"}).status_code
            == 404
        )
    assert Outcome.objects.get(pk=foreign.pk).code != "X"


def test_results_framework_page_query_count_does_not_grow(world, manager_client):
    def count(n):
        Outcome.objects.all().delete()
        for _ in range(n):
            outcome = OutcomeFactory(sub_programme=world["sp4"], project=world["project"])
            IndicatorFactory(output=OutputFactory(outcome=outcome))
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(reverse("projects:results", args=["P1"]))
        assert response.status_code == 200
        assert len(response.context["outcomes"]) == n
        return len(queries)

    assert count(1) == count(5)


def test_counterpart_organisations_only_are_offered_as_counterparts(world, manager_client):
    DonorFactory(short_name="JAPAN")

    response = manager_client.get(reverse("projects:project-create"))

    offered = [o.short_name for o in response.context["form"].fields["counterparts"].queryset]
    assert offered == sorted(
        Organisation.objects.filter(kind=Organisation.Kind.COUNTERPART).values_list(
            "short_name", flat=True
        )
    )
    assert "JAPAN" not in offered
