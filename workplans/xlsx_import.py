"""The workplan XLSX template and its import.

One row per activity and indicator. The first row of an activity code gives the
activity's fields; further rows with the same code add targets for other indicators.
A file is checked by running every row through the same services as the form, inside a
transaction that is always rolled back; only a file without a single error is imported,
again through the services, in one transaction.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ctportal.spreadsheet_safety import inert_workbook
from organisations.models import Organisation
from projects.models import Indicator, Output, Project, Province
from workplans import services
from workplans.models import WorkplanVersion
from workplans.quarters import quarters_of

FIXED_COLUMNS = [
    ("code", "Activity code", "A1"),
    ("title", "Activity title", "Multi-agency workshops on CT investigation"),
    ("output", "Output code", "Op1.1"),
    ("lead", "Lead counterpart (short name)", "NACTA"),
    ("provinces", "Provinces (ISO codes, comma-separated)", "PK-IS"),
    ("project", "Funding project code (optional)", ""),
    ("budget", "Budget (USD)", "135000"),
    ("indicator", "Indicator code", "I1.1b"),
]
MAX_ROWS = 2000


class ImportFileError(Exception):
    """The file is not a workplan template at all (not XLSX, wrong headers)."""


@dataclass
class ImportRow:
    number: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)

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


def template_workbook(version: WorkplanVersion) -> bytes:
    """An empty template for the version's workplan, with its quarters as target columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Activities"
    quarters = quarters_of(version.workplan)
    headers = [label for _, label, _ in FIXED_COLUMNS] + [f"Target {q.label}" for q in quarters]
    sheet.append(headers)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(14, len(header) + 2)
    sheet.freeze_panes = "A2"
    non_negative = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    sheet.add_data_validation(non_negative)
    non_negative.add(f"G2:{sheet.cell(MAX_ROWS, len(headers)).coordinate}")

    help_sheet = workbook.create_sheet("Reference")
    help_sheet.append(["What", "Code", "Name"])
    for cell in help_sheet[1]:
        cell.font = bold
    sub_programme = version.workplan.sub_programme
    for output in Output.objects.filter(outcome__sub_programme=sub_programme).order_by("code"):
        help_sheet.append(["Output", output.code, output.title])
    for indicator in Indicator.objects.filter(
        output__outcome__sub_programme=sub_programme
    ).select_related("output"):
        help_sheet.append(
            [
                "Indicator",
                indicator.code,
                f"{indicator.title} ({indicator.unit}) - output {indicator.output.code}",
            ]
        )
    for org in Organisation.objects.filter(kind=Organisation.Kind.COUNTERPART):
        help_sheet.append(["Counterpart", org.short_name, org.name])
    for province in Province.objects.all():
        help_sheet.append(["Province", province.code, province.name])
    for project in Project.objects.filter(sub_programme=sub_programme):
        help_sheet.append(["Project", project.code, project.title])
    help_sheet.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    inert_workbook(workbook).save(buffer)
    return buffer.getvalue()


def read_rows(uploaded, version: WorkplanVersion) -> list[ImportRow]:
    """The file's non-empty rows as strings keyed by column, in the template's order."""
    try:
        workbook = load_workbook(uploaded, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not XLSX
        raise ImportFileError("This is not an XLSX file made from the portal's template.") from exc
    sheet = workbook.worksheets[0]
    quarters = quarters_of(version.workplan)
    keys = [key for key, _, _ in FIXED_COLUMNS] + [f"q{q.number}" for q in quarters]
    rows_iter = sheet.iter_rows(values_only=True)
    header = next(rows_iter, None)
    expected = [label for _, label, _ in FIXED_COLUMNS]
    if header is None or [str(h or "").strip() for h in header[: len(expected)]] != expected:
        raise ImportFileError(
            "The first row must be the template's headers; download the template and fill it in."
        )
    rows = []
    for number, raw in enumerate(rows_iter, start=2):
        if number > MAX_ROWS:
            raise ImportFileError(f"A workplan file may have at most {MAX_ROWS - 1} rows.")
        cells = list(raw or ())[: len(keys)]
        if all(cell in (None, "") for cell in cells):
            continue
        cells += [None] * (len(keys) - len(cells))
        values = {
            key: "" if cell is None else str(cell).strip()
            for key, cell in zip(keys, cells, strict=True)
        }
        rows.append(ImportRow(number=number, values=values))
    workbook.close()
    return rows


def _decimal(text: str, label: str, errors: list[str]) -> Decimal | None:
    if text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(f"{label}: '{text}' is not a number.")
        return None
    if not value.is_finite():
        errors.append(f"{label}: '{text}' is not a number.")
        return None
    return value


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{name.replace('_', ' ')}: {message}"
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


class _Lookups:
    """Everything a file may name, loaded once rather than once per row."""

    def __init__(self, version: WorkplanVersion) -> None:
        sub_programme = version.workplan.sub_programme
        self.outputs = {
            o.code: o for o in Output.objects.filter(outcome__sub_programme=sub_programme)
        }
        self.indicators = {
            i.code: i
            for i in Indicator.objects.filter(output__outcome__sub_programme=sub_programme)
        }
        self.orgs = {o.short_name.lower(): o for o in Organisation.objects.all()}
        self.provinces = {p.code: p for p in Province.objects.all()}
        self.projects = {p.code: p for p in Project.objects.all()}


def _parse(rows: list[ImportRow], version: WorkplanVersion) -> list[tuple[ImportRow, dict]]:
    """Turn each row into service arguments, recording lookup and number errors on the row."""
    lookups = _Lookups(version)
    quarters = quarters_of(version.workplan)
    parsed: list[tuple[ImportRow, dict]] = []
    by_code: dict[str, dict] = {}
    for row in rows:
        v, errors = row.values, row.errors
        code = v["code"]
        if not code:
            errors.append("Activity code: required.")
        indicator = lookups.indicators.get(v["indicator"])
        if not v["indicator"]:
            errors.append("Indicator code: required.")
        elif indicator is None:
            errors.append(
                f"Indicator code: '{v['indicator']}' is not an indicator of this sub-programme."
            )
        targets = []
        for quarter in quarters:
            value = _decimal(v[f"q{quarter.number}"], f"Target {quarter.label}", errors)
            if value is not None and value != 0 and indicator is not None:
                targets.append((indicator, quarter.number, value))
        if code in by_code:  # a further indicator of an activity already started
            by_code[code]["targets"].extend(targets)
            parsed.append((row, None))
            continue
        output = lookups.outputs.get(v["output"])
        if output is None:
            errors.append(f"Output code: '{v['output']}' is not an output of this sub-programme.")
        lead = lookups.orgs.get(v["lead"].lower())
        if lead is None:
            errors.append(f"Lead counterpart: '{v['lead']}' is not a known organisation.")
        provinces = []
        for item in filter(None, (p.strip().upper() for p in v["provinces"].split(","))):
            if item in lookups.provinces:
                provinces.append(lookups.provinces[item])
            else:
                errors.append(f"Provinces: '{item}' is not an ISO 3166-2:PK code.")
        project = None
        if v["project"]:
            project = lookups.projects.get(v["project"])
            if project is None:
                errors.append(f"Funding project code: '{v['project']}' is not a project.")
        budget = _decimal(v["budget"], "Budget", errors)
        kwargs = {
            "version": version,
            "code": code,
            "title": v["title"],
            "output": output,
            "lead_counterpart": lead,
            "provinces": provinces,
            "project": project,
            "budget": budget if budget is not None else Decimal(0),
            "budget_currency": "USD",
            "targets": targets,
        }
        if code:
            by_code[code] = kwargs
        parsed.append((row, kwargs))
    return parsed


def _apply(parsed: list[tuple[ImportRow, dict]], user) -> int:
    """Create each activity through the service; a refusal is recorded on its row."""
    created = 0
    for row, kwargs in parsed:
        if kwargs is None or not row.ok:
            continue
        try:
            with transaction.atomic():
                services.activity_create(user=user, **kwargs)
            created += 1
        except ValidationError as error:
            row.errors.extend(_messages(error))
    return created


def workplan_import_check(*, version: WorkplanVersion, user, uploaded) -> ImportResult:
    """Check every row against the services' rules; nothing is ever saved."""
    if not version.is_editable:
        raise PermissionDenied("Only a draft version can be imported into.")
    rows = read_rows(uploaded, version)
    parsed = _parse(rows, version)
    with transaction.atomic():
        _apply(parsed, user)
        transaction.set_rollback(True)
    return ImportResult(rows=rows)


@transaction.atomic
def workplan_import(*, version: WorkplanVersion, user, uploaded) -> ImportResult:
    """Import a file whose every row is valid; if any row fails, nothing is saved."""
    rows = read_rows(uploaded, version)
    parsed = _parse(rows, version)
    result = ImportResult(rows=rows)
    if not all(row.ok for row in rows):
        return result
    result.created = _apply(parsed, user)
    if not result.ok:
        transaction.set_rollback(True)
        result.created = 0
    return result
