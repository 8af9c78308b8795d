"""Report workbooks (openpyxl): an About sheet with the report's summary, then one table per
sheet with exactly one header row, an autofilter, frozen panes and print setup (sheet), and
totals as SUM formulas over the rows above them; amounts are numbers with number formats."""

from reports.documents.xlsx.disbursement import disbursement_xlsx
from reports.documents.xlsx.progress import progress_xlsx

__all__ = ["disbursement_xlsx", "progress_xlsx"]
