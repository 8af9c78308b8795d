import dataclasses
import datetime
from types import SimpleNamespace

import pytest

from workplans.quarters import Quarter, quarter_for_date, quarter_get, quarters_of


def period(start: datetime.date, end: datetime.date) -> SimpleNamespace:
    return SimpleNamespace(period_start=start, period_end=end)


FY_2022_23 = period(datetime.date(2022, 7, 1), datetime.date(2023, 6, 30))


def test_a_jul_2022_to_jun_2023_workplan_has_four_quarters_with_their_dates():
    assert quarters_of(FY_2022_23) == [
        Quarter(1, datetime.date(2022, 7, 1), datetime.date(2022, 9, 30), "Q1 (Jul-Sep 2022)"),
        Quarter(2, datetime.date(2022, 10, 1), datetime.date(2022, 12, 31), "Q2 (Oct-Dec 2022)"),
        Quarter(3, datetime.date(2023, 1, 1), datetime.date(2023, 3, 31), "Q3 (Jan-Mar 2023)"),
        Quarter(4, datetime.date(2023, 4, 1), datetime.date(2023, 6, 30), "Q4 (Apr-Jun 2023)"),
    ]


def test_quarters_count_from_the_period_start_and_name_both_years_when_they_span_two():
    quarters = quarters_of(period(datetime.date(2022, 11, 1), datetime.date(2023, 4, 30)))
    assert [q.label for q in quarters] == ["Q1 (Nov 2022-Jan 2023)", "Q2 (Feb-Apr 2023)"]
    assert quarters[0].end == datetime.date(2023, 1, 31)


def test_the_last_quarter_ends_with_the_period_when_it_is_not_whole_quarters():
    quarters = quarters_of(period(datetime.date(2022, 7, 1), datetime.date(2023, 8, 31)))
    assert len(quarters) == 5
    assert quarters[-1] == Quarter(
        5, datetime.date(2023, 7, 1), datetime.date(2023, 8, 31), "Q5 (Jul-Aug 2023)"
    )
    one_month = quarters_of(period(datetime.date(2022, 7, 1), datetime.date(2022, 10, 31)))
    assert one_month[-1].label == "Q2 (Oct 2022)"


def test_a_quarter_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        quarters_of(FY_2022_23)[0].number = 9


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2022, 6, 30), None),
        (datetime.date(2022, 7, 1), 1),
        (datetime.date(2022, 9, 30), 1),
        (datetime.date(2022, 10, 1), 2),
        (datetime.date(2023, 2, 14), 3),
        (datetime.date(2023, 6, 30), 4),
        (datetime.date(2023, 7, 1), None),
    ],
)
def test_quarter_for_date(day, expected):
    assert quarter_for_date(FY_2022_23, day) == expected


def test_quarter_for_date_agrees_with_quarters_of_on_every_day():
    workplan = period(datetime.date(2022, 11, 1), datetime.date(2024, 2, 29))
    quarters = quarters_of(workplan)
    day = workplan.period_start
    while day <= workplan.period_end:
        number = quarter_for_date(workplan, day)
        assert day in quarters[number - 1]
        day += datetime.timedelta(days=1)


def test_quarter_get_returns_none_outside_the_workplan():
    assert quarter_get(FY_2022_23, 2).label == "Q2 (Oct-Dec 2022)"
    assert quarter_get(FY_2022_23, 0) is None
    assert quarter_get(FY_2022_23, 5) is None
