"""The role x page matrix of the project management pages: only programme managers reach
them; a project (or anything under it) a user may not see is a 404, one they may see but
not change a 403; anonymous users are sent to sign in. Every forbidden POST carries valid
data, and writes nothing."""

import copy
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from organisations.models import Role
from projects.models import (
    BudgetLine,
    ExchangeRate,
    Expenditure,
    Indicator,
    Outcome,
    Output,
    Project,
)
from tests.conftest import built_per_module
from tests.factories import (
    AllocationFactory,
    BudgetLineFactory,
    DonorFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    FundingAgreementFactory,
    IndicatorFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    SubProgrammeFactory,
    user_with_role,
)

ROLES = [
    "anonymous",
    "manager",
    "ewg",
    "counterpart",
    "other_counterpart",
    "donor",
    "other_donor",
    "administrator",
]
# Pages of project P1, which the counterpart (a P1 counterpart) and the donor (funding P1)
# may see, but the other counterpart and the other donor may not.
#                   anon mgr  ewg  cp   cp2  donor d2   admin
PROJECT_PAGE = (302, 200, 403, 403, 404, 403, 404, 403)
# Pages of no project: managers only.
PROGRAMME_PAGE = (302, 200, 403, 403, 403, 403, 403, 403)


def _build_world():
    sp = SubProgrammeFactory()
    lead = OrganisationFactory(short_name="NACTA")
    donor = DonorFactory(short_name="Japan")
    project = ProjectFactory(code="P1", sub_programme=sp)  # 1 Jul 2022 - 30 Jun 2025
    project.counterparts.add(lead)
    AllocationFactory(agreement=FundingAgreementFactory(donor=donor), project=project)
    outcome = OutcomeFactory(sub_programme=sp, project=project, code="Oc1")
    output = OutputFactory(outcome=outcome, code="Op1")
    indicator = IndicatorFactory(output=output, code="I1")
    line = BudgetLineFactory(project=project, category="training", year=2023)
    expenditure = ExpenditureFactory(project=project)
    rate = ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 1, 1))
    users = {
        "anonymous": None,
        "manager": user_with_role(Role.PROGRAMME_MANAGER),
        "ewg": user_with_role(Role.EWG_SECRETARIAT),
        "counterpart": user_with_role(Role.COUNTERPART_STAFF, organisation=lead),
        "other_counterpart": user_with_role(Role.COUNTERPART_STAFF),
        "donor": user_with_role(Role.DONOR_VIEWER, organisation=donor),
        "other_donor": user_with_role(Role.DONOR_VIEWER),
        "administrator": user_with_role(Role.ADMINISTRATOR),
    }
    return {
        "users": users,
        "sp": sp,
        "project": project,
        "outcome": outcome,
        "output": output,
        "indicator": indicator,
        "line": line,
        "expenditure": expenditure,
        "rate": rate,
    }


world_built = built_per_module(_build_world, name="world_built")


@pytest.fixture
def world(world_built, db):
    """_build_world's rows, built once per module (built_per_module)."""
    return copy.deepcopy(world_built)


def pages(w) -> dict[str, tuple[str, tuple[int, ...]]]:
    p, oc, op, ind = "/projects/P1", w["outcome"].pk, w["output"].pk, w["indicator"].pk
    exp, rate = w["expenditure"].pk, w["rate"].pk
    return {
        "new project": ("/projects/new/", PROGRAMME_PAGE),
        "edit project": (f"{p}/edit/", PROJECT_PAGE),
        "results framework": (f"{p}/results/", PROJECT_PAGE),
        "add outcome": (f"{p}/results/outcomes/new/", PROJECT_PAGE),
        "edit outcome": (f"{p}/results/outcomes/{oc}/edit/", PROJECT_PAGE),
        "delete outcome": (f"{p}/results/outcomes/{oc}/delete/", PROJECT_PAGE),
        "add output": (f"{p}/results/outcomes/{oc}/outputs/new/", PROJECT_PAGE),
        "edit output": (f"{p}/results/outputs/{op}/edit/", PROJECT_PAGE),
        "delete output": (f"{p}/results/outputs/{op}/delete/", PROJECT_PAGE),
        "add indicator": (f"{p}/results/outputs/{op}/indicators/new/", PROJECT_PAGE),
        "edit indicator": (f"{p}/results/indicators/{ind}/edit/", PROJECT_PAGE),
        "delete indicator": (f"{p}/results/indicators/{ind}/delete/", PROJECT_PAGE),
        "budget": (f"{p}/budget/", PROJECT_PAGE),
        "expenditures": (f"{p}/expenditures/", PROJECT_PAGE),
        "record expenditure": (f"{p}/expenditures/new/", PROJECT_PAGE),
        "edit expenditure": (f"{p}/expenditures/{exp}/edit/", PROJECT_PAGE),
        "delete expenditure": (f"{p}/expenditures/{exp}/delete/", PROJECT_PAGE),
        "import expenditures": ("/projects/expenditures/import/", PROGRAMME_PAGE),
        "expenditure template": ("/projects/expenditures/template.xlsx", PROGRAMME_PAGE),
        "exchange rates": ("/projects/exchange-rates/", PROGRAMME_PAGE),
        "add rate": ("/projects/exchange-rates/new/", PROGRAMME_PAGE),
        "correct rate": (f"/projects/exchange-rates/{rate}/edit/", PROGRAMME_PAGE),
        "import rates": ("/projects/exchange-rates/import/", PROGRAMME_PAGE),
        "rate template": ("/projects/exchange-rates/template.xlsx", PROGRAMME_PAGE),
    }


def xlsx(headers, *rows) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("upload.xlsx", buffer.getvalue())


def valid_posts(w) -> dict[str, dict]:
    """A POST for each page that writes, with data a manager's request would save."""
    project_fields = {
        "code": "P1",
        "title": "Changed",
        "sub_programme": w["sp"].pk,
        "start_date": "2022-07-01",
        "end_date": "2025-06-30",
        "status": "2",
    }
    line = w["line"]
    return {
        "new project": lambda: {**project_fields, "code": "P2"},
        "edit project": lambda: project_fields,
        "add outcome": lambda: {"code": "Oc2", "title": "New", "scope": "project"},
        "edit outcome": lambda: {"code": "Oc9", "title": "Changed", "scope": "project"},
        "delete outcome": lambda: {},
        "add output": lambda: {"code": "Op2", "title": "New"},
        "edit output": lambda: {"code": "Op9", "title": "Changed"},
        "delete output": lambda: {},
        "add indicator": lambda: {"code": "I2", "title": "N", "unit": "persons", "target": "5"},
        "edit indicator": lambda: {
            "code": "I9",
            "title": "C",
            "unit": "persons",
            "baseline": "0",
            "target": "7",
        },
        "delete indicator": lambda: {},
        "budget": lambda: {
            "budget-TOTAL_FORMS": "2",
            "budget-INITIAL_FORMS": "1",
            "budget-MIN_NUM_FORMS": "0",
            "budget-MAX_NUM_FORMS": "200",
            "budget-0-line": line.pk,
            "budget-0-category": "training",
            "budget-0-year": "2023",
            "budget-0-amount": "1",
            "budget-0-currency": "USD",
            "budget-0-DELETE": "on",
            "budget-1-category": "travel",
            "budget-1-year": "2024",
            "budget-1-amount": "5",
            "budget-1-currency": "USD",
            "reason": "Matrix",
        },
        "record expenditure": lambda: {
            "project": w["project"].pk,
            "category": "travel",
            "spent_on": "2023-02-01",
            "amount": "5",
            "currency": "USD",
        },
        "edit expenditure": lambda: {
            "project": w["project"].pk,
            "category": "travel",
            "spent_on": "2023-02-01",
            "amount": "5",
            "currency": "USD",
            "reason": "Matrix",
        },
        "delete expenditure": lambda: {"reason": "Matrix"},
        "import expenditures": lambda: {
            "file": xlsx(
                ["Project code", "Category", "Date", "Amount", "Currency"],
                ["P1", "travel", datetime.date(2023, 2, 1), 5, "USD"],
            )
        },
        "add rate": lambda: {
            "currency": "GBP",
            "month": "2023-01-01",
            "usd_per_unit": "1.2",
            "source": "UN",
        },
        "correct rate": lambda: {"usd_per_unit": "1.5", "source": "UN", "reason": "Matrix"},
        "import rates": lambda: {
            "file": xlsx(
                ["Currency", "Month", "USD per unit", "Source"],
                ["GBP", datetime.date(2023, 1, 1), Decimal("1.2"), "UN"],
            )
        },
    }


def snapshot() -> tuple:
    """Everything these pages could write."""
    return (
        sorted(Project.objects.values_list("code", "title", "start_date")),
        sorted(Outcome.objects.values_list("code", "title", "project_id")),
        sorted(Output.objects.values_list("code", "title")),
        sorted(Indicator.objects.values_list("code", "title", "target")),
        sorted(BudgetLine.objects.values_list("category", "year", "amount")),
        sorted(Expenditure.objects.values_list("category", "spent_on", "amount")),
        sorted(ExchangeRate.objects.values_list("currency", "month", "usd_per_unit")),
    )


def sign_in(client, user) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize("page", [
    "new project", "edit project", "results framework", "add outcome", "edit outcome",
    "delete outcome", "add output", "edit output", "delete output", "add indicator",
    "edit indicator", "delete indicator", "budget", "expenditures", "record expenditure",
    "edit expenditure", "delete expenditure", "import expenditures", "expenditure template",
    "exchange rates", "add rate", "correct rate", "import rates", "rate template",
])  # fmt: skip
def test_each_role_opens_exactly_the_management_pages_it_may(client, world, page):
    url, expected = pages(world)[page]
    got = []
    for role in ROLES:
        sign_in(client, world["users"][role])
        got.append(client.get(url).status_code)

    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, expected, strict=True))


@pytest.mark.parametrize("page", [
    "new project", "edit project", "add outcome", "edit outcome", "delete outcome",
    "add output", "edit output", "delete output", "add indicator", "edit indicator",
    "delete indicator", "budget", "record expenditure", "edit expenditure",
    "delete expenditure", "import expenditures", "add rate", "correct rate", "import rates",
])  # fmt: skip
def test_only_managers_may_post_and_nobody_else_writes_anything(client, world, page):
    url, expected = pages(world)[page]
    data = valid_posts(world)[page]
    before = snapshot()
    got = {}
    for role in ROLES:
        if role == "manager":
            continue
        sign_in(client, world["users"][role])
        got[role] = client.post(url, data()).status_code
        assert snapshot() == before, f"{role} changed something through {page}"
    expected_refusals = {
        role: status for role, status in zip(ROLES, expected, strict=True) if role != "manager"
    }
    assert got == expected_refusals

    sign_in(client, world["users"]["manager"])
    response = client.post(url, data())

    assert response.status_code == 302, response.content.decode()[:2000]
    assert snapshot() != before
