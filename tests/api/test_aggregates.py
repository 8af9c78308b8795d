"""The aggregate endpoints serve the dashboard's own figures: /api/v1/funding/summary/ is
donors.selectors_funding.funding_summary (the funding dashboard's one source) row for row
on the demo data, and /api/v1/progress/summary/ counts verified progress only."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth import get_user_model

from donors.selectors_funding import GROUP_BYS, FundingFilters, funding_summary
from organisations.models import Organisation
from tests.api.conftest import client_for
from workplans.models import Activity, ProgressUpdate, WorkplanVersion
from workplans.services.progress_latest import verified_progress_rebuild

D = Decimal
FIGURES = (
    "committed",
    "allocated",
    "received",
    "spent",
    "balance",
    "planned",
    "overdue",
    "committed_usd",
    "allocated_usd",
    "received_usd",
    "spent_usd",
    "balance_usd",
    "planned_usd",
    "overdue_usd",
)


@pytest.fixture
def users(demo):
    return {user.username: user for user in get_user_model().objects.all()}


def _as_api(row) -> dict:
    """A selector row as the API writes it: money as strings with two places."""
    if row is None:
        return None
    out = {
        "key": row.key,
        "label": row.label,
        "detail": row.detail,
        "currency": row.currency,
        "overdue_count": row.overdue_count,
        "percent_received": (
            None if row.percent_received is None else f"{row.percent_received:.1f}"
        ),
        "burn_rate": None if row.burn_rate is None else f"{row.burn_rate:.2f}",
        "other_funding_usd": (
            None if row.other_funding_usd is None else f"{row.other_funding_usd:.2f}"
        ),
        "period_start": row.period_start.isoformat() if row.period_start else None,
        "period_end": row.period_end.isoformat() if row.period_end else None,
    }
    out.update({name: f"{getattr(row, name):.2f}" for name in FIGURES})
    return out


def _as_api_total(row) -> dict:
    """The USD total across currencies as the API writes it: no currency, and null for
    every figure in one (amounts in different currencies do not add up)."""
    out = _as_api(row)
    if out is not None:
        native = ("committed", "allocated", "received", "spent", "balance", "planned")
        out.update(dict.fromkeys(("currency", *native, "overdue", "percent_received")))
    return out


def _get(user, **params) -> dict:
    response = client_for(user).get("/api/v1/funding/summary/", params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("username", ["manager", "admin", "donor_japan", "donor_eu", "donor_inl"])
@pytest.mark.parametrize("group_by", GROUP_BYS)
def test_funding_summary_is_the_dashboards_summary_row_for_row(users, username, group_by):
    user = users[username]
    expected = funding_summary(user=user, group_by=group_by)
    body = _get(user, group_by=group_by)
    assert body["rows"] == [_as_api(row) for row in expected.rows]
    assert body["currency_totals"] == [_as_api(row) for row in expected.currency_totals]
    assert body["total_usd"] == _as_api_total(expected.total_usd)
    assert body["donor"] == (expected.donor.pk if expected.donor else None)


def test_japans_committed_usd_3730935(users):
    japan = Organisation.objects.get(short_name="Japan")
    for user in (users["manager"], users["donor_japan"]):
        rows = _get(user, group_by="donor")["rows"]
        japan_rows = [row for row in rows if row["key"] == japan.pk]
        assert len(japan_rows) == 1
        assert japan_rows[0]["committed_usd"] == "3730935.00"
        assert japan_rows[0]["committed"] == "3730935.00"
        assert japan_rows[0]["currency"] == "USD"
    # The donor's own view holds Japan only.
    assert [row["label"] for row in _get(users["donor_japan"], group_by="donor")["rows"]] == [
        "Japan"
    ]


def test_donor_rows_add_up_the_dashboards_agreement_rows(users):
    manager = users["manager"]
    by_agreement = funding_summary(user=manager, group_by="agreement")
    body = _get(manager, group_by="donor")
    donors = dict(Organisation.objects.filter(kind="donor").values_list("short_name", "pk"))
    for row in body["rows"]:
        references = [
            r
            for r in by_agreement.rows
            if r.currency == row["currency"] and r.detail.startswith(f"{row['label']}: ")
        ]
        assert row["key"] == donors[row["label"]]
        for name in FIGURES:
            assert D(row[name]) == sum((getattr(r, name) for r in references), D(0)), name
    # Grouping by donor changes the rows, never the totals.
    assert body["total_usd"] == _as_api_total(by_agreement.total_usd)
    assert body["currency_totals"] == [_as_api(r) for r in by_agreement.currency_totals]


def test_filters_reach_the_selector_as_the_dashboards_do(users):
    manager = users["manager"]
    punjab = "PK-PB"
    expected = funding_summary(
        user=manager,
        group_by="project",
        filters=FundingFilters(
            province_code=punjab,
            date_from=datetime.date(2022, 1, 1),
            date_to=datetime.date(2023, 12, 31),
        ),
    )
    body = _get(
        manager, group_by="project", province=punjab, date_from="2022-01-01", date_to="2023-12-31"
    )
    assert body["rows"] == [_as_api(row) for row in expected.rows]


def test_a_manager_sees_the_figures_as_a_donor_does(users):
    japan = Organisation.objects.get(short_name="Japan")
    as_japan = _get(users["manager"], group_by="project", as_donor=japan.pk)
    assert as_japan == _get(users["donor_japan"], group_by="project")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "planet"}, "group_by"),
        ({"date_from": "2023-31-12"}, "date_from"),
        ({"date_from": "2024-01-01", "date_to": "2023-01-01"}, "date_to"),
        ({"province": "XX-00"}, "province"),
        ({"project": "abc"}, "project"),
        ({"sub_programme": "999999"}, "sub_programme"),
        ({"groupby": "donor"}, "groupby"),
    ],
)
def test_bad_summary_parameters_are_a_400_naming_them(users, params, field):
    response = client_for(users["manager"]).get("/api/v1/funding/summary/", params)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_a_donor_may_not_ask_for_another_donors_figures(users):
    eu = Organisation.objects.get(short_name="EU")
    client = client_for(users["donor_japan"])
    response = client.get("/api/v1/funding/summary/", {"donor": eu.pk})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "donor": ["You see only your own donor's figures."]
    }
    assert client.get("/api/v1/funding/summary/", {"as_donor": eu.pk}).status_code == 403


# --- Progress ---------------------------------------------------------------------------


def _latest_verified(activity) -> ProgressUpdate | None:
    return (
        ProgressUpdate.objects.filter(activity__lineage=activity.lineage, state="verified")
        .order_by("-quarter", "-pk")
        .first()
    )


def test_progress_summary_counts_each_activity_by_its_latest_verified_update(users):
    in_force = Activity.objects.filter(version__status=WorkplanVersion.Status.APPROVED)
    latest = {activity.pk: _latest_verified(activity) for activity in in_force}
    body = (
        client_for(users["manager"]).get("/api/v1/progress/summary/", {"group_by": "status"}).json()
    )
    counts = {row["key"]: row["activities"] for row in body["rows"]}
    for status in ProgressUpdate.Status.values:
        assert counts[status] == sum(
            1 for update in latest.values() if update and update.status == status
        )
    assert counts["not_reported"] == sum(1 for update in latest.values() if update is None)
    assert body["total"]["activities"] == in_force.count()
    # ctportal.figures: over the activities not cancelled, an unreported one counting 0 %.
    counted = [
        u.percent_complete if u else 0 for u in latest.values() if not u or u.status != "cancelled"
    ]
    assert D(body["total"]["average_percent_complete"]) == (
        D(sum(counted)) / len(counted)
    ).quantize(D("0.1"), ROUND_HALF_UP)

    by_workplan = client_for(users["manager"]).get("/api/v1/progress/summary/").json()
    assert [row["activities"] for row in by_workplan["rows"]] == [in_force.count()]
    assert by_workplan["total"] == {**body["total"]}


def test_progress_summary_of_a_counterpart_counts_its_own_activities_only(users):
    nacta = users["nacta"]
    led = Activity.objects.filter(
        version__status="approved", lead_counterpart=nacta.membership.organisation
    ).count()
    body = client_for(nacta).get("/api/v1/progress/summary/").json()
    assert body["total"]["activities"] == led
    # Drafts and submitted updates never count; only verified ones.
    ProgressUpdate.objects.filter(state="verified").update(state="submitted")
    verified_progress_rebuild()  # a bulk write bypasses the rows kept with each save
    after = client_for(nacta).get("/api/v1/progress/summary/").json()
    assert after["total"]["reported"] == 0
