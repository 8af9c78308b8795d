"""What donors expect of a progress report (as from TolaData's indicator tracking report):
each indicator's target against its verified achievement quarter by quarter, and the
verified achievements by sex and by province; in the PDF and the workbook.

Expected values come from the demo workplan (ctportal/demo/data.py ACTIVITIES and PROGRESS)
worked out by hand: only A10's Q1, A3's Q2 and A1's Q3 updates are verified."""

from decimal import Decimal

import pytest

from tests.reports.conftest import pdf_text, rows, workbook
from tests.reports.services_support import _generate
from workplans.models import Workplan

# indicator -> {quarter: (target, achieved)}: targets summed over the activities aiming at it.
TARGETS = {
    "I1.1a": {2: (50, 48), 3: (50, 0)},  # A3; its Q3 update (47) is only submitted
    "I1.1b": {3: (3, 3)},  # A1
    "I1.2a": {2: (15, 0), 3: (15, 0)},  # A4
    "I1.2b": {4: (1, 0)},  # A9
    "I2.1a": {2: (55, 0), 3: (25, 0)},  # A2 (25, 25) and A6 (30)
    "I2.1b": {4: (1, 0)},  # A5
    "I2.2a": {3: (5, 0), 4: (5, 0)},  # A7
    "I3.1a": {2: (1, 0), 4: (1, 0)},  # A8; its Q2 update was returned
    "I3.2a": {1: (1, 1), 3: (1, 0)},  # A10
}
LABELS = ["Q1 (Jul-Sep 2022)", "Q2 (Oct-Dec 2022)", "Q3 (Jan-Mar 2023)", "Q4 (Apr-Jun 2023)"]


def _report(quarter: int, user):
    return _generate(kind="progress", workplan=Workplan.objects.get(), quarter=quarter, user=user)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.django_db
def test_every_indicator_shows_its_target_against_its_verified_achievement_per_quarter(users):
    report = _report(4, users["manager"])

    table = rows(workbook(report)["Targets by quarter"])
    assert table[0] == [
        "Code",
        "Indicator",
        "Unit",
        "Quarter",
        "Period",
        "Target",
        "Achieved",
        "Of target",
    ]
    got = {(r[0], r[3]): (r[4], r[5], r[6]) for r in table[1:]}
    expected = {
        (code, quarter): (LABELS[quarter - 1], *by_quarter.get(quarter, (0, 0)))
        for code, by_quarter in TARGETS.items()
        for quarter in range(1, 5)
    }
    assert got == expected
    assert len(table) - 1 == 36
    shares = {(r[0], r[3]): r[7] for r in table[1:]}
    assert shares[("I1.1a", 2)] == pytest.approx(0.96)
    assert shares[("I1.1b", 3)] == 1
    assert shares[("I1.1a", 1)] is None  # no target that quarter

    text = _flat(pdf_text(report))
    assert "Q1 target Q1 achieved Q2 target Q2 achieved" in text
    assert "I1.1a Officers trained in CT investigation persons 0 0 50 48 50 0 0 0" in text
    assert "I3.2a EWG and review meetings held meetings 1 1 0 0 1 0 0 0" in text


@pytest.mark.django_db
def test_quarters_after_the_reports_are_not_shown(users):
    table = rows(workbook(_report(2, users["manager"]))["Targets by quarter"])

    assert {r[3] for r in table[1:]} == {1, 2}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quarter", "in_quarter"),
    [(2, [4, 44, 48]), (4, [0, 0, 0])],
)
def test_verified_achievements_are_broken_down_by_sex_and_by_province(users, quarter, in_quarter):
    report = _report(quarter, users["manager"])

    table = rows(workbook(report)["By sex and province"])
    assert table[0] == ["Code", "Indicator", "Unit", "By", "Group", f"In Q{quarter}", "To date"]
    # A3's Q2 update: 44 men and 4 women trained in Sindh; its Q3 update (41 and 6) is
    # submitted, not verified, so it never counts.
    assert [[r[0], r[3], r[4], Decimal(r[5]), Decimal(r[6])] for r in table[1:]] == [
        ["I1.1a", "Sex", "Female", in_quarter[0], 4],
        ["I1.1a", "Sex", "Male", in_quarter[1], 44],
        ["I1.1a", "Province", "Sindh", in_quarter[2], 48],
    ]
    text = _flat(pdf_text(report))
    assert f"persons Sex Female {in_quarter[0]} 4" in text
    assert f"persons Province Sindh {in_quarter[2]} 48" in text
