"""Every page each role can open passes axe-core at 1366 and 390 px: no violation of
impact "serious" or "critical" (issue 10). One browser context per role walks its pages
over a small world (a project, an agreement in EUR with tranches, a workplan whose
version 1 is approved and version 2 drafted, an EWG meeting, a submitted progress update,
two reports); each page's screenshots at both widths are kept, one folder per role."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Kind
from alerts.services import Event, notify
from organisations.models import Organisation, Role
from organisations.tokens import api_token_create
from reports.models import Report
from tests.browser.person import assert_accessible, click_visible, fill_visible
from tests.factories import (
    AchievedValueFactory,
    ActivityFactory,
    ActivityTargetFactory,
    AllocationFactory,
    AttendanceFactory,
    BudgetLineFactory,
    DecisionFactory,
    DisbursementFactory,
    DonorFactory,
    EurAgreementFactory,
    EvidenceFileFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    IndicatorFactory,
    MeetingDocumentFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    ProgressTransitionFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    ProvinceFactory,
    ReceivedDisbursementFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    user_with_role,
)
from tests.workplans import approved_version
from workplans.models import ProgressUpdate
from workplans.services.versions import version_revise

pytestmark = pytest.mark.browser

ROLES = ["manager", "counterpart", "ewg", "donor", "administrator"]


@pytest.fixture
def world(transactional_db):
    eu = DonorFactory(short_name="EU", name="European Union")
    nacta = OrganisationFactory(
        short_name="NACTA",
        name="National Counter Terrorism Authority",
        kind=Organisation.Kind.COUNTERPART,
    )
    users = {
        "manager": user_with_role(Role.PROGRAMME_MANAGER, username="manager"),
        "counterpart": user_with_role(
            Role.COUNTERPART_STAFF, nacta, username="nacta", first_name="Sana", last_name="Malik"
        ),
        "ewg": user_with_role(Role.EWG_SECRETARIAT, username="ewg"),
        "donor": user_with_role(Role.DONOR_VIEWER, eu, username="donor_eu"),
        "administrator": user_with_role(Role.ADMINISTRATOR, username="admin"),
    }
    sindh = ProvinceFactory(code="PK-SD", name="Sindh")
    sp4 = SubProgrammeFactory()
    project = ProjectFactory(
        code="P7-GAC-CT", title="Criminal justice responses to terrorism", sub_programme=sp4
    )
    project.provinces.set([sindh])
    project.counterparts.set([nacta])
    BudgetLineFactory(project=project, year=2023, category="training")
    ExpenditureFactory(project=project, spent_on=datetime.date(2023, 5, 10))
    output = OutputFactory(
        outcome=OutcomeFactory(sub_programme=sp4, project=project, code="Oc1"), code="Op1.1"
    )
    indicator = IndicatorFactory(
        output=output,
        code="I1.1a",
        title="Officers trained",
        target=Decimal("300"),
        by_sex=True,
        by_province=True,
    )

    ExchangeRateFactory()
    agreement = EurAgreementFactory(donor=eu, reference="EU-ICSP-2023-01")
    AllocationFactory(agreement=agreement, project=project, amount=Decimal("600000.00"))
    ReceivedDisbursementFactory(
        agreement=agreement,
        planned_date=datetime.date(2023, 3, 1),
        planned_amount=Decimal("300000.00"),
        planned_usd_rate=Decimal("1.08"),
    )
    DisbursementFactory(
        agreement=agreement,
        planned_date=datetime.date(2023, 9, 1),
        planned_amount=Decimal("300000.00"),
        planned_usd_rate=Decimal("1.08"),
    )

    workplan = WorkplanFactory(sub_programme=sp4, code="WP-SP4-22-23")
    version = approved_version(workplan=workplan)
    meeting = version.decided_by_meeting
    AttendanceFactory(meeting=meeting, organisation=nacta)
    DecisionFactory(meeting=meeting, number=1, text="Workplan WP-SP4-22-23 is approved.")
    MeetingDocumentFactory(meeting=meeting)
    activity = ActivityFactory(
        version=version,
        code="A3",
        title="Basic terrorism investigation course for newly inducted inspectors",
        output=output,
        lead_counterpart=nacta,
        project=project,
    )
    activity.provinces.set([sindh])
    ActivityTargetFactory(activity=activity, indicator=indicator, quarter=2, value=Decimal("50"))
    draft = version_revise(workplan=workplan, user=users["manager"])

    update = ProgressUpdateFactory(
        activity=activity,
        quarter=2,
        state=ProgressUpdate.State.SUBMITTED,
        narrative="Two courses held in Karachi.",
        author=users["counterpart"],
        submitted_at=timezone.now(),
    )
    AchievedValueFactory(
        update=update, indicator=indicator, sex="female", province=sindh, value=Decimal("6")
    )
    EvidenceFileFactory(update=update)
    ProgressTransitionFactory(update=update)

    now = timezone.now()
    reports = {
        "disbursement": Report.objects.create(
            kind=Report.Kind.DISBURSEMENT,
            donor=eu,
            period_start=datetime.date(2023, 3, 1),
            period_end=datetime.date(2023, 3, 31),
            status=Report.Status.DONE,
            progress=100,
            requested_at=now,
            finished_at=now,
        ),
        "progress": Report.objects.create(
            kind=Report.Kind.PROGRESS,
            workplan=workplan,
            quarter=2,
            period_start=datetime.date(2022, 10, 1),
            period_end=datetime.date(2022, 12, 31),
            status=Report.Status.FAILED,
            failure_reason="The worker stopped; generate it again.",
            requested_at=now,
        ),
    }
    for user in users.values():
        api_token_create(user=user, name="Monthly export")
        notify(
            event=Event(
                kind=Kind.TRANCHE_DUE,
                subject="tranche:demo",
                dedupe_key="tranche_due:demo",
                title="Tranche due 01 Sep 2023: EU-ICSP-2023-01",
                body="The tranche of EUR 300,000.00 of EU-ICSP-2023-01 is planned.",
                url=reverse("home"),
                action="See the agreement's tranches",
            ),
            recipients=[user],
        )
    return {
        "users": users,
        "project": project,
        "agreement": agreement,
        "workplan": workplan,
        "version": version,
        "draft": draft,
        "activity": activity,
        "draft_activity": draft.activities.get(code="A3"),
        "meeting": meeting,
        "update": update,
        "reports": reports,
    }


def pages_for(role: str, w: dict) -> list[tuple[str, str]]:
    """(step, URL) of every page `role` can open in the world, in the order a person might."""
    project, workplan, version = w["project"], w["workplan"], w["version"]
    common = [
        ("home", reverse("home")),
        ("projects", reverse("projects:project-list")),
        ("projects-filtered", reverse("projects:project-list") + "?status=2"),
        ("project", reverse("projects:project-detail", args=[project.code])),
        ("programmes", reverse("projects:programme-list")),
        ("iati-export", reverse("reports:iati-export")),
        ("notifications", reverse("alerts:notification-list")),
        ("notification-preferences", reverse("alerts:notification-preferences")),
    ]
    workplans = [
        ("workplans", reverse("workplans:workplan-list")),
        ("workplan", reverse("workplans:workplan-detail", args=[workplan.pk])),
        ("version", reverse("workplans:version-detail", args=[version.pk])),
        ("activity", reverse("workplans:activity-detail", args=[w["activity"].pk])),
        ("compare", reverse("workplans:version-compare", args=[workplan.pk])),
    ]
    meetings = [
        ("meetings", reverse("workplans:meeting-list")),
        ("meeting", reverse("workplans:meeting-detail", args=[w["meeting"].pk])),
    ]
    funding = [
        ("funding", reverse("donors:dashboard")),
        ("funding-agreement", reverse("donors:agreement-detail", args=[w["agreement"].pk])),
        ("funding-project", reverse("donors:project-funding", args=[project.code])),
        ("tranches", reverse("donors:tranche-list")),
        ("expenditures", reverse("donors:expenditure-list")),
    ]
    reports = [("reports", reverse("reports:report-list"))]
    progress_report = reverse("reports:report-detail", args=[w["reports"]["progress"].pk])
    disbursement_report = reverse("reports:report-detail", args=[w["reports"]["disbursement"].pk])
    account = [
        ("tokens", reverse("account:token-list")),
        ("password-change", reverse("password_change")),
    ]
    draft_pages = [
        ("draft-version", reverse("workplans:version-detail", args=[w["draft"].pk])),
        ("draft-activity", reverse("workplans:activity-detail", args=[w["draft_activity"].pk])),
    ]
    if role == "manager":
        return (
            common
            + workplans
            + draft_pages
            + [
                ("workplan-new", reverse("workplans:workplan-create")),
                ("activity-new", reverse("workplans:activity-create", args=[w["draft"].pk])),
                (
                    "activity-edit",
                    reverse("workplans:activity-update", args=[w["draft_activity"].pk]),
                ),
                ("import", reverse("workplans:version-import", args=[w["draft"].pk])),
            ]
            + meetings
            + [("meeting-new", reverse("workplans:meeting-create"))]
            + [
                ("reviews", reverse("workplans:review-list")),
                ("review", reverse("workplans:review-detail", args=[w["update"].pk])),
            ]
            + funding
            + reports
            + [("report-disbursement", disbursement_report), ("report-progress", progress_report)]
            + account
        )
    if role == "counterpart":
        return (
            common
            + workplans
            + meetings
            + [
                ("my-activities", reverse("workplans:my-activities")),
                (
                    "progress-form",
                    reverse("workplans:progress-form", args=[w["activity"].pk, 3]),
                ),
                (
                    "progress-submitted",
                    reverse("workplans:progress-form", args=[w["activity"].pk, 2]),
                ),
            ]
            + reports
            + [("report-progress", progress_report)]
            + account
        )
    if role == "ewg":
        return (
            common
            + workplans
            + draft_pages
            + meetings
            + [("meeting-new", reverse("workplans:meeting-create"))]
            + reports
            + [("report-progress", progress_report)]
            + account
        )
    if role == "donor":
        return (
            common
            + [
                ("workplans", reverse("workplans:workplan-list")),
                ("version", reverse("workplans:version-detail", args=[version.pk])),
            ]
            + funding
            + reports
            + [("report-disbursement", disbursement_report), ("report-progress", progress_report)]
            + account
        )
    assert role == "administrator"
    return (
        common
        + workplans
        + draft_pages
        + meetings
        + funding
        + reports
        + [("report-disbursement", disbursement_report)]
        + account
    )


def _walk(page, steps: list[tuple[str, str]]) -> list[str]:
    """Open each page and run axe on it; every failure, not only the first."""
    failures = []
    for step, url in steps:
        response = page.goto(url)
        if response is None or response.status != 200:
            failures.append(f"{step} ({url}) answered {response and response.status}")
            continue
        try:
            assert_accessible(page, step)
        except AssertionError as error:
            failures.append(str(error))
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_opens_has_no_serious_accessibility_violation(
    browser, live_server, login, world, role
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login(page, world["users"][role])
        failures = _walk(page, pages_for(role, world))
    finally:
        context.close()
    assert not failures, "\n".join(failures)


def test_sign_in_password_reset_and_a_failed_sign_in_have_no_serious_violation(
    browser, live_server, world
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        failures = _walk(
            page,
            [
                ("sign-in", reverse("login")),
                ("password-reset", reverse("password_reset")),
                ("password-reset-sent", reverse("password_reset_done")),
            ],
        )
        page.goto(reverse("login"))
        fill_visible(page, "Username", "manager")
        fill_visible(page, "Password", "not-the-password")
        click_visible(page, "Sign in")
        try:
            assert_accessible(page, "sign-in-refused")
        except AssertionError as error:
            failures.append(str(error))
    finally:
        context.close()
    assert not failures, "\n".join(failures)
