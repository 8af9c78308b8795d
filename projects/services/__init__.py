"""Every write of the projects app: projects, budgets, expenditures, the results framework
and exchange rates. Interfaces call these, never the ORM.

Each service validates first, then writes inside one transaction, so a broken rule leaves
nothing half-saved. Each `*_validate` helper is the same check the admin form calls in
`clean()`, so a rule is written once. Services that take many rows at once (the budget
grid, imports) raise projects.exceptions.RowErrors naming every error of every row.
"""

from .budget import (
    BudgetLineChange,
    budget_line_problems,
    budget_line_set,
    budget_line_validate,
    budget_save,
)
from .expenditures import (
    EXPENDITURE_FIELDS,
    ExpenditureInput,
    expenditure_create,
    expenditure_delete,
    expenditure_import,
    expenditure_import_validate,
    expenditure_problems,
    expenditure_update,
    expenditure_validate,
)
from .projects import (
    DAC_SECTOR,
    PROJECT_FIELDS,
    PROJECT_M2M_FIELDS,
    project_create,
    project_funding_changed,
    project_update,
    project_validate,
)
from .rates import (
    RATE_DECIMALS,
    ExchangeRateInput,
    exchange_rate_import,
    exchange_rate_import_validate,
    exchange_rate_set,
    exchange_rate_validate,
)
from .results import (
    INDICATOR_FIELDS,
    OUTCOME_FIELDS,
    OUTPUT_FIELDS,
    indicator_create,
    indicator_delete,
    indicator_update,
    indicator_validate,
    outcome_create,
    outcome_delete,
    outcome_update,
    outcome_validate,
    output_create,
    output_delete,
    output_update,
    output_validate,
)

__all__ = [
    "DAC_SECTOR",
    "EXPENDITURE_FIELDS",
    "INDICATOR_FIELDS",
    "OUTCOME_FIELDS",
    "OUTPUT_FIELDS",
    "PROJECT_FIELDS",
    "PROJECT_M2M_FIELDS",
    "RATE_DECIMALS",
    "BudgetLineChange",
    "ExchangeRateInput",
    "ExpenditureInput",
    "budget_line_problems",
    "budget_line_set",
    "budget_line_validate",
    "budget_save",
    "exchange_rate_import",
    "exchange_rate_import_validate",
    "exchange_rate_set",
    "exchange_rate_validate",
    "expenditure_create",
    "expenditure_delete",
    "expenditure_import",
    "expenditure_import_validate",
    "expenditure_problems",
    "expenditure_update",
    "expenditure_validate",
    "indicator_create",
    "indicator_delete",
    "indicator_update",
    "indicator_validate",
    "outcome_create",
    "outcome_delete",
    "outcome_update",
    "outcome_validate",
    "output_create",
    "output_delete",
    "output_update",
    "output_validate",
    "project_create",
    "project_funding_changed",
    "project_update",
    "project_validate",
]
