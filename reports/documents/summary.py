"""The short summary at the top of a report (the PDF's first lines, the workbook's About
sheet): a few sentences a reader takes in at a glance, from the report's own figures."""

from reports.documents.formats import counted, money, ratio
from reports.figures import DisbursementFigures, ProgressFigures


def disbursement_summary(figures: DisbursementFigures) -> list[tuple[str, str]]:
    """(topic, sentence) pairs; amounts in USD, as the report's USD tables."""
    t = figures.totals_usd
    donors = counted(len(figures.sections), "donor", "donors")
    agreements = counted(figures.agreement_count, "agreement", "agreements")
    scope = f"{agreements} of {donors}" if figures.overall else agreements
    overdue = (
        f"{counted(t.overdue_count, 'tranche', 'tranches')} overdue, {money(t.overdue)} USD."
        if t.overdue_count
        else "No tranche is overdue."
    )
    return [
        (
            "Funding",
            f"{scope}: {money(t.committed)} USD committed, {money(t.received)} USD received "
            f"to date, {money(t.received_in_period)} USD of it in the period.",
        ),
        (
            "Spending",
            f"{money(t.allocated)} USD allocated to projects, {money(t.spent)} USD spent; "
            f"balance {money(t.balance)} USD; burn rate {ratio(t.burn_rate)}.",
        ),
        ("Still to receive", f"{money(t.to_receive)} USD. {overdue}"),
    ]


def progress_summary(figures: ProgressFigures) -> list[tuple[str, str]]:
    counts = ", ".join(
        f"{count} {label.lower()}" for _, label, count in figures.status_counts if count
    )
    late = len(figures.late_activities)
    return [
        (
            "Activities",
            f"{counted(len(figures.activities), 'activity', 'activities')}: {counts}.",
        ),
        (
            "Progress",
            f"Mean percent complete {figures.percent_complete} %; "
            f"{counted(late, 'activity', 'activities')} late.",
        ),
        (
            "Indicators",
            f"{counted(len(figures.indicators), 'indicator', 'indicators')} against their "
            "targets to date.",
        ),
    ]
