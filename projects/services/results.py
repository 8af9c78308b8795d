"""Writes for the results framework: outcomes, outputs and indicators."""

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from ctportal.exceptions import DomainError
from projects.models import Indicator, Outcome, Output, Project, SubProgramme

from ._common import as_decimal, record_actor


def outcome_validate(
    *,
    sub_programme: SubProgramme,
    code: str,
    project: Project | None = None,
    outcome: Outcome | None = None,
) -> None:
    """An outcome's project belongs to its sub-programme; its code is unique within the
    sub-programme's own framework or that project's."""
    if project is not None and project.sub_programme_id != sub_programme.pk:
        raise DomainError(
            f"{project.code} belongs to another sub-programme.",
            field="project",
            code="project_in_other_sub_programme",
        )
    # The database cannot see this duplicate when project is NULL (NULLs are distinct).
    taken = Outcome.objects.filter(sub_programme=sub_programme, project=project, code=code)
    if outcome is not None and outcome.pk:
        taken = taken.exclude(pk=outcome.pk)
    if taken.exists():
        raise DomainError(
            f"There is already an outcome {code} here.", field="code", code="duplicate_code"
        )


@transaction.atomic
def outcome_create(
    *,
    sub_programme: SubProgramme,
    code: str,
    title: str,
    project: Project | None = None,
    user: AbstractBaseUser | None = None,
) -> Outcome:
    """An outcome belongs to a sub-programme or one of its projects; its code is unique there."""
    outcome_validate(sub_programme=sub_programme, code=code, project=project)
    outcome = Outcome(sub_programme=sub_programme, project=project, code=code, title=title)
    record_actor(outcome, user)
    outcome.save()
    return outcome


@transaction.atomic
def output_create(
    *, outcome: Outcome, code: str, title: str, user: AbstractBaseUser | None = None
) -> Output:
    """An output belongs to one outcome; its code is unique within it."""
    if Output.objects.filter(outcome=outcome, code=code).exists():
        raise DomainError(
            f"Outcome {outcome.code} already has an output {code}.",
            field="code",
            code="duplicate_code",
        )
    output = Output(outcome=outcome, code=code, title=title)
    record_actor(output, user)
    output.save()
    return output


def indicator_validate(
    *, baseline: Decimal | int | str, target: Decimal | int | str
) -> tuple[Decimal, Decimal]:
    """Baseline and target are non-negative and the target is above the baseline."""
    baseline_value = as_decimal(baseline, field="baseline")
    target_value = as_decimal(target, field="target")
    if baseline_value < 0:
        raise DomainError("A baseline cannot be negative.", field="baseline", code="negative_value")
    if target_value < 0:
        raise DomainError("A target cannot be negative.", field="target", code="negative_value")
    if target_value <= baseline_value:
        raise DomainError(
            f"The target must be above the baseline ({baseline_value}).",
            field="target",
            code="target_not_above_baseline",
        )
    return baseline_value, target_value


@transaction.atomic
def indicator_create(
    *,
    output: Output,
    code: str,
    title: str,
    unit: str,
    baseline: Decimal | int = 0,
    target: Decimal | int,
    by_sex: bool = False,
    by_province: bool = False,
    user: AbstractBaseUser | None = None,
) -> Indicator:
    """An indicator of an output has a unique code and a target above its non-negative baseline."""
    baseline_value, target_value = indicator_validate(baseline=baseline, target=target)
    if Indicator.objects.filter(output=output, code=code).exists():
        raise DomainError(
            f"Output {output.code} already has an indicator {code}.",
            field="code",
            code="duplicate_code",
        )
    indicator = Indicator(
        output=output,
        code=code,
        title=title,
        unit=unit,
        baseline=baseline_value,
        target=target_value,
        by_sex=by_sex,
        by_province=by_province,
    )
    record_actor(indicator, user)
    indicator.save()
    return indicator
