"""The workplan XLSX import: reading a filled-in template (xlsx_template), checking it, and
saving it.

One row per activity and indicator. The first row of an activity code gives the
activity's fields; further rows with the same code add targets for other indicators.
The file is read with ctportal.spreadsheets. Checking it reports every error of every
row in one pass, each under its column's label ("Row 4 · Budget (USD): ..."): every cell
is read, every target goes through the same rule as the activity form's
(services.target_value_validate), every activity through services.activity_validate,
which names every wrong field at once. Only a file without a single error is imported,
through services.activity_create, in one transaction.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ctportal.exceptions import DomainError
from ctportal.spreadsheets import SpreadsheetError, read_xlsx
from organisations.models import Organisation
from projects.models import Indicator, Output, Project, Province
from workplans import services
from workplans.models import WorkplanVersion
from workplans.quarters import quarters_of
from workplans.xlsx_template import MAX_ROWS, import_columns

# The service's field each error names -> the column it is shown under.
SERVICE_FIELD_COLUMNS = {
    "code": "code",
    "title": "title",
    "output": "output",
    "lead_counterpart": "lead",
    "provinces": "provinces",
    "project": "project",
    "budget": "budget",
    "budget_currency": "budget",
    "targets": "indicator",
}
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")

# The file as a whole is unreadable (not XLSX, wrong headers, too many rows).
ImportFileError = SpreadsheetError


@dataclass(frozen=True)
class RowError:
    """What is wrong in one cell of a row (or with the row, when `column` is None)."""

    column: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


@dataclass
class ImportRow:
    number: int
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportResult:
    rows: list[ImportRow]
    created: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.ok for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(len(row.errors) for row in self.rows)

    @property
    def problems(self) -> list[str]:
        """Every error of the file, in row order: "Row 4 · Budget (USD): ..."."""
        return [
            f"Row {row.number} · {error}" if error.column else f"Row {row.number}: {error}"
            for row in self.rows
            for error in row.errors
        ]


def _shown(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_rows(uploaded, version: WorkplanVersion) -> list[tuple[ImportRow, dict[str, Any]]]:
    """The file's non-empty rows, each as shown (text by column) and as read."""
    rows = []
    for number, values in read_xlsx(uploaded, import_columns(version), max_rows=MAX_ROWS):
        shown = {
            column.field: _shown(values.get(column.field)) for column in import_columns(version)
        }
        rows.append((ImportRow(number=number, values=shown), values))
    return rows


class _Lookups:
    """Everything a file may name, loaded once rather than once per row."""

    def __init__(self, version: WorkplanVersion) -> None:
        sub_programme = version.workplan.sub_programme
        self.outputs = {
            o.code: o
            for o in Output.objects.filter(outcome__sub_programme=sub_programme).select_related(
                "outcome"
            )
        }
        self.indicators = {
            i.code: i
            for i in Indicator.objects.filter(output__outcome__sub_programme=sub_programme)
        }
        self.orgs = {o.short_name.lower(): o for o in Organisation.objects.all()}
        self.provinces = {p.code: p for p in Province.objects.all()}
        self.projects = {p.code: p for p in Project.objects.all()}


class _Reader:
    """One row being read: its cells turned into values, each problem under its column."""

    def __init__(self, row: ImportRow, values: dict[str, Any], labels: dict[str, str]):
        self.row, self.values, self.labels = row, values, labels

    def fail(self, column: str | None, message: str) -> None:
        self.row.errors.append(RowError(self.labels.get(column) if column else None, message))

    def failed(self, column: str) -> bool:
        return any(error.column == self.labels[column] for error in self.row.errors)

    def text(self, column: str, *, required: bool = False) -> str:
        text = self.row.values[column]
        if required and not text:
            self.fail(column, "required.")
        return text

    def number(self, column: str) -> Decimal | None:
        value = self.values.get(column)
        if value is None:
            return None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return Decimal(value)
        text = str(value).replace(" ", "")
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.fail(column, f"'{value}' is not a number.")
            return None
        return number


@dataclass
class _Activity:
    """An activity of the file: its first row, the service's arguments, and each of its
    rows with the indicator it gives targets for."""

    row: _Reader
    kwargs: dict[str, Any]
    indicators: dict[int, int] = field(default_factory=dict)  # indicator pk -> row number


def _parse(rows: list[tuple[ImportRow, dict]], version: WorkplanVersion) -> list[_Activity]:
    """Read every cell of every row; each problem is recorded under its column."""
    lookups = _Lookups(version)
    quarters = quarters_of(version.workplan)
    labels = {column.field: column.label for column in import_columns(version)}
    activities: dict[str, _Activity] = {}
    for row, values in rows:
        cells = _Reader(row, values, labels)
        code = cells.text("code", required=True)
        indicator = None
        indicator_code = cells.text("indicator", required=True)
        if indicator_code:
            indicator = lookups.indicators.get(indicator_code)
            if indicator is None:
                cells.fail(
                    "indicator", f"'{indicator_code}' is not an indicator of this sub-programme."
                )
        activity = activities.get(code) if code else None
        if activity is None:
            activity = _Activity(row=cells, kwargs=_activity_kwargs(cells, lookups, version))
            if code:
                activities[code] = activity
        output = activity.kwargs["output"]
        if indicator is not None:
            if output is not None:
                try:
                    services.target_indicator_validate(indicator=indicator, output=output)
                except DomainError as error:
                    cells.fail("indicator", " ".join(error.messages))
            first = activity.indicators.setdefault(indicator.pk, row.number)
            if first != row.number:
                cells.fail(
                    "indicator",
                    f"{indicator.code} already has targets for {code} in row {first}; "
                    "give each indicator one row.",
                )
        for quarter in quarters:
            column = f"q{quarter.number}"
            value = cells.number(column)
            if value is None or value == 0 or indicator is None:
                continue
            try:
                value = services.target_value_validate(
                    indicator=indicator, quarter=quarter.number, value=value
                )
            except DomainError as error:
                cells.fail(column, " ".join(error.messages))
                continue
            activity.kwargs["targets"].append((indicator, quarter.number, value))
    return list(activities.values())


def _activity_kwargs(cells: _Reader, lookups: _Lookups, version: WorkplanVersion) -> dict:
    """The service's arguments from an activity's first row (None where a cell is wrong)."""
    output = None
    if output_code := cells.text("output", required=True):
        output = lookups.outputs.get(output_code)
        if output is None:
            cells.fail("output", f"'{output_code}' is not an output of this sub-programme.")
    lead = None
    if lead_name := cells.text("lead", required=True):
        lead = lookups.orgs.get(lead_name.lower())
        if lead is None:
            cells.fail("lead", f"'{lead_name}' is not a known organisation.")
    provinces = []
    for item in filter(None, (p.strip().upper() for p in cells.text("provinces").split(","))):
        if item in lookups.provinces:
            provinces.append(lookups.provinces[item])
        else:
            cells.fail("provinces", f"'{item}' is not an ISO 3166-2:PK code.")
    project = None
    if project_code := cells.text("project"):
        project = lookups.projects.get(project_code)
        if project is None:
            cells.fail("project", f"'{project_code}' is not a project.")
    budget = cells.number("budget")
    return {
        "version": version,
        "code": cells.text("code"),
        "title": cells.text("title"),
        "output": output,
        "lead_counterpart": lead,
        "provinces": provinces,
        "project": project,
        "budget": budget if budget is not None else Decimal(0),
        "budget_currency": "USD",
        "targets": [],
    }


def _service_errors(activity: _Activity, error: ValidationError) -> None:
    """The service's errors under their columns, except where the cell was already wrong
    (an output that does not exist is not also "missing")."""
    cells = activity.row
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            cells.fail(None, message)
        return
    for name, errors in error.error_dict.items():
        column = SERVICE_FIELD_COLUMNS.get(name)
        if column and cells.failed(column):
            continue
        for item in errors:
            for message in item.messages:
                cells.fail(column, message)


def _check(activities: list[_Activity]) -> None:
    """Every activity through the service's rules, all its fields at once."""
    for activity in activities:
        # Targets were checked cell by cell, under their own columns.
        kwargs = {**activity.kwargs, "targets": []}
        try:
            services.activity_validate(**kwargs)
        except ValidationError as error:
            _service_errors(activity, error)


def _apply(activities: list[_Activity], user) -> int:
    """Create each activity through the service; a refusal is recorded on its first row."""
    created = 0
    for activity in activities:
        try:
            with transaction.atomic():
                services.activity_create(user=user, **activity.kwargs)
            created += 1
        except ValidationError as error:
            _service_errors(activity, error)
    return created


def _checked(version: WorkplanVersion, uploaded) -> tuple[list[ImportRow], list[_Activity]]:
    if not version.is_editable:
        raise PermissionDenied("Only a draft version can be imported into.")
    rows = read_rows(uploaded, version)
    activities = _parse(rows, version)
    _check(activities)
    return [row for row, _ in rows], activities


def workplan_import_check(*, version: WorkplanVersion, user, uploaded) -> ImportResult:
    """Check every row against the services' rules; nothing is ever saved."""
    rows, _activities = _checked(version, uploaded)
    return ImportResult(rows=rows)


@transaction.atomic
def workplan_import(*, version: WorkplanVersion, user, uploaded) -> ImportResult:
    """Import a file whose every row is valid; if any row fails, nothing is saved."""
    rows, activities = _checked(version, uploaded)
    result = ImportResult(rows=rows)
    if not result.ok:
        return result
    result.created = _apply(activities, user)
    if not result.ok:
        transaction.set_rollback(True)
        result.created = 0
    return result
