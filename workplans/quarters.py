"""A workplan's quarters: three-month blocks counted from its first day.

Quarter 1 starts on `period_start` (the first day of a month); each following quarter
starts three months later. The last quarter ends on `period_end` even when the period is
not a whole number of quarters. Targets and progress updates name quarters by number.
"""

import calendar
import datetime
from dataclasses import dataclass
from typing import Protocol


class HasPeriod(Protocol):
    period_start: datetime.date
    period_end: datetime.date


@dataclass(frozen=True)
class Quarter:
    number: int
    start: datetime.date
    end: datetime.date
    label: str

    def __str__(self) -> str:
        return self.label

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day-of-month `months` later, clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


def _label(number: int, start: datetime.date, end: datetime.date) -> str:
    if (start.year, start.month) == (end.year, end.month):
        span = f"{start:%b %Y}"
    elif start.year == end.year:
        span = f"{start:%b}-{end:%b %Y}"
    else:
        span = f"{start:%b %Y}-{end:%b %Y}"
    return f"Q{number} ({span})"


def quarters_of(workplan: HasPeriod) -> list[Quarter]:
    """The workplan's quarters, numbered from 1, the last one ending on period_end."""
    start, period_end = workplan.period_start, workplan.period_end
    quarters: list[Quarter] = []
    while start <= period_end:
        number = len(quarters) + 1
        end = min(_add_months(start, 3) - datetime.timedelta(days=1), period_end)
        quarters.append(
            Quarter(number=number, start=start, end=end, label=_label(number, start, end))
        )
        start = end + datetime.timedelta(days=1)
    return quarters


def quarter_count(workplan: HasPeriod) -> int:
    return len(quarters_of(workplan))


def quarter_for_date(workplan: HasPeriod, date: datetime.date) -> int | None:
    """The number of the workplan quarter that contains `date`, or None outside the period."""
    if not workplan.period_start <= date <= workplan.period_end:
        return None
    start = workplan.period_start
    months = (date.year - start.year) * 12 + (date.month - start.month)
    if date.day < start.day:
        months -= 1
    return months // 3 + 1


def quarter_get(workplan: HasPeriod, number: int) -> Quarter | None:
    """Quarter `number` of the workplan, or None when the workplan has no such quarter."""
    quarters = quarters_of(workplan)
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(quarters):
        return None
    return quarters[number - 1]
