"""Report periods: a calendar month for disbursement reports, a workplan quarter for
progress reports, and the previous one of each for the schedules."""

import calendar
import datetime
from dataclasses import dataclass

from ctportal.exceptions import DomainError
from workplans.quarters import quarter_get, quarters_of


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    quarter: int | None = None


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(datetime.date(year, month, 1), datetime.date(year, month, last))


def month_parse(value: str, *, field: str = "month") -> Period:
    """'2026-10' -> October 2026; a field error otherwise."""
    try:
        year, month = (int(part) for part in str(value).split("-")[:2])
        return month_period(year, month)
    except (TypeError, ValueError) as exc:
        raise DomainError("Give the month as YYYY-MM.", field=field, code="invalid_month") from exc


def previous_month(today: datetime.date) -> Period:
    last_of_previous = today.replace(day=1) - datetime.timedelta(days=1)
    return month_period(last_of_previous.year, last_of_previous.month)


def workplan_quarter(workplan, number: int, *, field: str = "quarter") -> Period:
    quarter = quarter_get(workplan, number)
    if quarter is None:
        count = len(quarters_of(workplan))
        raise DomainError(
            f"Workplan {workplan.code} has quarters 1 to {count}.", field=field, code="no_quarter"
        )
    return Period(quarter.start, quarter.end, quarter.number)


def previous_quarter(workplan, today: datetime.date) -> Period | None:
    """The workplan quarter that ended most recently before today, if it ended in the last
    three months (a workplan that closed long ago is not reported on again)."""
    ended = [q for q in quarters_of(workplan) if q.end < today]
    if not ended or ended[-1].end < today - datetime.timedelta(days=92):
        return None
    last = ended[-1]
    return Period(last.start, last.end, last.number)
