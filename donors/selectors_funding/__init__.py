"""Funding figures: the one source of every money figure on the funding dashboard, its
drill-down pages and exports, the API's aggregate endpoints and the disbursement reports
(money next to workplan results is reports.funding_results, above donors and workplans).

Rules (the dashboard states them in words from ATTRIBUTION_NOTES):

* Money belongs to agreements, spending to projects. An agreement's commitment, its
  tranches and receipts are its own. A project's spending (Expenditure) is attributed to
  the agreements that fund it in proportion to their allocations:
  ``spent attributed = project spending (USD) x allocation USD / all allocations to the
  project (USD)``. In the agreement's currency the same share is applied to the
  allocation's amount, i.e. spending is converted at the agreement's recorded rate.
* Receipts attributed to a project (project, sub-programme and province rows, money and
  results): ``agreement receipts x allocation amount / agreement commitment``; unallocated
  commitment keeps its share of receipts at agreement level. Overdue amounts alike.
* Balance = received - spent. Burn rate = spent / (allocated x elapsed share of the
  period), as a Decimal: 1.00 is spending at the planned pace, 0.50 half of it. The period
  is the agreement's (agreement rows), the project's (project rows) or from the earliest
  start to the latest end of the projects in a group (sub-programme, province rows); the
  elapsed share counts the days of that period inside the filter period and up to today.
  Calendar-year rows have no burn rate (plans run per agreement and project, not per year).
* Every row holds one currency: a project funded in CAD and USD has a CAD row and a USD
  row. Only USD figures - sums of the stored ``*_usd`` columns, at the rate recorded with
  each row - are added across currencies.
* Province: a project's figures count in full in every province it covers ("projects
  active in the province"); province rows therefore overlap and are never totalled.
* A donor's view (a donor viewer, or a manager's ``as_donor``) holds only that donor's
  agreements and allocations; other donors' money on the same projects appears only as
  one ``other_funding_usd`` figure per row.
* Filters: the period keeps agreements and projects whose own period overlaps it, and
  counts receipts, tranches and spending dated inside it; commitments and allocations are
  counted whole. Sub-programme, project and province narrow allocations and spending; an
  agreement's commitment, receipts and tranches stay whole on agreement rows.

Each figure family is one grouped query (values().annotate()), whatever the number of
rows; the per-project and per-agreement sums it divides by are grouped subqueries joined
once by project or agreement (families.py, joins.py), never correlated subqueries
evaluated for every row. Tranches and spending are read from the year and month totals
(donors.models.DisbursementMonth and the others, kept by donors.services.totals) for the
periods a figure counts whole, and from the rows for the months it cuts (sources.py).
Rows of the families are then matched by key, and the footer totals add up the grouped
rows shown.

The package: scope (who looks, the filters), rows (row types, notes, rounding, burn rate),
sources (the totals and rows the families read), families (the grouped queries), summary
(funding_summary), charts (spending by category, and the money per project and per
province that reports.funding_results sets beside the workplans' results), drilldown
(the rows behind each figure).
"""

from donors.selectors_funding.charts import (
    CategorySpending,
    ProjectMoney,
    ProvinceMoney,
    funding_money_by_project,
    funding_money_by_province,
    funding_spending_by_category,
    project_money_of,
)
from donors.selectors_funding.drilldown import (
    funding_agreement_get,
    funding_allocation_list,
    funding_donor_choices,
    funding_expenditure_list,
    funding_project_get,
    funding_tranche_list,
)
from donors.selectors_funding.rows import (
    ATTRIBUTION_NOTES,
    GROUP_BYS,
    ZERO,
    FundingRow,
    FundingSummary,
    GroupBy,
    round_money,
)
from donors.selectors_funding.scope import (
    FundingFilters,
    FundingScope,
    funding_scope,
    funding_viewer_can_choose_donor,
)
from donors.selectors_funding.summary import funding_summary

__all__ = [
    "ATTRIBUTION_NOTES",
    "GROUP_BYS",
    "ZERO",
    "CategorySpending",
    "FundingFilters",
    "FundingRow",
    "FundingScope",
    "FundingSummary",
    "GroupBy",
    "ProjectMoney",
    "ProvinceMoney",
    "funding_agreement_get",
    "funding_allocation_list",
    "funding_donor_choices",
    "funding_expenditure_list",
    "funding_money_by_project",
    "funding_money_by_province",
    "funding_project_get",
    "funding_scope",
    "funding_spending_by_category",
    "funding_summary",
    "funding_tranche_list",
    "funding_viewer_can_choose_donor",
    "project_money_of",
    "round_money",
]
