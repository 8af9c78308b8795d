"""Targets of activities: what an activity plans on an indicator in a quarter. The rules
live here once; the activity services, the activity form and the XLSX import call them."""

import re
from collections.abc import Iterable
from decimal import Decimal

from ctportal.exceptions import DomainError
from projects.models import Indicator, Output

from .common import fits_digits, to_decimal

TARGET_DIGITS = {"max_digits": 14, "decimal_places": 2}

Target = tuple[Indicator, int, Decimal]

# Units that count whole things: a target of 2.5 persons or workshops is a typo. A unit
# that measures (a share, a duration, money) may take decimals even when it names people.
COUNT_UNITS = frozenset(
    {
        "persons", "person", "people", "participants", "participant", "officers", "officer",
        "officials", "official", "trainees", "trainee", "staff", "judges", "prosecutors",
        "investigators", "workshops", "workshop", "trainings", "training", "courses", "course",
        "sessions", "session", "meetings", "meeting", "events", "event", "conferences",
        "visits", "visit", "handovers", "handover", "milestones", "milestone", "requests",
        "request", "cases", "case", "reports", "report", "documents", "document", "manuals",
        "manual", "plans", "plan", "sops", "items", "item", "units", "unit", "sets", "kits",
        "institutions", "organisations", "agencies", "centres", "centers", "number", "count",
    }
)  # fmt: skip
MEASURE_WORDS = frozenset(
    {
        "percent", "percentage", "per", "rate", "ratio", "share", "average", "mean", "score",
        "index", "hours", "days", "weeks", "months", "years", "usd", "pkr", "amount",
    }
)  # fmt: skip


def unit_is_count(unit: str) -> bool:
    """Whether an indicator's unit counts whole things (persons, workshops, requests...)."""
    words = re.findall(r"[a-z]+", (unit or "").lower())
    if not words or "%" in unit or MEASURE_WORDS.intersection(words):
        return False
    return words[0] in COUNT_UNITS or words[-1] in COUNT_UNITS


def count_whole_require(*, indicator: Indicator, number: Decimal, what: str, field: str) -> None:
    """A figure of an indicator that counts things (unit_is_count) is a whole number: its
    targets and the values achieved on it alike. `what` names the figure in the message
    ("its target in quarter 2"); `field` is where the error belongs."""
    if unit_is_count(indicator.unit) and number != number.to_integral_value():
        raise DomainError(
            f"{indicator.code} counts {indicator.unit}: {what} must be a whole number, "
            f"not {number.normalize():f}.",
            field=field,
            code="not_whole_number",
        )


def target_indicator_validate(*, indicator: Indicator | None, output: Output) -> None:
    """A target is set on an indicator of the activity's output."""
    if indicator is None or indicator.output_id != output.pk:
        raise DomainError(
            f"Indicator {getattr(indicator, 'code', indicator)} is not an indicator of "
            f"output {output.code}.",
            field="targets",
            code="indicator_not_of_output",
        )


def target_value_validate(*, indicator: Indicator, quarter: int, value) -> Decimal:
    """One quarter's target: a number from 0 with at most two decimals, a whole number
    when the indicator counts things. Forms and the import call it cell by cell."""
    number = to_decimal(value, field="targets", what=f"The target of {indicator.code}")
    if number < 0:
        raise DomainError(
            f"The target of {indicator.code} in quarter {quarter} cannot be negative.",
            field="targets",
            code="negative_value",
        )
    if not fits_digits(number, **TARGET_DIGITS):
        raise DomainError(
            f"The target of {indicator.code} in quarter {quarter} has too many digits.",
            field="targets",
            code="invalid_number",
        )
    count_whole_require(
        indicator=indicator, number=number, what=f"its target in quarter {quarter}", field="targets"
    )
    return number


def targets_validate(
    targets: Iterable, *, output: Output, quarters: int, workplan_code: str
) -> list[Target]:
    """Each target on an indicator of the output, in a quarter of the workplan, with a
    valid value, at most once per indicator and quarter."""
    cleaned: list[Target] = []
    seen: set[tuple[int, int]] = set()
    for item in targets:
        try:
            indicator, quarter, value = item
        except (TypeError, ValueError):
            raise DomainError(
                "Each target is an indicator, a quarter and a value.",
                field="targets",
                code="invalid_target",
            ) from None
        target_indicator_validate(indicator=indicator, output=output)
        if isinstance(quarter, bool) or not isinstance(quarter, int):
            try:
                quarter = int(str(quarter).strip())
            except ValueError:
                raise DomainError(
                    f"Quarter {quarter!r} is not a quarter number.",
                    field="targets",
                    code="quarter_outside_workplan",
                ) from None
        if not 1 <= quarter <= quarters:
            raise DomainError(
                f"{workplan_code} has quarters 1 to {quarters}; there is no quarter {quarter}.",
                field="targets",
                code="quarter_outside_workplan",
            )
        number = target_value_validate(indicator=indicator, quarter=quarter, value=value)
        if (indicator.pk, quarter) in seen:
            raise DomainError(
                f"{indicator.code} has two targets for quarter {quarter}.",
                field="targets",
                code="duplicate_target",
            )
        seen.add((indicator.pk, quarter))
        cleaned.append((indicator, quarter, number))
    return cleaned
