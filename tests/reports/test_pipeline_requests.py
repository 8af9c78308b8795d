"""Asking for a report: periods that can be reported on, and a broker that is down at
"Generate now" (a 503 on the page and in the API, the request kept for the sweeper)."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from organisations.models import Organisation
from reports import services
from reports.models import Report
from tests.reports.pipeline_support import app_broker, free_port
from workplans.models import Workplan

pytestmark = pytest.mark.django_db


# --- Periods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "donor", "code", "message"),
    [
        (
            "2099-01",
            None,
            "period_not_ended",
            "January 2099 has not ended yet (it ends on 31 January 2099); a report shows a "
            "period that has ended.",
        ),
        (
            "2016-11",
            None,
            "period_before_data",
            "November 2016 is before the first agreement of any donor (15 December 2016); "
            "choose December 2016 or later.",
        ),
        (
            "2022-05",
            "GAC",
            "period_before_data",
            "May 2022 is before the first agreement of GAC (15 June 2022); choose June 2022 "
            "or later.",
        ),
    ],
)
def test_a_month_not_ended_or_before_any_funding_is_refused_on_its_field(
    users, month, donor, code, message
):
    donor = Organisation.objects.get(short_name=donor) if donor else None
    with pytest.raises(ValidationError) as raised:
        services.report_request(
            kind="disbursement", donor=donor, month=month, user=users["manager"]
        )
    assert raised.value.message_dict == {"month": [message]}
    assert raised.value.domain_code == code
    assert not Report.objects.exists()


def test_the_current_month_has_not_ended(users):
    today = datetime.date(2025, 7, 15)
    with (
        mock.patch("reports.services.period_check.timezone.localdate", return_value=today),
        pytest.raises(ValidationError) as raised,
    ):
        services.report_request(kind="disbursement", month="2025-07", user=users["manager"])
    assert raised.value.domain_code == "period_not_ended"
    assert not Report.objects.exists()


def test_the_first_months_with_funding_and_the_last_ended_month_are_accepted(users):
    gac = Organisation.objects.get(short_name="GAC")
    with mock.patch("reports.services.requesting._enqueue"):
        first = services.report_request(
            kind="disbursement", donor=gac, month="2022-06", user=users["manager"]
        )
        overall = services.report_request(
            kind="disbursement", month="2016-12", user=users["manager"]
        )
    assert (first.period_start, overall.period_start) == (
        datetime.date(2022, 6, 1),
        datetime.date(2016, 12, 1),
    )


def test_a_quarter_not_ended_is_refused_on_the_quarter_field(users):
    # Quarter 4 of the demo workplan is April-June 2023: ask for it in May 2023.
    with (
        mock.patch(
            "reports.services.period_check.timezone.localdate",
            return_value=datetime.date(2023, 5, 15),
        ),
        pytest.raises(ValidationError) as raised,
    ):
        services.report_request(
            kind="progress", workplan=Workplan.objects.get(), quarter=4, user=users["manager"]
        )
    assert raised.value.message_dict == {
        "quarter": [
            "Quarter 4 has not ended yet (it ends on 30 June 2023); a report shows a period "
            "that has ended."
        ]
    }
    assert not Report.objects.exists()


def test_the_page_shows_the_period_error_on_the_month_field(users, client):
    client.force_login(users["manager"])
    response = client.post("/reports/", {"kind": "disbursement", "month": "2099-01"})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "month": [
            "January 2099 has not ended yet (it ends on 31 January 2099); a report shows a "
            "period that has ended."
        ]
    }
    assert not Report.objects.exists()


def test_the_api_answers_400_naming_the_month(users, client):
    client.force_login(users["manager"])
    response = client.post(
        "/api/v1/reports/",
        {"kind": "disbursement", "month": "2016-11"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "period_before_data",
            "message": "November 2016 is before the first agreement of any donor "
            "(15 December 2016); choose December 2016 or later.",
            "fields": {
                "month": [
                    "November 2016 is before the first agreement of any donor "
                    "(15 December 2016); choose December 2016 or later."
                ]
            },
        }
    }
    assert not Report.objects.exists()


# --- The broker down at "Generate now" ------------------------------------------------------
# Real commits (transaction=True): the message is handed to the broker once the request is
# committed, and that is where a broker that is down shows.

DOWN = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there


@pytest.mark.django_db(transaction=True)
def test_the_page_is_a_503_and_the_request_is_kept_when_the_broker_is_down(users, client):
    client.force_login(users["manager"])
    with app_broker(DOWN):
        response = client.post("/reports/", {"kind": "disbursement", "month": "2025-06"})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    report = Report.objects.get()
    assert (report.status, report.generation, report.attempts) == ("queued", 1, 0)
    assert report.sent_at is None  # what the sweeper sends once the broker is back
    text = " ".join(response.content.decode().split())
    assert '<h1 class="h3">The report queue is not available just now</h1>' in text
    assert (
        f"Your request for <strong>{report}</strong> is saved. It will be generated as soon "
        "as the queue is back; there is no need to ask again." in text
    )


@pytest.mark.django_db(transaction=True)
def test_the_api_is_a_json_503_and_the_request_is_kept_when_the_broker_is_down(users, client):
    client.force_login(users["manager"])
    with app_broker(DOWN):
        response = client.post(
            "/api/v1/reports/",
            {"kind": "disbursement", "month": "2025-06"},
            content_type="application/json",
        )
    assert response.status_code == 503
    report = Report.objects.get()
    assert response.json() == {
        "error": {
            "code": "queue_unavailable",
            "message": f"The report queue is not available just now. The request for {report} "
            "is saved and will be generated as soon as the queue is back; do not ask again.",
            "fields": {},
        }
    }
    assert response["Location"] == f"http://testserver/api/v1/reports/{report.pk}/"
    assert (report.status, report.sent_at) == ("queued", None)


@pytest.mark.django_db(transaction=True)
def test_a_sweep_while_the_broker_is_still_down_keeps_the_request_for_the_next(users):
    with app_broker(DOWN):
        with pytest.raises(services.QueueUnavailable):
            services.report_request(kind="disbursement", month="2025-06", user=users["manager"])
        sweep = services.reports_sweep()
    report = Report.objects.get()
    assert sweep.sent == [report.pk]  # tried...
    assert (report.status, report.sent_at) == ("queued", None)  # ...and kept for the next
