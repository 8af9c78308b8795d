"""Every list endpoint answers in the same number of queries for 1 row as for 5: each
endpoint's queryset carries what its serializer shows (select_related, prefetch_related,
annotations), and no serializer queries a relation. No API request, list, detail or
aggregate, runs more than MAX_QUERIES (issue 14), counted as the test client sees them
(the savepoints of ATOMIC_REQUESTS included)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisations.models import Role
from tests.api.conftest import client_for
from tests.factories import (
    AchievedValueFactory,
    ActivityFactory,
    ActivityTargetFactory,
    AllocationFactory,
    AttendanceFactory,
    BudgetLineFactory,
    CountryProgrammeFactory,
    DecisionFactory,
    DisbursementFactory,
    DonorFactory,
    EwgMeetingFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    FundingAgreementFactory,
    IndicatorFactory,
    NapAreaFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    ProvinceFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)

MEASURED: dict[tuple[str, str], tuple[int, int]] = {}
MAX_QUERIES = 10
MORE = 5  # rows of the second measure


class Parents:
    """What every row of a list hangs from, made once per test."""

    def __init__(self):
        self.sp = SubProgrammeFactory()
        self.donor = DonorFactory(short_name="Japan")
        self.lead = OrganisationFactory(short_name="NACTA")
        self.province = ProvinceFactory(code="PK-PB", name="Punjab")
        self.project = ProjectFactory(sub_programme=self.sp)
        self.project.counterparts.add(self.lead)
        self.agreement = FundingAgreementFactory(donor=self.donor, amount=Decimal("10000000"))
        AllocationFactory(agreement=self.agreement, project=self.project)
        self.outcome = OutcomeFactory(sub_programme=self.sp)
        self.output = OutputFactory(outcome=self.outcome)
        self.workplan = WorkplanFactory(sub_programme=self.sp)
        self.version = WorkplanVersionFactory(workplan=self.workplan, status="approved")
        self.activity = ActivityFactory(
            version=self.version, output=self.output, lead_counterpart=self.lead
        )


def _project(p, i):
    project = ProjectFactory(sub_programme=p.sp)
    project.provinces.add(p.province)
    project.counterparts.add(p.lead, OrganisationFactory())
    project.nap_areas.add(NapAreaFactory())
    AllocationFactory(agreement=p.agreement, project=project, amount=Decimal("1000"))


def _activity(p, i):
    activity = ActivityFactory(version=p.version, output=p.output, lead_counterpart=p.lead)
    activity.provinces.add(p.province)
    ActivityTargetFactory(activity=activity, indicator=IndicatorFactory(output=p.output))


def _meeting(p, i):
    meeting = EwgMeetingFactory(sub_programme=p.sp)
    AttendanceFactory(meeting=meeting, organisation=p.lead)
    DecisionFactory(meeting=meeting)
    version = WorkplanVersionFactory(
        workplan=WorkplanFactory(sub_programme=p.sp), status="approved"
    )
    version.decided_by_meeting = meeting
    version.save()


def _update(p, i):
    activity = ActivityFactory(version=p.version, output=p.output, lead_counterpart=p.lead)
    indicator = IndicatorFactory(output=p.output)
    update = ProgressUpdateFactory(activity=activity, state="verified", verified_by=None)
    AchievedValueFactory(update=update, indicator=indicator)


def _month(i: int) -> datetime.date:
    return datetime.date(2000 + i // 12, i % 12 + 1, 1)


ROWS = {
    "organisations": lambda p, i: OrganisationFactory(),
    "exchange-rates": lambda p, i: ExchangeRateFactory(month=_month(i)),
    "programmes": lambda p, i: SubProgrammeFactory(
        programme=CountryProgrammeFactory(code=f"CP-{i}")
    ),
    "sub-programmes": lambda p, i: SubProgrammeFactory(code=f"SP-{i}"),
    "projects": _project,
    "budget-lines": lambda p, i: BudgetLineFactory(project=p.project, year=1900 + i),
    "expenditures": lambda p, i: ExpenditureFactory(project=p.project),
    "outcomes": lambda p, i: OutcomeFactory(sub_programme=p.sp),
    "outputs": lambda p, i: OutputFactory(outcome=p.outcome),
    "indicators": lambda p, i: IndicatorFactory(output=p.output),
    "agreements": lambda p, i: AllocationFactory(
        agreement=FundingAgreementFactory(donor=p.donor), project=p.project
    ),
    "allocations": lambda p, i: AllocationFactory(
        agreement=FundingAgreementFactory(donor=p.donor), project=p.project
    ),
    "disbursements": lambda p, i: DisbursementFactory(
        agreement=p.agreement, planned_amount=Decimal("1000")
    ),
    "workplans": lambda p, i: WorkplanVersionFactory(
        workplan=WorkplanFactory(sub_programme=p.sp), status="approved"
    ),
    "workplan-versions": lambda p, i: WorkplanVersionFactory(
        workplan=WorkplanFactory(sub_programme=p.sp), status="approved"
    ),
    "activities": _activity,
    "ewg-meetings": _meeting,
    "progress-updates": _update,
}

# Who reads each list: a manager everywhere, and the narrower roles where access adds
# joins or subqueries of its own.
READERS = [(endpoint, "manager") for endpoint in ROWS] + [
    ("projects", "donor"),
    ("agreements", "donor"),
    ("disbursements", "donor"),
    ("expenditures", "donor"),
    ("outcomes", "counterpart"),
    ("activities", "counterpart"),
    ("progress-updates", "counterpart"),
    ("progress-updates", "donor"),
]


def _queries(client, url, page_size=500) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": page_size})
    assert response.status_code == 200, response.content
    return len(queries), response.json()["count"]


@pytest.mark.parametrize(("endpoint", "reader"), READERS)
def test_a_list_costs_the_same_queries_for_1_row_and_for_5(db, endpoint, reader):
    parents = Parents()
    user = {
        "manager": lambda: user_with_role(Role.PROGRAMME_MANAGER),
        "donor": lambda: user_with_role(Role.DONOR_VIEWER, organisation=parents.donor),
        "counterpart": lambda: user_with_role(Role.COUNTERPART_STAFF, organisation=parents.lead),
    }[reader]()
    client = client_for(user)
    url = f"/api/v1/{endpoint}/"
    make = ROWS[endpoint]
    make(parents, 0)
    # A token's first use records last_used_at (once a minute): not part of the list.
    client.get("/api/v1/organisations/")
    one, rows_one = _queries(client, url)
    for i in range(1, MORE):
        make(parents, i)
    more, rows_more = _queries(client, url)
    assert rows_more >= rows_one + MORE - 1
    MEASURED[(endpoint, reader)] = (one, more)
    assert more == one, f"{endpoint} as {reader}: {one} queries for 1 row, {more} for {MORE}"
    assert more <= MAX_QUERIES
    # A page that is not the last counts the rows (one query more), still within bounds,
    # and the count stays exact.
    paged, rows_paged = _queries(client, url, page_size=1)
    assert rows_paged == rows_more
    assert paged <= MAX_QUERIES
    # One row of the list, as its detail endpoint shows it.
    first = client.get(url, {"page_size": 1}).json()["results"][0]
    if "id" in first or "code" in first:
        key = first.get("id", first.get("code"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}{key}/")
        assert response.status_code == 200, response.content
        assert len(queries) <= MAX_QUERIES, f"{url}{key}/ ran {len(queries)} queries"


def test_the_aggregates_cost_the_same_for_1_row_and_for_5(db):
    parents = Parents()
    client = client_for(user_with_role(Role.PROGRAMME_MANAGER))
    _project(parents, 0)
    _update(parents, 0)
    client.get("/api/v1/organisations/")
    urls = [
        f"/api/v1/{path}?group_by={group}"
        for path, groups in (
            ("funding/summary/", ("donor", "agreement", "project", "sub_programme", "year")),
            ("progress/summary/", ("workplan", "output", "status")),
        )
        for group in groups
    ]
    before = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        before[url] = len(queries)
    for i in range(1, MORE):
        _project(parents, i)
        _update(parents, i)
        AllocationFactory(
            agreement=FundingAgreementFactory(donor=DonorFactory()), project=parents.project
        )
    after = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        after[url] = len(queries)
    assert after == before
    assert max(after.values()) <= MAX_QUERIES
    MEASURED.update({(url, "manager"): (before[url], after[url]) for url in urls})


def test_report_measured_counts():
    """Prints what the tests above measured (run with -s to see it)."""
    for (endpoint, reader), (one, more) in sorted(MEASURED.items()):
        print(f"  {endpoint:<45} {reader:<12} 1 row: {one}  {MORE} rows: {more}")


def test_a_page_counts_exactly_and_a_page_past_the_end_is_a_404(db):
    """The paginator counts only when the page cannot tell: the count is exact either way,
    and a page past the end (however far) is a 404, as when every list was counted."""
    parents = Parents()
    for i in range(3):
        ROWS["disbursements"](parents, i)
    client = client_for(user_with_role(Role.PROGRAMME_MANAGER))
    url = "/api/v1/disbursements/"
    assert [client.get(url, {"page_size": 2, "page": n}).json()["count"] for n in (1, 2)] == [
        3,
        3,
    ]
    assert client.get(url, {"page_size": 2, "page": 3}).status_code == 404
    assert client.get(url, {"page": 10**20}).status_code == 404
