"""Which periods a report may be asked for: one that has ended (a report is "as at" its
period's end, so figures of a period still running would change after it was made), and
for a disbursement report not one that ended before the first agreement (of its donor, or
of any donor for the overall report), which would be an empty report."""

import datetime

from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations.models import Organisation
from reports import selectors
from reports.models import Report
from reports.periods import Period
from workplans.models import Workplan


def report_period_check(
    *,
    kind: str,
    period: Period,
    donor: Organisation | None = None,
    workplan: Workplan | None = None,
    today: datetime.date | None = None,
) -> None:
    """A field error (month, or quarter) for a period that has not ended or that ends
    before there is any funding to report on."""
    today = today or timezone.localdate()
    field = "month" if kind == Report.Kind.DISBURSEMENT else "quarter"
    label = f"{period.start:%B %Y}" if field == "month" else f"Quarter {period.quarter}"
    if period.end >= today:
        raise DomainError(
            f"{label} has not ended yet (it ends on {period.end:%-d %B %Y}); a report shows a "
            "period that has ended.",
            field=field,
            code="period_not_ended",
        )
    if kind != Report.Kind.DISBURSEMENT:
        return  # a workplan quarter lies inside its workplan (reports.periods checks it)
    first = selectors.funding_first_date(donor=donor)
    whose = donor.short_name if donor is not None else "any donor"
    if first is None:
        raise DomainError(
            f"No funding agreement of {whose} is recorded yet.",
            field=field,
            code="period_before_data",
        )
    if period.end < first:
        raise DomainError(
            f"{label} is before the first agreement of {whose} ({first:%-d %B %Y}); "
            f"choose {first:%B %Y} or later.",
            field=field,
            code="period_before_data",
        )
