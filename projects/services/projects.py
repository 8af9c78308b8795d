"""Writes for projects: code, period, status, counterparts, sector, NAP areas."""

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from ctportal.audit_trail import save_audited
from ctportal.exceptions import DomainError
from organisations.models import Organisation
from projects.models import NapArea, Project, Province, SubProgramme

from .common import locked_project, reject_unknown

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
    save_audited(project, user=user)
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
    reject_unknown(fields, PROJECT_FIELDS | PROJECT_M2M_FIELDS, "Project")
    locked_project(project)
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
    save_audited(project, user=user)
    return project


def project_funding_changed(*, project_ids: Iterable[int]) -> None:
    """A project's funders or their amounts changed (an allocation was made, changed or
    removed): its `updated_at` moves, so a harvest with `modified_since` finds it."""
    Project.objects.filter(pk__in=list(project_ids)).update(updated_at=timezone.now())
