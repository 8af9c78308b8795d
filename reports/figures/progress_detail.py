"""What donors expect of a progress report beyond its totals (as from TolaData's indicator
tracking report): each indicator's workplan target against its verified achievement,
quarter by quarter, and the verified achievements broken down by sex and by province.
Read through workplans.selectors_results; only verified updates count."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from workplans.models import WorkplanVersion
from workplans.quarters import Quarter
from workplans.selectors_results import (
    IndicatorProgress,
    indicator_breakdowns,
    indicator_quarter_targets,
)

ZERO = Decimal("0")
DIMENSIONS = {"sex": "Sex", "province": "Province"}


@dataclass(frozen=True)
class IndicatorMeta:
    indicator_id: int
    code: str
    title: str
    unit: str


@dataclass
class QuarterRow:
    """One indicator in one quarter: the workplan's target and what was achieved."""

    code: str
    title: str
    unit: str
    quarter: int
    quarter_label: str
    target: Decimal
    achieved: Decimal

    @property
    def share_of_target(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.achieved / self.target).quantize(Decimal("0.0001"), ROUND_HALF_UP)


@dataclass
class BreakdownRow:
    """One indicator's verified achievement for one sex or one province: in the report's
    quarter and from the workplan's start to its end."""

    code: str
    title: str
    unit: str
    dimension: str  # "Sex" or "Province"
    group: str  # "Female", "Male"; the province's name
    in_quarter: Decimal
    to_date: Decimal


def quarter_rows(
    *,
    version: WorkplanVersion,
    workplan_code: str,
    quarters: list[Quarter],
    quarter: int,
    indicators: list[IndicatorMeta],
    achieved: dict[int, IndicatorProgress],
) -> list[QuarterRow]:
    """For every indicator the version targets, quarters 1 to `quarter`: the targets of the
    version's activities against the verified totals of the workplan (indicator_progress)."""
    targets = indicator_quarter_targets(version=version)
    rows = []
    for meta in indicators:
        done: dict[int, Decimal] = {}
        for total in achieved[meta.indicator_id].quarters:
            if total.workplan_code == workplan_code:
                number = total.quarter.number
                done[number] = done.get(number, ZERO) + total.value
        for number in range(1, quarter + 1):
            rows.append(
                QuarterRow(
                    code=meta.code,
                    title=meta.title,
                    unit=meta.unit,
                    quarter=number,
                    quarter_label=quarters[number - 1].label,
                    target=targets.get((meta.indicator_id, number), ZERO),
                    achieved=done.get(number, ZERO),
                )
            )
    return rows


def breakdown_rows(
    *, workplan_id: int, quarter: int, indicators: list[IndicatorMeta]
) -> list[BreakdownRow]:
    """Per indicator (in the report's order), its verified values by sex, then by province,
    in the quarter and to date (workplans.selectors_results.indicator_breakdowns)."""
    sums: dict[tuple[int, str, str], list] = {}
    for value in indicator_breakdowns(workplan_id=workplan_id, up_to_quarter=quarter):
        entry = sums.setdefault(
            (value.indicator_id, value.dimension, value.key), [value.label, ZERO, ZERO]
        )
        if value.quarter == quarter:
            entry[1] += value.value
        entry[2] += value.value
    rows = []
    for meta in indicators:
        for dimension, name in DIMENSIONS.items():
            for (indicator_id, dim, _key), (label, in_quarter, to_date) in sorted(sums.items()):
                if indicator_id == meta.indicator_id and dim == dimension:
                    rows.append(
                        BreakdownRow(
                            code=meta.code,
                            title=meta.title,
                            unit=meta.unit,
                            dimension=name,
                            group=label,
                            in_quarter=in_quarter,
                            to_date=to_date,
                        )
                    )
    return rows
