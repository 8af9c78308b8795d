"""The workplan XLSX template: its columns, which the import (xlsx_import) reads, and the
empty workbook offered for download, with a sheet of the codes a file may name.

One row per activity and indicator. The first row of an activity code gives the
activity's fields; further rows with the same code add targets for other indicators.
"""

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ctportal.spreadsheet_safety import inert_workbook
from ctportal.spreadsheets import Column
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


def import_columns(version: WorkplanVersion) -> list[Column]:
    """The template's columns: the activity's fields, then one target column per quarter."""
    optional = {"provinces", "project"}
    columns = [Column(key, label, required=key not in optional) for key, label, _ in FIXED_COLUMNS]
    return columns + [
        Column(f"q{q.number}", f"Target {q.label}", required=False)
        for q in quarters_of(version.workplan)
    ]


def template_workbook(version: WorkplanVersion) -> bytes:
    """An empty template for the version's workplan, with its quarters as target columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Activities"
    headers = [column.label for column in import_columns(version)]
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
        whole = ", whole numbers" if services.unit_is_count(indicator.unit) else ""
        help_sheet.append(
            [
                "Indicator",
                indicator.code,
                f"{indicator.title} ({indicator.unit}{whole}) - output {indicator.output.code}",
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
