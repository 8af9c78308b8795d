"""Writes for the results framework: outcomes, outputs and indicators.

A part of the framework that workplan activities, targets or reported results point to
cannot be deleted (the database protects it); the refusal says what points to it.
"""

from collections import Counter
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Model, ProtectedError, RestrictedError

from ctportal.audit_trail import delete_audited, save_audited
from ctportal.exceptions import DomainError
from projects.models import Indicator, Outcome, Output, Project, SubProgramme

from .common import as_decimal, reject_unknown

OUTCOME_FIELDS = frozenset({"code", "title", "project"})
OUTPUT_FIELDS = frozenset({"code", "title"})
INDICATOR_FIELDS = frozenset(
    {"code", "title", "unit", "baseline", "target", "by_sex", "by_province"}
)


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
    save_audited(outcome, user=user)
    return outcome


def output_validate(*, outcome: Outcome, code: str, output: Output | None = None) -> None:
    """An output's code is unique within its outcome."""
    taken = Output.objects.filter(outcome=outcome, code=code)
    if output is not None and output.pk:
        taken = taken.exclude(pk=output.pk)
    if taken.exists():
        raise DomainError(
            f"Outcome {outcome.code} already has an output {code}.",
            field="code",
            code="duplicate_code",
        )


@transaction.atomic
def output_create(
    *, outcome: Outcome, code: str, title: str, user: AbstractBaseUser | None = None
) -> Output:
    """An output belongs to one outcome; its code is unique within it."""
    output_validate(outcome=outcome, code=code)
    output = Output(outcome=outcome, code=code, title=title)
    save_audited(output, user=user)
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
    _check_indicator_code(output=output, code=code)
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
    save_audited(indicator, user=user)
    return indicator


def _check_indicator_code(*, output: Output, code: str, indicator: Indicator | None = None) -> None:
    taken = Indicator.objects.filter(output=output, code=code)
    if indicator is not None and indicator.pk:
        taken = taken.exclude(pk=indicator.pk)
    if taken.exists():
        raise DomainError(
            f"Output {output.code} already has an indicator {code}.",
            field="code",
            code="duplicate_code",
        )


def _delete_unless_used(instance: Model, what: str, user: AbstractBaseUser | None) -> None:
    try:
        delete_audited(instance, user=user)
    except (ProtectedError, RestrictedError) as error:
        users = (
            error.protected_objects
            if isinstance(error, ProtectedError)
            else error.restricted_objects
        )
        counts = Counter(type(obj)._meta for obj in users)
        named = ", ".join(
            f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}"
            for meta, count in sorted(counts.items(), key=lambda item: item[0].label)
        )
        raise DomainError(
            f"{what} cannot be deleted: workplans refer to it ({named}).", code="in_use"
        ) from error


@transaction.atomic
def outcome_update(
    *, outcome: Outcome, user: AbstractBaseUser | None = None, **fields: Any
) -> Outcome:
    """Change an outcome's code, title or project under the create rules."""
    reject_unknown(fields, OUTCOME_FIELDS, "Outcome")
    project = fields.get("project", outcome.project)
    outcome_validate(
        sub_programme=outcome.sub_programme,
        code=fields.get("code", outcome.code),
        project=project,
        outcome=outcome,
    )
    for name, value in fields.items():
        setattr(outcome, name, value)
    save_audited(outcome, user=user)
    return outcome


@transaction.atomic
def outcome_delete(*, outcome: Outcome, user: AbstractBaseUser | None = None) -> None:
    """Delete an outcome with its outputs and indicators, unless workplans use any of them."""
    _delete_unless_used(outcome, f"Outcome {outcome.code}", user)


@transaction.atomic
def output_update(*, output: Output, user: AbstractBaseUser | None = None, **fields: Any) -> Output:
    """Change an output's code or title; its code stays unique within its outcome."""
    reject_unknown(fields, OUTPUT_FIELDS, "Output")
    output_validate(outcome=output.outcome, code=fields.get("code", output.code), output=output)
    for name, value in fields.items():
        setattr(output, name, value)
    save_audited(output, user=user)
    return output


@transaction.atomic
def output_delete(*, output: Output, user: AbstractBaseUser | None = None) -> None:
    """Delete an output with its indicators, unless workplans use any of them."""
    _delete_unless_used(output, f"Output {output.code}", user)


@transaction.atomic
def indicator_update(
    *, indicator: Indicator, user: AbstractBaseUser | None = None, **fields: Any
) -> Indicator:
    """Change an indicator under the create rules: unique code, target above the baseline."""
    reject_unknown(fields, INDICATOR_FIELDS, "Indicator")
    baseline, target = indicator_validate(
        baseline=fields.get("baseline", indicator.baseline),
        target=fields.get("target", indicator.target),
    )
    _check_indicator_code(
        output=indicator.output, code=fields.get("code", indicator.code), indicator=indicator
    )
    for name, value in {**fields, "baseline": baseline, "target": target}.items():
        setattr(indicator, name, value)
    save_audited(indicator, user=user)
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator, user: AbstractBaseUser | None = None) -> None:
    """Delete an indicator, unless workplan targets or reported results use it."""
    _delete_unless_used(indicator, f"Indicator {indicator.code}", user)
