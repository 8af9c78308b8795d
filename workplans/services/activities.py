"""Activities of a workplan version: planned only while the version is a draft or returned."""

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from ctportal.audit_trail import delete_audited, save_audited
from ctportal.exceptions import DomainError
from ctportal.money import MONEY_DIGITS, Currency, has_valid_precision
from organisations import access
from organisations.models import Organisation
from projects.models import Indicator, Output, Project, Province
from workplans.models import Activity, ActivityTarget, WorkplanVersion
from workplans.quarters import quarter_count

from .common import (
    fits_digits,
    lock_version,
    require_editable,
    require_text,
    to_decimal,
)
from .targets import Target, targets_validate

# What activity_update may change; the version and lineage of an activity never change.
UPDATABLE_FIELDS = frozenset(
    {
        "code",
        "title",
        "description",
        "output",
        "lead_counterpart",
        "project",
        "budget",
        "budget_currency",
    }
)


@dataclass
class ActivityData:
    """An activity's values after validation, ready to be written."""

    code: str
    title: str
    description: str
    output: Output
    lead_counterpart: Organisation
    project: Project | None
    budget: Decimal
    budget_currency: str
    provinces: list[Province] | None = None
    targets: list[Target] | None = None


class _Errors:
    """Collects the errors of independent fields, so one answer names all of them: the
    first error is raised, carrying the others in its error_dict."""

    def __init__(self) -> None:
        self.first: DomainError | None = None

    @contextmanager
    def check(self):
        try:
            yield
        except DomainError as error:
            if error.field is None:  # not about one field: nothing else is worth checking
                raise
            if self.first is None:
                self.first = error
            else:
                self.first.error_dict.setdefault(error.field, []).extend(
                    error.error_dict[error.field]
                )

    def raise_any(self) -> None:
        if self.first is not None:
            raise self.first


def activity_validate(
    *,
    version: WorkplanVersion,
    code: str,
    title: str,
    output: Output | None,
    lead_counterpart: Organisation | None,
    provinces: Iterable[Province] | None = None,
    budget: Decimal | int | str = Decimal(0),
    budget_currency: str = "USD",
    project: Project | None = None,
    description: str = "",
    targets: Iterable[tuple[Indicator, int, Decimal]] | None = None,
    activity: Activity | None = None,
) -> ActivityData:
    """The rules an activity keeps; forms, the admin and the import call it for early
    feedback. Every field is checked: the error raised carries one entry per wrong field.

    `targets=None` keeps the activity's current targets (none for a new one), which are
    then checked against the (possibly new) output.
    """
    require_editable(version)
    errors = _Errors()
    workplan = version.workplan
    with errors.check():
        code = require_text(code, field="code", what="The code", max_length=20)
        duplicates = Activity.objects.filter(version=version, code=code)
        if activity is not None and activity.pk:
            duplicates = duplicates.exclude(pk=activity.pk)
        if duplicates.exists():
            raise DomainError(
                f"{version} already has an activity {code}.", field="code", code="duplicate_code"
            )
    with errors.check():
        title = require_text(title, field="title", what="The title", max_length=400)
    description = (description or "").strip()
    with errors.check():
        if output is None:
            raise DomainError(
                "Choose the output the activity serves.", field="output", code="required"
            )
        if output.outcome.sub_programme_id != workplan.sub_programme_id:
            raise DomainError(
                f"Output {output.code} belongs to another sub-programme than {workplan.code}.",
                field="output",
                code="output_of_other_sub_programme",
            )
    with errors.check():
        if lead_counterpart is None:
            raise DomainError(
                "Choose the counterpart that leads the activity.",
                field="lead_counterpart",
                code="required",
            )
        if lead_counterpart.kind != Organisation.Kind.COUNTERPART:
            raise DomainError(
                f"{lead_counterpart} is a {lead_counterpart.get_kind_display().lower()}, "
                "not a counterpart; only a counterpart can lead an activity.",
                field="lead_counterpart",
                code="not_a_counterpart",
            )
    with errors.check():
        if project is not None and project.sub_programme_id != workplan.sub_programme_id:
            raise DomainError(
                f"Project {project.code} belongs to another sub-programme than {workplan.code}.",
                field="project",
                code="project_of_other_sub_programme",
            )
    with errors.check():
        if budget_currency not in Currency.values:
            raise DomainError(
                f"{budget_currency!r} is not a currency the portal knows.",
                field="budget_currency",
                code="unknown_currency",
            )
        budget = to_decimal(budget, field="budget", what="The budget")
        if budget < 0:
            raise DomainError(
                "The budget cannot be negative.", field="budget", code="negative_budget"
            )
        if not fits_digits(budget, **MONEY_DIGITS) or not has_valid_precision(
            budget, budget_currency
        ):
            raise DomainError(
                f"{budget} is not an amount in {budget_currency}.",
                field="budget",
                code="invalid_precision",
            )
    province_list = list(provinces) if provinces is not None else None
    target_list = None
    # Targets are checked against the output, so only once the output itself is right.
    if errors.first is None or "output" not in errors.first.error_dict:
        with errors.check():
            if targets is None and activity is not None and activity.pk:
                current = [
                    (t.indicator, t.quarter, t.value)
                    for t in activity.targets.select_related("indicator")
                ]
                targets_validate(
                    current,
                    output=output,
                    quarters=quarter_count(workplan),
                    workplan_code=workplan.code,
                )
            else:
                target_list = targets_validate(
                    targets or (),
                    output=output,
                    quarters=quarter_count(workplan),
                    workplan_code=workplan.code,
                )
    errors.raise_any()
    return ActivityData(
        code=code,
        title=title,
        description=description,
        output=output,
        lead_counterpart=lead_counterpart,
        project=project,
        budget=budget,
        budget_currency=budget_currency,
        provinces=province_list,
        targets=target_list,
    )


def _require_editor(user) -> None:
    access.require(access.can_edit_workplans(user), "Only programme managers plan activities.")


def _write_targets(activity: Activity, targets: list[Target], *, user) -> None:
    """Make the activity's targets exactly `targets`, touching only the rows that change."""
    existing = {(t.indicator_id, t.quarter): t for t in activity.targets.all()}
    wanted = {(indicator.pk, quarter): value for indicator, quarter, value in targets}
    for key, target in existing.items():
        if key not in wanted:
            delete_audited(target, user=user)
        elif target.value != wanted[key]:
            target.value = wanted[key]
            save_audited(target, user=user)
    for (indicator_id, quarter), value in wanted.items():
        if (indicator_id, quarter) not in existing:
            target = ActivityTarget(
                activity=activity, indicator_id=indicator_id, quarter=quarter, value=value
            )
            save_audited(target, user=user)


@transaction.atomic
def activity_create(
    *,
    version: WorkplanVersion,
    code: str,
    title: str,
    output: Output,
    lead_counterpart: Organisation,
    provinces: Iterable[Province] = (),
    budget: Decimal = Decimal(0),
    budget_currency: str = "USD",
    project: Project | None = None,
    description: str = "",
    targets: Iterable[tuple[Indicator, int, Decimal]] = (),
    user,
) -> Activity:
    """Managers add an activity, led by a counterpart, to a draft or returned version."""
    _require_editor(user)
    locked = lock_version(version.pk)
    data = activity_validate(
        version=locked,
        code=code,
        title=title,
        output=output,
        lead_counterpart=lead_counterpart,
        provinces=provinces,
        budget=budget,
        budget_currency=budget_currency,
        project=project,
        description=description,
        targets=targets,
    )
    activity = Activity(
        version=locked,
        code=data.code,
        title=data.title,
        description=data.description,
        output=data.output,
        lead_counterpart=data.lead_counterpart,
        project=data.project,
        budget=data.budget,
        budget_currency=data.budget_currency,
    )
    save_audited(activity, user=user, reason="Created")
    if data.provinces:
        activity.provinces.set(data.provinces)
    _write_targets(activity, data.targets or [], user=user)
    return activity


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    user,
    targets: Iterable[tuple[Indicator, int, Decimal]] | None = None,
    provinces: Iterable[Province] | None = None,
    **fields,
) -> Activity:
    """Managers change an activity of a draft or returned version; None leaves targets or
    provinces as they are, a list replaces them."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"activity_update() cannot change {', '.join(sorted(unknown))}")
    _require_editor(user)
    locked_version = lock_version(activity.version_id)
    current = Activity.objects.select_related("output", "lead_counterpart", "project").get(
        pk=activity.pk
    )
    values = {name: getattr(current, name) for name in UPDATABLE_FIELDS}
    values.update(fields)
    data = activity_validate(
        version=locked_version,
        activity=current,
        provinces=provinces,
        targets=None if targets is None else list(targets),
        **values,
    )
    for name in UPDATABLE_FIELDS:
        setattr(current, name, getattr(data, name))
    save_audited(current, user=user)
    if data.provinces is not None:
        current.provinces.set(data.provinces)
    if data.targets is not None:
        _write_targets(current, data.targets, user=user)
    if activity is not current:
        activity.refresh_from_db()
    return current


@transaction.atomic
def activity_delete(*, activity: Activity, user) -> None:
    """Managers remove an activity from a draft or returned version."""
    _require_editor(user)
    locked_version = lock_version(activity.version_id)
    require_editable(locked_version)
    current = Activity.objects.get(pk=activity.pk)
    for target in current.targets.all():
        delete_audited(target, user=user)
    delete_audited(current, user=user, reason="Deleted")
