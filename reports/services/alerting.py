"""The daily, date-driven alerts: what nobody's action announces, only the calendar.

- a quarter ending within QUARTER_ENDING_DAYS with no update submitted for an activity of an
  approved version: counterpart staff of the organisation that leads it;
- that quarter ended with none (within QUARTER_MISSED_DAYS of its end, so a first run does
  not bring up years-old quarters, which "My activities" lists as late anyway): the same
  staff and the programme managers;
- a tranche past its planned date and not received (ctportal.figures' overdue): the
  managers and viewers of that agreement's donor only;
- a tranche planned within TRANCHE_DUE_DAYS, not received: the managers;
- an agreement ending within AGREEMENT_ENDING_DAYS with money still to receive: the managers
  and that donor's viewers.

It reads donors and workplans at once, so it lives in reports, the read app above them; the
beat task reports.tasks.alerts_daily_task only calls alerts_daily. Running it again (twice
a day, or on a worker restarted mid-run) tells nobody twice: each event has its key
(alerts.services.notify_all), and the digest goes at most once a day per person.
"""

import datetime
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from alerts import selectors as audience
from alerts.models import Kind
from alerts.services import Event, digests_send, notify_all
from ctportal import figures
from ctportal.money import Money
from donors.models import Disbursement, FundingAgreement
from workplans.alerts import activity_quarter_subject
from workplans.selectors_progress import REPORTED, activity_quarter_rows, approved_activities

QUARTER_ENDING_DAYS = 14
QUARTER_MISSED_DAYS = 31
TRANCHE_DUE_DAYS = 30
AGREEMENT_ENDING_DAYS = 90


@transaction.atomic
def alerts_date_driven_create(*, today: datetime.date) -> Counter:
    """Every date-driven alert as at `today`; how many people were told now, per kind."""
    told: Counter = Counter()
    _quarters(today, told)
    _tranches(today, told)
    _agreements(today, told)
    return told


def alerts_daily(*, today: datetime.date) -> Counter:
    """The daily run: the date-driven alerts, then the day's digests (one e-mail a person,
    none on an empty day)."""
    told = alerts_date_driven_create(today=today)
    told["digests"] = digests_send(day=today)
    return told


# --- Quarters -------------------------------------------------------------------------


def _quarters(today: datetime.date, told: Counter) -> None:
    window_start = today - datetime.timedelta(days=QUARTER_MISSED_DAYS)
    window_end = today + datetime.timedelta(days=QUARTER_ENDING_DAYS)
    activities = approved_activities().filter(
        version__workplan__period_start__lte=window_end,
        version__workplan__period_end__gte=window_start,
    )
    managers = set(audience.audience_managers().values_list("pk", flat=True))
    staff: dict[int, set[int]] = {}
    events: list[tuple[Event, set[int]]] = []
    for row in activity_quarter_rows(activities, today=today):
        if row.update is not None and row.update.state in REPORTED:
            continue
        quarter, activity = row.quarter, row.activity
        ended = quarter.end < today
        if ended and quarter.end < window_start:
            continue
        if not ended and quarter.end > window_end:
            continue
        lead = activity.lead_counterpart_id
        if lead not in staff:
            staff[lead] = set(
                audience.audience_counterpart_staff([lead]).values_list("pk", flat=True)
            )
        workplan = activity.version.workplan
        name = f"{workplan.code} {activity.code} {quarter.label}"
        subject = activity_quarter_subject(
            workplan_id=workplan.pk, lineage=activity.lineage, quarter=quarter.number
        )
        url = reverse("workplans:progress-form", args=[row.form_activity_id, quarter.number])
        if ended:
            kind, recipients = Kind.QUARTER_MISSED, staff[lead] | managers
            title = f"No update for a quarter that ended: {name}"
            body = (
                f"{quarter.label} ended on {quarter.end:%d %b %Y} and no progress update was "
                f'submitted for activity {activity.code} "{activity.title}" '
                f"({activity.lead_counterpart.short_name})."
            )
        else:
            kind, recipients = Kind.QUARTER_ENDING, staff[lead]
            title = f"Quarter ending with no update: {name}"
            body = (
                f"{quarter.label} ends on {quarter.end:%d %b %Y}; no progress update has been "
                f'submitted yet for activity {activity.code} "{activity.title}".'
            )
        events.append(
            (
                Event(
                    kind=kind,
                    subject=subject,
                    dedupe_key=f"{kind}:{workplan.pk}:{activity.lineage}:{quarter.number}",
                    title=title,
                    body=body,
                    url=url,
                    action="Report progress",
                ),
                recipients,
            )
        )
    told.update(notify_all(events))


# --- Money ----------------------------------------------------------------------------


def _donor_viewers(donor_id: int, cache: dict[int, set[int]]) -> set[int]:
    if donor_id not in cache:
        cache[donor_id] = set(
            audience.audience_donor_viewers(donor_id).values_list("pk", flat=True)
        )
    return cache[donor_id]


def _tranches(today: datetime.date, told: Counter) -> None:
    managers = set(audience.audience_managers().values_list("pk", flat=True))
    viewers: dict[int, set[int]] = {}
    events: list[tuple[Event, set[int]]] = []
    overdue = Disbursement.objects.overdue(today).select_related("agreement__donor")
    for tranche in overdue.order_by("planned_date", "pk").iterator(chunk_size=2000):
        agreement = tranche.agreement
        amount = Money(tranche.planned_amount, agreement.currency)
        events.append(
            (
                Event(
                    kind=Kind.TRANCHE_OVERDUE,
                    subject=f"tranche:{tranche.pk}",
                    dedupe_key=f"tranche_overdue:{tranche.pk}:{tranche.planned_date:%Y%m%d}",
                    title=f"Tranche overdue: {agreement.reference}, {amount}",
                    body=(
                        f"The tranche of {amount} of {agreement.reference} ({agreement.donor}) "
                        f"was planned for {tranche.planned_date:%d %b %Y} and has not been "
                        "received."
                    ),
                    url=reverse("donors:agreement-detail", args=[agreement.pk]),
                    action="See the agreement's tranches",
                ),
                # That donor's viewers only: never another donor's.
                managers | _donor_viewers(agreement.donor_id, viewers),
            )
        )
    due = Disbursement.objects.filter(
        received_date__isnull=True,
        planned_date__gte=today,
        planned_date__lte=today + datetime.timedelta(days=TRANCHE_DUE_DAYS),
    ).select_related("agreement__donor")
    for tranche in due.order_by("planned_date", "pk").iterator(chunk_size=2000):
        agreement = tranche.agreement
        amount = Money(tranche.planned_amount, agreement.currency)
        events.append(
            (
                Event(
                    kind=Kind.TRANCHE_DUE,
                    subject=f"tranche:{tranche.pk}",
                    dedupe_key=f"tranche_due:{tranche.pk}:{tranche.planned_date:%Y%m%d}",
                    title=f"Tranche due {tranche.planned_date:%d %b %Y}: {agreement.reference}",
                    body=(
                        f"The tranche of {amount} of {agreement.reference} ({agreement.donor}) is "
                        f"planned for {tranche.planned_date:%d %b %Y}."
                    ),
                    url=reverse("donors:agreement-detail", args=[agreement.pk]),
                    action="See the agreement's tranches",
                ),
                managers,
            )
        )
    told.update(notify_all(events))


def _agreements(today: datetime.date, told: Counter) -> None:
    managers = set(audience.audience_managers().values_list("pk", flat=True))
    viewers: dict[int, set[int]] = {}
    received = (
        Disbursement.objects.filter(figures.tranche_received_q(today), agreement=OuterRef("pk"))
        .order_by()
        .values("agreement")
        .annotate(total=Sum("received_amount"))
        .values("total")
    )
    ending = (
        FundingAgreement.objects.filter(
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=AGREEMENT_ENDING_DAYS),
        )
        .annotate(
            received=Coalesce(
                Subquery(received, output_field=DecimalField()),
                Value(Decimal("0")),
                output_field=DecimalField(),
            )
        )
        .select_related("donor")
        .order_by("end_date", "pk")
    )
    events: list[tuple[Event, set[int]]] = []
    for agreement in ending:
        to_receive = figures.to_receive(committed=agreement.amount, received=agreement.received)
        if to_receive <= 0:
            continue
        left = Money(to_receive, agreement.currency)
        events.append(
            (
                Event(
                    kind=Kind.AGREEMENT_ENDING,
                    subject=f"agreement:{agreement.pk}",
                    dedupe_key=f"agreement_ending:{agreement.pk}:{agreement.end_date:%Y%m%d}",
                    title=f"Agreement ending {agreement.end_date:%d %b %Y}: {agreement.reference}",
                    body=(
                        f"{agreement.reference} ({agreement.donor}) ends on "
                        f"{agreement.end_date:%d %b %Y} with {left} not yet received."
                    ),
                    url=reverse("donors:agreement-detail", args=[agreement.pk]),
                    action="See the agreement",
                ),
                managers | _donor_viewers(agreement.donor_id, viewers),
            )
        )
    told.update(notify_all(events))
