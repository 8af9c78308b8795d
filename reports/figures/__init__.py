"""The figures a report shows, read through the apps' selectors and as at the period's end:
a disbursement report's donor sections (disbursement) and a progress report's workplan
quarter (progress). The two kinds share no code; the documents (reports.documents) and
the services import both from here.
"""

from reports.figures.charts import CHART_BARS, chart_groups
from reports.figures.disbursement import (
    MONEY_FIELDS,
    REPORT_VIEWER,
    AgreementRow,
    DisbursementFigures,
    DonorSection,
    OverdueTranche,
    Totals,
    disbursement_donors,
    donor_section,
    donors_active_in,
)
from reports.figures.progress import (
    NOT_REPORTED,
    STATUS_LABELS,
    STATUS_ORDER,
    ActivityRow,
    IndicatorRow,
    ProgressFigures,
    progress_figures,
)

__all__ = [
    "CHART_BARS",
    "MONEY_FIELDS",
    "NOT_REPORTED",
    "REPORT_VIEWER",
    "STATUS_LABELS",
    "STATUS_ORDER",
    "ActivityRow",
    "AgreementRow",
    "DisbursementFigures",
    "DonorSection",
    "IndicatorRow",
    "OverdueTranche",
    "ProgressFigures",
    "Totals",
    "chart_groups",
    "disbursement_donors",
    "donor_section",
    "donors_active_in",
    "progress_figures",
]
