"""The funding dashboard's tables and charts, built from donors.selectors_funding.

A Table is what the page shows and what its CSV/XLSX export writes: the same rows, the
same figures, the same order (donors.exports writes `Table.export_rows()`). Nothing here
queries the database except through the selectors.

base: columns, cells, rows, the Table and its links; summaries: by agreement, group and
year; charts: the money-only charts; lists: the drill-down lists behind the figures. The
tables of funding next to workplan results are reports.funding_tables.
"""

from donors.tables.base import Actions, Cell, Column, Links, Row, Table, money_cell
from donors.tables.charts import category_table, timeline_table
from donors.tables.lists import allocation_table, expenditure_table, overdue_table, tranche_table
from donors.tables.summaries import agreement_table, group_table, year_table

__all__ = [
    "Actions",
    "Cell",
    "Column",
    "Links",
    "Row",
    "Table",
    "agreement_table",
    "allocation_table",
    "category_table",
    "expenditure_table",
    "group_table",
    "money_cell",
    "overdue_table",
    "timeline_table",
    "tranche_table",
    "year_table",
]
