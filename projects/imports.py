"""Files of expenditures and exchange rates: read with ctportal.spreadsheets, every cell
turned into a service argument, every error of every row reported under its column's
label ("Row 4 · Amount: ..."), and nothing saved unless every row is valid; then the
service saves all rows in one transaction.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ctportal.spreadsheets import Column, SpreadsheetError, read_table, template_xlsx
from projects import selectors, services
from projects.exceptions import RowErrors, RowProblems
from projects.models import BudgetCategory

MAX_ROWS = 1000
EXPENDITURE_COLUMNS = [
    Column("project", "Project code"),
    Column("category", "Category"),
    Column("spent_on", "Date"),
    Column("amount", "Amount"),
    Column("currency", "Currency"),
    Column("description", "Description", required=False),
]
RATE_COLUMNS = [
    Column("currency", "Currency"),
    Column("month", "Month"),
    Column("usd_per_unit", "USD per unit"),
    Column("source", "Source"),
]
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


@dataclass(frozen=True)
class ImportProblem:
    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row} · {self.column}" if self.column else f"Row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    saved: int = 0
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows_with_problems(self) -> int:
        return len({problem.row for problem in self.problems})


class _Row:
    """One file row being read: its values so far, and what was wrong with its cells."""

    def __init__(self, number: int, values: dict[str, Any], columns: list[Column]):
        self.number, self.values = number, values
        self.labels = {c.field: c.label for c in columns}
        self.problems: list[ImportProblem] = []

    def fail(self, name: str, message: str) -> None:
        self.problems.append(ImportProblem(self.number, self.labels[name], message))

    def text(self, name: str, *, required: bool = True, max_length: int = 250) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                self.fail(name, "required.")
            return None
        text = value.isoformat() if isinstance(value, datetime.date) else str(value).strip()
        if len(text) > max_length:
            self.fail(name, f"at most {max_length} characters.")
            return None
        return text

    def decimal(self, name: str) -> Decimal | None:
        value = self.values.get(name)
        if value is None:
            self.fail(name, "required.")
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
            self.fail(name, f"'{value}' is not a number.")
            return None
        return number

    def date(self, name: str, *, month_only: bool = False) -> datetime.date | None:
        value = self.values.get(name)
        if value is None:
            self.fail(name, "required.")
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        formats = ("%Y-%m-%d", "%d/%m/%Y") + (("%Y-%m", "%m/%Y") if month_only else ())
        for pattern in formats:
            try:
                return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007
            except ValueError:
                continue
        example = "YYYY-MM or YYYY-MM-DD" if month_only else "YYYY-MM-DD or DD/MM/YYYY"
        self.fail(name, f"'{value}' is not a date ({example}).")
        return None


def _read(uploaded, name: str, columns: list[Column]) -> list[_Row]:
    rows = [
        _Row(number, values, columns)
        for number, values in read_table(uploaded, name, columns, max_rows=MAX_ROWS)
    ]
    if not rows:
        raise SpreadsheetError("The file holds no rows below its header row.")
    return rows


def _service_problems(rows: list[_Row], problems: RowProblems) -> None:
    """File the service's errors (by row index and field) under the file's rows and labels."""
    for index, fields in problems.items():
        row = rows[index]
        for name, messages in fields.items():
            for message in messages:
                row.problems.append(ImportProblem(row.number, row.labels.get(name), message))


def _report(rows: list[_Row]) -> ImportReport:
    """Every problem, row by row and, within a row, in the file's column order."""
    problems = []
    for row in rows:
        order = {label: position for position, label in enumerate(row.labels.values())}
        problems += sorted(row.problems, key=lambda p: order.get(p.column, -1))
    return ImportReport(rows=len(rows), problems=problems)


def _category(text: str | None) -> str | None:
    """A category by its code or its label, as the template's Reference sheet lists them;
    anything else goes to the service as written, which names it in its refusal."""
    if text is None:
        return None
    known = {value.casefold(): value for value in BudgetCategory.values}
    known |= {label.casefold(): value for value, label in BudgetCategory.choices}
    return known.get(text.casefold(), text)


# --- Expenditures -----------------------------------------------------------------------


def expenditure_template() -> bytes:
    reference = [("Category", value, label) for value, label in BudgetCategory.choices]
    return template_xlsx(EXPENDITURE_COLUMNS, title="Expenditures", reference=reference)


def expenditure_file_import(*, user, uploaded, name: str) -> ImportReport:
    """Check every row of the file; save them all (one transaction) only if none is wrong.
    SpreadsheetError when the file itself is not an expenditure file."""
    rows = _read(uploaded, name, EXPENDITURE_COLUMNS)
    codes = {str(row.values["project"]).strip() for row in rows if row.values.get("project")}
    projects = selectors.projects_by_code(user=user, codes=codes)
    inputs = []
    for row in rows:
        code = row.text("project", max_length=30)
        project = projects.get(code) if code else None
        if code and project is None:
            row.fail("project", f"'{code}' is not a project code.")
        currency = row.text("currency", max_length=3)
        inputs.append(
            services.ExpenditureInput(
                project=project,
                category=_category(row.text("category", max_length=60)),
                spent_on=row.date("spent_on"),
                amount=row.decimal("amount"),
                currency=currency.upper() if currency else None,
                description=row.text("description", required=False) or "",
            )
        )
    _service_problems(rows, services.expenditure_import_validate(rows=inputs))
    report = _report(rows)
    if report.ok:
        try:
            report.saved = len(
                services.expenditure_import(
                    rows=inputs, user=user, reason=f"Imported from {name}"[:250]
                )
            )
        except RowErrors as error:  # someone changed a rate or a period meanwhile
            _service_problems(rows, error.rows)
            report = _report(rows)
    return report


# --- Exchange rates -----------------------------------------------------------------------


def exchange_rate_template() -> bytes:
    return template_xlsx(RATE_COLUMNS, title="Exchange rates")


def exchange_rate_file_import(*, user, uploaded, name: str) -> ImportReport:
    """The same for monthly USD rates (XLSX or CSV): all rows valid, or none saved."""
    rows = _read(uploaded, name, RATE_COLUMNS)
    inputs = []
    for row in rows:
        currency = row.text("currency", max_length=3)
        inputs.append(
            services.ExchangeRateInput(
                currency=currency.upper() if currency else None,
                month=row.date("month", month_only=True),
                usd_per_unit=row.decimal("usd_per_unit"),
                source=row.text("source", max_length=200) or "",
            )
        )
    _service_problems(rows, services.exchange_rate_import_validate(rows=inputs))
    report = _report(rows)
    if report.ok:
        try:
            report.saved = len(
                services.exchange_rate_import(
                    rows=inputs, user=user, reason=f"Imported from {name}"[:250]
                )
            )
        except RowErrors as error:
            _service_problems(rows, error.rows)
            report = _report(rows)
    return report
