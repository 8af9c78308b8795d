"""Writes for projects: every rule about projects, budgets, expenditure and results lives here.

Each service validates first, then writes inside one transaction, so a broken rule leaves
nothing half-saved. Each `*_validate` helper is the same check the admin form calls in
`clean()`, so a rule is written once.
"""

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, Min

from ctportal.exceptions import DomainError
from ctportal.money import MINOR_UNITS, Currency, has_valid_precision, to_usd
from organisations.models import Organisation
from projects.models import (
    BudgetCategory,
    BudgetLine,
    ExchangeRate,
    Expenditure,
    Indicator,
    NapArea,
    Outcome,
    Output,
    Project,
    Province,
    SubProgramme,
)
from projects.selectors import usd_rate_for

RATE_DECIMALS = 8
DAC_SECTOR = re.compile(r"\d{5}")
PROJECT_FIELDS = frozenset(
    {
        "code",
        "title",
        "description",
        "sub_programme",
        "start_date",
        "end_date",
        "status",
        "dac_sector",
        "notes",
    }
)
PROJECT_M2M_FIELDS = frozenset({"provinces", "counterparts", "nap_areas"})
EXPENDITURE_FIELDS = frozenset(
    {"project", "category", "spent_on", "amount", "currency", "description"}
)


# --- Shared checks ------------------------------------------------------------


def _record_actor(instance: Any, user: AbstractBaseUser | None) -> None:
    # django-simple-history reads the actor from the instance; outside a request
    # (tasks, commands, tests) nothing else would tell it who made the change.
    if user is not None:
        instance._history_user = user


def _reject_unknown(fields: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{what} has no editable field(s): {', '.join(sorted(unknown))}")


def _as_decimal(value: Any, *, field: str) -> Decimal:
    # Money never passes through float: 0.1 + 0.2 must not reach a ledger.
    if isinstance(value, float):
        raise TypeError(f"{field} must be a Decimal, not a float.")
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as error:
        raise DomainError("Enter a number.", field=field, code="invalid_number") from error


def _check_currency(currency: str, *, field: str = "currency") -> None:
    if currency not in MINOR_UNITS:
        raise DomainError(
            f"{currency!r} is not a currency the portal records.",
            field=field,
            code="unknown_currency",
        )


def _check_category(category: str) -> None:
    if category not in BudgetCategory.values:
        raise DomainError(
            f"{category!r} is not a budget category.", field="category", code="invalid_choice"
        )


def _check_precision(amount: Decimal, currency: str, *, field: str = "amount") -> None:
    if not has_valid_precision(amount, currency):
        places = MINOR_UNITS[currency]
        raise DomainError(
            f"{currency} amounts have {places} decimal place{'s' if places != 1 else ''} at most.",
            field=field,
            code="too_many_decimals",
        )


def _locked_project(project: Project) -> Project:
    # Expenditure and budget rows are checked against the project's period, and a
    # period change is checked against them: both take the project's row lock so
    # neither can slip past the other (a no-op on SQLite, real on PostgreSQL).
    return Project.objects.select_for_update().get(pk=project.pk)


# --- Exchange rates -----------------------------------------------------------


def exchange_rate_validate(*, currency: str, usd_per_unit: Decimal | int | str) -> Decimal:
    """A rate is recorded for a non-USD currency and is a positive USD amount per unit."""
    _check_currency(currency)
    if currency == Currency.USD:
        raise DomainError(
            "USD is the reporting currency: its rate is always 1.",
            field="currency",
            code="usd_is_base",
        )
    rate = _as_decimal(usd_per_unit, field="usd_per_unit")
    if rate <= 0:
        raise DomainError(
            "The rate must be greater than zero.", field="usd_per_unit", code="rate_not_positive"
        )
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_DECIMALS)):
        raise DomainError(
            f"A rate has {RATE_DECIMALS} decimal places at most.",
            field="usd_per_unit",
            code="too_many_decimals",
        )
    return rate


@transaction.atomic
def exchange_rate_set(
    *,
    currency: str,
    month: datetime.date,
    usd_per_unit: Decimal,
    source: str,
    user: AbstractBaseUser | None = None,
) -> ExchangeRate:
    """One UN operational rate per currency and month (stored on the 1st): set or correct it."""
    rate_value = exchange_rate_validate(currency=currency, usd_per_unit=usd_per_unit)
    first_day = month.replace(day=1)
    rate = (
        ExchangeRate.objects.select_for_update().filter(currency=currency, month=first_day).first()
    )
    if rate is None:
        rate = ExchangeRate(currency=currency, month=first_day)
    rate.usd_per_unit = rate_value
    rate.source = source
    _record_actor(rate, user)
    rate.save()
    return rate


# --- Projects -----------------------------------------------------------------


def project_validate(
    *,
    start_date: datetime.date,
    end_date: datetime.date,
    dac_sector: str = "",
    counterparts: Iterable[Organisation] = (),
    code: str | None = None,
    status: str | None = None,
    project: Project | None = None,
) -> None:
    """A project ends on or after its start, has a 5-digit DAC code if any, counts only
    counterpart organisations as counterparts, and (when it exists) keeps every recorded
    expenditure and budget year inside its period."""
    existing = project if project is not None and project.pk else None
    if code is not None:
        taken = Project.objects.filter(code=code)
        if existing is not None:
            taken = taken.exclude(pk=existing.pk)
        if taken.exists():
            raise DomainError(
                f"Another project already has the code {code}.", field="code", code="duplicate_code"
            )
    if status is not None and status not in Project.Status.values:
        raise DomainError(
            f"{status!r} is not a project status.", field="status", code="invalid_choice"
        )
    if end_date < start_date:
        raise DomainError(
            "The end date cannot be before the start date.",
            field="end_date",
            code="end_before_start",
        )
    if dac_sector and not DAC_SECTOR.fullmatch(dac_sector):
        raise DomainError(
            "A DAC sector is a 5-digit OECD purpose code, e.g. 15210.",
            field="dac_sector",
            code="invalid_dac_sector",
        )
    not_counterparts = sorted(
        org.short_name for org in counterparts if org.kind != Organisation.Kind.COUNTERPART
    )
    if not_counterparts:
        raise DomainError(
            f"Not counterpart organisations: {', '.join(not_counterparts)}.",
            field="counterparts",
            code="not_a_counterpart",
        )
    if existing is not None:
        _check_period_keeps_records(project=existing, start_date=start_date, end_date=end_date)


def _check_period_keeps_records(
    *, project: Project, start_date: datetime.date, end_date: datetime.date
) -> None:
    spent = project.expenditures.aggregate(first=Min("spent_on"), last=Max("spent_on"))
    if spent["first"] is not None and spent["first"] < start_date:
        raise DomainError(
            f"An expenditure is recorded on {spent['first']:%d %B %Y}, before this start date.",
            field="start_date",
            code="expenditure_outside_period",
        )
    if spent["last"] is not None and spent["last"] > end_date:
        raise DomainError(
            f"An expenditure is recorded on {spent['last']:%d %B %Y}, after this end date.",
            field="end_date",
            code="expenditure_outside_period",
        )
    budget = project.budget_lines.aggregate(first=Min("year"), last=Max("year"))
    if budget["first"] is not None and budget["first"] < start_date.year:
        raise DomainError(
            f"The budget has a line for {budget['first']}, before this start date.",
            field="start_date",
            code="budget_outside_period",
        )
    if budget["last"] is not None and budget["last"] > end_date.year:
        raise DomainError(
            f"The budget has a line for {budget['last']}, after this end date.",
            field="end_date",
            code="budget_outside_period",
        )


def _set_project_m2m(project: Project, m2m: dict[str, Iterable[Any]]) -> None:
    # Set without a history row per relation; the caller's save() writes one row
    # that snapshots every relation.
    project.skip_history_when_saving = True
    try:
        for name, values in m2m.items():
            getattr(project, name).set(list(values))
    finally:
        del project.skip_history_when_saving


@transaction.atomic
def project_create(
    *,
    code: str,
    title: str,
    sub_programme: SubProgramme,
    start_date: datetime.date,
    end_date: datetime.date,
    status: str = Project.Status.IMPLEMENTATION,
    description: str = "",
    dac_sector: str = "",
    provinces: Iterable[Province] = (),
    counterparts: Iterable[Organisation] = (),
    nap_areas: Iterable[NapArea] = (),
    notes: str = "",
    user: AbstractBaseUser | None = None,
) -> Project:
    """A project ends on or after its start, with a 5-digit DAC code and counterparts only."""
    counterparts = list(counterparts)
    project_validate(
        code=code,
        status=status,
        start_date=start_date,
        end_date=end_date,
        dac_sector=dac_sector,
        counterparts=counterparts,
    )
    project = Project(
        code=code,
        title=title,
        sub_programme=sub_programme,
        start_date=start_date,
        end_date=end_date,
        status=status,
        description=description,
        dac_sector=dac_sector,
        notes=notes,
    )
    _record_actor(project, user)
    project.save()
    m2m = {
        name: values
        for name, values in (
            ("provinces", list(provinces)),
            ("counterparts", counterparts),
            ("nap_areas", list(nap_areas)),
        )
        if values
    }
    if m2m:
        _set_project_m2m(project, m2m)
        # The creation row cannot hold the relations (they need the row's id), so
        # one change row records them.
        project.save(update_fields=["updated_at"])
    return project


@transaction.atomic
def project_update(
    *, project: Project, user: AbstractBaseUser | None = None, **fields: Any
) -> Project:
    """Change a project under the create rules; its period must keep its expenditures inside."""
    _reject_unknown(fields, PROJECT_FIELDS | PROJECT_M2M_FIELDS, "Project")
    _locked_project(project)
    m2m = {name: list(fields.pop(name)) for name in PROJECT_M2M_FIELDS if name in fields}
    counterparts = m2m.get("counterparts", project.counterparts.all())
    project_validate(
        project=project,
        code=fields.get("code", project.code),
        status=fields.get("status", project.status),
        start_date=fields.get("start_date", project.start_date),
        end_date=fields.get("end_date", project.end_date),
        dac_sector=fields.get("dac_sector", project.dac_sector),
        counterparts=counterparts,
    )
    for name, value in fields.items():
        setattr(project, name, value)
    if m2m:
        _set_project_m2m(project, m2m)
    _record_actor(project, user)
    project.save()
    return project


# --- Budget -------------------------------------------------------------------


def budget_line_validate(
    *,
    project: Project,
    category: str,
    year: int,
    amount: Decimal | int | str,
    currency: str = Currency.USD,
) -> Decimal:
    """A budget line falls in a year of its project's period and is a non-negative amount in
    its currency's minor unit; returns the amount as a Decimal."""
    _check_category(category)
    _check_currency(currency)
    if not project.start_date.year <= year <= project.end_date.year:
        raise DomainError(
            f"{year} is outside the project's period "
            f"({project.start_date.year}-{project.end_date.year}).",
            field="year",
            code="outside_project_period",
        )
    value = _as_decimal(amount, field="amount")
    if value < 0:
        raise DomainError("A budget cannot be negative.", field="amount", code="negative_amount")
    _check_precision(value, currency)
    return value


@transaction.atomic
def budget_line_set(
    *,
    project: Project,
    category: str,
    year: int,
    amount: Decimal,
    currency: str = Currency.USD,
    user: AbstractBaseUser | None = None,
) -> BudgetLine:
    """One budget line per project, category and year, inside the project's period: set it."""
    locked = _locked_project(project)
    value = budget_line_validate(
        project=locked, category=category, year=year, amount=amount, currency=currency
    )
    line = (
        BudgetLine.objects.select_for_update()
        .filter(project=project, category=category, year=year)
        .first()
    )
    if line is None:
        line = BudgetLine(project=project, category=category, year=year)
    line.amount = value
    line.currency = currency
    _record_actor(line, user)
    line.save()
    return line


# --- Expenditure --------------------------------------------------------------


def expenditure_validate(
    *,
    project: Project,
    category: str,
    spent_on: datetime.date,
    amount: Decimal | int | str,
    currency: str = Currency.USD,
) -> Decimal:
    """An expenditure is positive in its currency's minor unit, falls inside its project's
    period and has a UN rate for its month; returns that USD rate."""
    _check_category(category)
    _check_currency(currency)
    value = _as_decimal(amount, field="amount")
    if value <= 0:
        raise DomainError(
            "An expenditure must be greater than zero.", field="amount", code="amount_not_positive"
        )
    _check_precision(value, currency)
    if not project.start_date <= spent_on <= project.end_date:
        raise DomainError(
            f"{spent_on:%d %B %Y} is outside the project's period "
            f"({project.start_date:%d %b %Y} - {project.end_date:%d %b %Y}).",
            field="spent_on",
            code="outside_project_period",
        )
    return usd_rate_for(currency=currency, on=spent_on, field="currency")


@transaction.atomic
def expenditure_create(
    *,
    project: Project,
    category: str,
    spent_on: datetime.date,
    amount: Decimal,
    currency: str = Currency.USD,
    description: str = "",
    user: AbstractBaseUser | None = None,
) -> Expenditure:
    """Record what was spent inside the project's period, with its USD value at the month's rate."""
    locked = _locked_project(project)
    rate = expenditure_validate(
        project=locked, category=category, spent_on=spent_on, amount=amount, currency=currency
    )
    value = _as_decimal(amount, field="amount")
    expenditure = Expenditure(
        project=project,
        category=category,
        spent_on=spent_on,
        amount=value,
        currency=currency,
        usd_rate=rate,
        amount_usd=to_usd(value, rate),
        description=description,
    )
    _record_actor(expenditure, user)
    expenditure.save()
    return expenditure


@transaction.atomic
def expenditure_update(
    *, expenditure: Expenditure, user: AbstractBaseUser | None = None, **fields: Any
) -> Expenditure:
    """Correct an expenditure under the create rules; a new date, amount or currency is
    re-valued at the rate of its month, otherwise the recorded rate stands."""
    _reject_unknown(fields, EXPENDITURE_FIELDS, "Expenditure")
    project = _locked_project(fields.get("project", expenditure.project))
    values = {
        "category": fields.get("category", expenditure.category),
        "spent_on": fields.get("spent_on", expenditure.spent_on),
        "amount": _as_decimal(fields.get("amount", expenditure.amount), field="amount"),
        "currency": fields.get("currency", expenditure.currency),
    }
    rate = expenditure_validate(project=project, **values)
    revalue = (
        values["spent_on"] != expenditure.spent_on
        or values["amount"] != expenditure.amount
        or values["currency"] != expenditure.currency
    )
    for name, value in {**fields, **values}.items():
        setattr(expenditure, name, value)
    if revalue:
        expenditure.usd_rate = rate
        expenditure.amount_usd = to_usd(values["amount"], rate)
    _record_actor(expenditure, user)
    expenditure.save()
    return expenditure


@transaction.atomic
def expenditure_delete(*, expenditure: Expenditure, user: AbstractBaseUser | None = None) -> None:
    """Remove a recorded expenditure; its history keeps who removed it and what it was."""
    _record_actor(expenditure, user)
    expenditure.delete()


# --- Results framework --------------------------------------------------------


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
    _record_actor(outcome, user)
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
    _record_actor(output, user)
    output.save()
    return output


def indicator_validate(
    *, baseline: Decimal | int | str, target: Decimal | int | str
) -> tuple[Decimal, Decimal]:
    """Baseline and target are non-negative and the target is above the baseline."""
    baseline_value = _as_decimal(baseline, field="baseline")
    target_value = _as_decimal(target, field="target")
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
    _record_actor(indicator, user)
    indicator.save()
    return indicator
