"""Every write of the projects app: projects, budgets, expenditures, the results framework
and exchange rates. Interfaces call these, never the ORM.

Each service validates first, then writes inside one transaction, so a broken rule leaves
nothing half-saved. Each `*_validate` helper is the same check the admin form calls in
`clean()`, so a rule is written once.
"""

from .money import (
    EXPENDITURE_FIELDS,
    budget_line_set,
    budget_line_validate,
    expenditure_create,
    expenditure_delete,
    expenditure_update,
    expenditure_validate,
)
from .projects import (
    DAC_SECTOR,
    PROJECT_FIELDS,
    PROJECT_M2M_FIELDS,
    project_create,
    project_update,
    project_validate,
)
from .rates import RATE_DECIMALS, exchange_rate_set, exchange_rate_validate
from .results import (
    indicator_create,
    indicator_validate,
    outcome_create,
    outcome_validate,
    output_create,
)

__all__ = [
    "DAC_SECTOR",
    "EXPENDITURE_FIELDS",
    "PROJECT_FIELDS",
    "PROJECT_M2M_FIELDS",
    "RATE_DECIMALS",
    "budget_line_set",
    "budget_line_validate",
    "exchange_rate_set",
    "exchange_rate_validate",
    "expenditure_create",
    "expenditure_delete",
    "expenditure_update",
    "expenditure_validate",
    "indicator_create",
    "indicator_validate",
    "outcome_create",
    "outcome_validate",
    "output_create",
    "project_create",
    "project_update",
    "project_validate",
]
