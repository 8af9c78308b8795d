"""One reconciliation: for every donor and for all, every agreement figure of the funding
dashboard, the funding summary API, the dashboard's CSV download and the disbursement
report's workbook, as at three dates, equal to the cent (ctportal.figures defines them;
each of the four reads them its own way)."""

import csv
import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from organisations.models import Organisation
from reports import services
from reports.services import generating, requesting

pytestmark = pytest.mark.django_db

# The end of the month before GAC's second tranche fell due, the month after (overdue),
# and the month the last agreements end.
AS_AT = (datetime.date(2023, 8, 31), datetime.date(2023, 10, 31), datetime.date(2025, 6, 30))
VIEWERS = ("manager", "donor_japan", "donor_eu", "donor_canada", "donor_inl")
# Figure -> (API field, dashboard/CSV column, report workbook column), in the currency.
FIGURES = {
    "committed": ("committed", "Committed", "Committed"),
    "received": ("received", "Received", "Received"),
    "allocated": ("allocated", "Allocated", "Allocated"),
    "spent": ("spent", "Spent", "Spent"),
    "balance": ("balance", "Balance", "Balance"),
    "overdue": ("overdue", "Overdue", "Overdue"),
}
USD_FIGURES = {
    name: (f"{api}_usd", f"{column} (USD)", f"{book} (USD)")
    for name, (api, column, book) in FIGURES.items()
}


def _decimal(value) -> Decimal:
    if isinstance(value, float):  # openpyxl gives numbers as floats; two places are exact
        return Decimal(repr(value)).quantize(Decimal("0.01"))
    return Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"))


def _from_api(user, as_at) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(
        "/api/v1/funding/summary/", {"group_by": "agreement", "date_to": as_at.isoformat()}
    )
    assert response.status_code == 200, response.content
    return {
        row["label"]: {
            name: _decimal(row[field])
            for name, (field, _c, _b) in (FIGURES | _usd_keys(USD_FIGURES)).items()
        }
        for row in response.json()["rows"]
    }


def _usd_keys(figures: dict) -> dict:
    return {f"{name}_usd": spec for name, spec in figures.items()}


def _from_dashboard(client: Client, as_at) -> dict:
    response = client.get("/funding/", {"date_to": as_at.isoformat()})
    assert response.status_code == 200
    table = response.context["tables"]["agreements"]
    header = table.export_header()
    rows = [[value for value, _kind, _currency in row] for row in table.export_rows()]
    return _by_reference(header, [row for row in rows if row[0] is not None])


def _from_csv(client: Client, as_at) -> dict:
    response = client.get(
        "/funding/", {"date_to": as_at.isoformat(), "export": "csv", "table": "agreements"}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return _by_reference(rows[0], rows[1:])


def _by_reference(header: list, rows: list) -> dict:
    columns = FIGURES | _usd_keys(USD_FIGURES)
    out = {}
    for row in rows:
        if not row or not str(row[0]).strip() or str(row[0]).startswith("Total"):
            continue
        out[row[0]] = {
            name: _decimal(row[header.index(column)]) for name, (_a, column, _b) in columns.items()
        }
    return out


def _from_report(user, donor, as_at) -> dict:
    with mock.patch.object(requesting, "_enqueue"):
        report = services.report_request(
            kind="disbursement", donor=donor, month=as_at.strftime("%Y-%m"), user=user
        )
    with mock.patch.object(generating, "_enqueue_delivery"):
        report = services.report_generate(report_id=report.pk)
    with report.xlsx.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    out: dict[str, dict] = {}
    for sheet, figures in (("Agreements currency", FIGURES), ("Agreements USD", USD_FIGURES)):
        header, *rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
        for row in rows:
            if str(row[0]).startswith("Total"):
                continue
            reference = row[header.index("Agreement")]
            target = out.setdefault(reference, {})
            for name, (_a, _c, column) in figures.items():
                key = f"{name}_usd" if sheet == "Agreements USD" else name
                target[key] = _decimal(row[header.index(column)])
    return out


@pytest.mark.parametrize("username", VIEWERS)
def test_dashboard_api_csv_and_report_agree_to_the_cent_as_at_three_dates(demo, username):
    user = get_user_model().objects.get(username=username)
    donor = None if username == "manager" else user.membership.organisation
    manager = get_user_model().objects.get(username="manager")
    client = Client()
    client.force_login(user)
    for as_at in AS_AT:
        api = _from_api(user, as_at)
        assert api, as_at
        if donor is not None:
            own = set(donor.agreements_funded.values_list("reference", flat=True))
            assert set(api) <= own  # never another donor's agreement
        assert _from_dashboard(client, as_at) == api, as_at
        assert _from_csv(client, as_at) == api, as_at
        # Reports are requested by managers (a donor may request its own); either way the
        # workbook holds the same agreements and figures the viewer sees.
        report = _from_report(user if donor else manager, donor, as_at)
        assert report == api, as_at


def test_the_reconciliation_covers_the_demo_donors(demo):
    donors = set(Organisation.objects.filter(kind="donor").values_list("short_name", flat=True))
    assert donors == {"Japan", "EU", "GAC", "INL"}
