"""What each role sees: the apps' visibility selectors (projects.selectors.
project_list_visible_to, donors.selectors.agreements_visible_to, workplans.selectors.
versions_visible_to), with exact sets.

The programme: Japan (donor A) funds PRJ-JP twice over and PRJ-BOTH; the EU (donor B)
funds PRJ-EU and PRJ-BOTH; PRJ-NONE has no donor yet. Counterparts: CTD Punjab on
PRJ-JP and PRJ-BOTH, NACTA on PRJ-EU and PRJ-BOTH.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from donors.models import FundingAgreement
from donors.selectors import agreements_visible_to as visible_agreements
from organisations.models import Role
from projects.models import Project
from projects.selectors import project_list_visible_to as visible_projects
from tests.factories import (
    AllocationFactory,
    DonorFactory,
    FundingAgreementFactory,
    OrganisationFactory,
    ProjectFactory,
    SubProgrammeFactory,
    UserFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from workplans.models import WorkplanVersion
from workplans.selectors import versions_visible_to as visible_workplan_versions

ALL_PROJECTS = ["PRJ-BOTH", "PRJ-EU", "PRJ-JP", "PRJ-NONE"]
ALL_AGREEMENTS = ["EU-1", "JP-1", "JP-2"]
ALL_VERSIONS = ["WP-I v1", "WP-I v2", "WP-II v1", "WP-IV v1", "WP-IV v2", "WP-IV v3"]
DECIDED_VERSIONS = ["WP-I v1", "WP-II v1", "WP-IV v1", "WP-IV v2"]


@pytest.fixture
def programme(db):
    japan = DonorFactory(name="Government of Japan", short_name="JAPAN")
    eu = DonorFactory(name="European Union", short_name="EU")
    nacta = OrganisationFactory(short_name="NACTA")
    ctd_punjab = OrganisationFactory(short_name="CTD-PB")
    sp4 = SubProgrammeFactory(code="SP-IV")
    sp1 = SubProgrammeFactory(code="SP-I")
    sp2 = SubProgrammeFactory(code="SP-II")

    prj_jp = ProjectFactory(code="PRJ-JP", sub_programme=sp4)
    prj_eu = ProjectFactory(code="PRJ-EU", sub_programme=sp1)
    prj_both = ProjectFactory(code="PRJ-BOTH", sub_programme=sp4)
    ProjectFactory(code="PRJ-NONE", sub_programme=sp2)
    prj_jp.counterparts.set([ctd_punjab])
    prj_eu.counterparts.set([nacta])
    prj_both.counterparts.set([nacta, ctd_punjab])

    jp_1 = FundingAgreementFactory(donor=japan, reference="JP-1")
    jp_2 = FundingAgreementFactory(donor=japan, reference="JP-2")
    eu_1 = FundingAgreementFactory(donor=eu, reference="EU-1", currency="EUR")
    AllocationFactory(agreement=jp_1, project=prj_jp)
    AllocationFactory(agreement=jp_2, project=prj_jp)
    AllocationFactory(agreement=jp_1, project=prj_both)
    AllocationFactory(agreement=eu_1, project=prj_eu)
    AllocationFactory(agreement=eu_1, project=prj_both)

    status = WorkplanVersion.Status
    for sub_programme, code, statuses in [
        (sp4, "WP-IV", [status.SUPERSEDED, status.APPROVED, status.DRAFT]),
        (sp1, "WP-I", [status.APPROVED, status.SUBMITTED]),
        # Nobody's money reaches SP-II yet.
        (sp2, "WP-II", [status.APPROVED]),
    ]:
        workplan = WorkplanFactory(sub_programme=sub_programme, code=code)
        for number, version_status in enumerate(statuses, start=1):
            WorkplanVersionFactory(workplan=workplan, number=number, status=version_status)

    return SimpleNamespace(japan=japan, eu=eu, nacta=nacta, ctd_punjab=ctd_punjab)


def make_user(case: str, programme: SimpleNamespace):
    match case:
        case "programme_manager":
            return user_with_role(Role.PROGRAMME_MANAGER)
        case "ewg_secretariat_unodc":
            return user_with_role(Role.EWG_SECRETARIAT)
        case "ewg_secretariat_nacta":
            return user_with_role(Role.EWG_SECRETARIAT, organisation=programme.nacta)
        case "administrator":
            return user_with_role(Role.ADMINISTRATOR)
        case "superuser_without_membership":
            return UserFactory(is_superuser=True, is_staff=True)
        case "counterpart_ctd_punjab":
            return user_with_role(Role.COUNTERPART_STAFF, organisation=programme.ctd_punjab)
        case "counterpart_nacta":
            return user_with_role(Role.COUNTERPART_STAFF, organisation=programme.nacta)
        case "donor_viewer_japan":
            return user_with_role(Role.DONOR_VIEWER, organisation=programme.japan)
        case "donor_viewer_eu":
            return user_with_role(Role.DONOR_VIEWER, organisation=programme.eu)
        case "user_without_membership":
            return UserFactory()
        case "staff_without_membership":
            return UserFactory(is_staff=True)
        case "anonymous":
            return AnonymousUser()
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "projects", "agreements", "versions"),
    [
        ("programme_manager", ALL_PROJECTS, ALL_AGREEMENTS, ALL_VERSIONS),
        # The secretariat sees the whole programme but not agreement-level money.
        ("ewg_secretariat_unodc", ALL_PROJECTS, [], ALL_VERSIONS),
        ("ewg_secretariat_nacta", ALL_PROJECTS, [], ALL_VERSIONS),
        ("administrator", ALL_PROJECTS, ALL_AGREEMENTS, ALL_VERSIONS),
        ("superuser_without_membership", ALL_PROJECTS, ALL_AGREEMENTS, ALL_VERSIONS),
        ("counterpart_ctd_punjab", ["PRJ-BOTH", "PRJ-JP"], [], DECIDED_VERSIONS),
        ("counterpart_nacta", ["PRJ-BOTH", "PRJ-EU"], [], DECIDED_VERSIONS),
        ("donor_viewer_japan", ["PRJ-BOTH", "PRJ-JP"], ["JP-1", "JP-2"], ["WP-IV v1", "WP-IV v2"]),
        (
            "donor_viewer_eu",
            ["PRJ-BOTH", "PRJ-EU"],
            ["EU-1"],
            ["WP-I v1", "WP-IV v1", "WP-IV v2"],
        ),
        ("user_without_membership", [], [], []),
        ("staff_without_membership", [], [], []),
        ("anonymous", [], [], []),
    ],
)
def test_each_role_sees_exactly_its_projects_agreements_and_workplan_versions(
    programme, case, projects, agreements, versions
):
    user = make_user(case, programme)

    seen_projects = visible_projects(user, Project.objects.all())
    seen_agreements = visible_agreements(user, FundingAgreement.objects.all())
    seen_versions = visible_workplan_versions(user, WorkplanVersion.objects.all())

    # Lists, not sets: a project reached through two allocations appears once.
    assert sorted(seen_projects.values_list("code", flat=True)) == projects
    assert sorted(seen_agreements.values_list("reference", flat=True)) == agreements
    assert (
        sorted(
            f"{code} v{number}"
            for code, number in seen_versions.values_list("workplan__code", "number")
        )
        == versions
    )


def test_a_donor_viewer_never_sees_another_donors_agreement_on_a_project_both_fund(programme):
    japan_viewer = user_with_role(Role.DONOR_VIEWER, organisation=programme.japan)
    both = Project.objects.get(code="PRJ-BOTH")

    agreements = visible_agreements(
        japan_viewer, FundingAgreement.objects.filter(allocations__project=both)
    )

    assert visible_projects(japan_viewer, Project.objects.filter(pk=both.pk)).get() == both
    assert list(agreements.values_list("reference", flat=True)) == ["JP-1"]
    assert not visible_agreements(
        japan_viewer, FundingAgreement.objects.filter(donor=programme.eu)
    ).exists()
