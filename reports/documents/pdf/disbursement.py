"""The disbursement report's PDF: money by donor and agreement, in USD and in each
agreement's currency, and the tranches overdue at the end of the period; then each
donor's agreements, projects and budget, from a new page.

It is made in parts: the first pages (everything above, from all the donors' figures)
and each donor's pages (donor_pdf, from that donor's section alone), put together and
numbered by pages.numbered_pdf. An overall report fanned out per donor has each donor's
pages made by the donor's own task, in parallel (reports.services.generating); made in
one run, the same parts are made one after another, so both give the same document."""

from collections.abc import Callable
from decimal import Decimal

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.platypus import Spacer, TableStyle

from reports.documents.formats import counted, money, ratio
from reports.documents.pdf.disbursement_detail import donor_detail_story
from reports.documents.pdf.layout import (
    BODY,
    CELL,
    H1,
    H2,
    INK,
    MARGIN,
    NOTE,
    PAGE,
    PDF_ROW_LIMIT,
    SERIES,
    SMALL,
    ReportMeta,
    build_pdf,
    chart_legend,
    data_table,
    limited,
    more_in_workbook,
    no_tick,
    para,
)
from reports.documents.pdf.pages import numbered_pdf
from reports.documents.summary import disbursement_summary
from reports.figures import DisbursementFigures, DonorSection, Totals, chart_groups

# The most overdue tranches the overall table lists (so the most it takes from one donor:
# reports.figures.DonorSection.assembly_copy).
OVERDUE_LISTED = PDF_ROW_LIMIT


def _millions(value: float) -> str:
    return f"{value / 1_000_000:,.1f}m"


def _money_chart(labels: list[str], series: list[tuple[str, list[Decimal]]]) -> Drawing:
    width, height = 760, 190
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 50, 30, 560, 140
    chart.data = [[float(v) for v in values] for _, values in series]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7.5
    if len(labels) > 8:
        # Slanted, each ending under its own group of bars.
        chart.categoryAxis.labels.angle = 30
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.categoryAxis.labels.dx, chart.categoryAxis.labels.dy = 8, -2
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _millions
    chart.groupSpacing = 8
    chart.barSpacing = 1
    for index in range(len(series)):
        chart.bars[index].fillColor = SERIES[index % len(SERIES)]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    drawing.add(chart_legend(630, 160, [(SERIES[i], name) for i, (name, _) in enumerate(series)]))
    drawing.add(String(50, 176, "USD, millions", fontName="Helvetica", fontSize=7.5))
    return drawing


def disbursement_chart(figures: DisbursementFigures) -> Drawing | None:
    """Committed, received, allocated and spent (USD) per bar of figures.chart_groups: at
    most ten donors (or agreements) and one "Others"."""
    groups = chart_groups(figures)
    if not groups:
        return None
    series = [
        (label, [getattr(totals, name) for _, totals in groups])
        for label, name in (
            ("Committed", "committed"),
            ("Received", "received"),
            ("Allocated", "allocated"),
            ("Spent", "spent"),
        )
    ]
    return _money_chart([label for label, _ in groups], series)


def _totals_line(totals: Totals, currency: str) -> list[str]:
    return [
        money(totals.committed, currency),
        money(totals.received, currency),
        money(totals.received_in_period, currency),
        money(totals.allocated, currency),
        money(totals.spent, currency),
        money(totals.balance, currency),
        money(totals.to_receive, currency),
        money(totals.overdue, currency),
    ]


MONEY_HEAD = [
    "Committed",
    "Received",
    "In period",
    "Allocated",
    "Spent",
    "Balance",
    "To receive",
    "Overdue",
]


def _agreement_table(section: DonorSection, *, usd: bool, with_donor: bool = False):
    head = (["Donor"] if with_donor else []) + ["Agreement", "Cur."] + MONEY_HEAD + ["Burn"]
    rows = [head]
    for row in section.agreements:
        currency = "USD" if usd else row.currency
        suffix = "_usd" if usd else ""
        rows.append(
            ([section.donor_short_name] if with_donor else [])
            + [para(CELL, row.reference), currency]
            + [
                money(getattr(row, f"{name}{suffix}"), currency)
                for name in (
                    "committed",
                    "received",
                    "received_in_period",
                    "allocated",
                    "spent",
                    "balance",
                    "to_receive",
                    "overdue",
                )
            ]
            + [ratio(row.burn_rate)]
        )
    return rows


def _money_widths(lead: list[float]) -> list[float]:
    rest = PAGE[0] - 2 * MARGIN - sum(lead) - 40
    return lead + [rest / len(MONEY_HEAD)] * len(MONEY_HEAD) + [40]


def _overdue_story(figures: DisbursementFigures, totals: Totals) -> list:
    """The tranches overdue at the period's end, longest overdue first: the first
    PDF_ROW_LIMIT of them, and a line saying how many more the workbook lists; the total
    row counts and sums them all."""
    heading = para(H2, "Overdue tranches")
    count = sum(s.overdue_count for s in figures.sections)
    if not count:
        return [heading, para(BODY, "No tranche is overdue at the end of the period.")]
    # The same rows whether a section lists all its tranches or, cut down for an assembly,
    # only its OVERDUE_LISTED longest overdue (figures.longest_overdue_first: both stable).
    overdue = limited(
        sorted(
            ((s, t) for s in figures.sections for t in s.overdue),
            key=lambda pair: (-pair[1].days_overdue, pair[0].donor_short_name, pair[1].reference),
        ),
        OVERDUE_LISTED,
    )
    rows = [["Donor", "Agreement", "Planned on", "Days overdue", "Amount", "Cur.", "USD"]]
    for section, tranche in overdue:
        rows.append(
            [
                section.donor_short_name,
                tranche.reference,
                tranche.planned_date,
                str(tranche.days_overdue),
                money(tranche.planned_amount, tranche.currency),
                tranche.currency,
                money(tranche.planned_amount_usd),
            ]
        )
    tranches = f"{count} tranche{'' if count == 1 else 's'}"
    rows.append(["Total", tranches, "", "", "", "USD", money(totals.overdue)])
    story = [heading]
    if len(overdue) < count:
        text = more_in_workbook(len(overdue), count, "overdue tranches", "Overdue tranches")
        story.append(para(NOTE, f"The longest overdue first: {text}"))
    story.append(
        data_table(
            rows, [70, 140, 70, 70, 110, 40, 110], numeric_from=3, total=True, text_columns=(5,)
        )
    )
    return story


def donor_pdf(
    section: DonorSection, meta: ReportMeta, *, tick: Callable[[], None] = no_tick
) -> bytes:
    """One donor's pages of the report (not numbered: numbered_pdf numbers the whole)."""
    if section.is_cut:
        raise ValueError(f"The section of {section.donor_short_name} is cut down for assembly.")
    return build_pdf(meta, donor_detail_story(section), tick=tick, numbered=False)


def disbursement_pdf(
    figures: DisbursementFigures,
    meta: ReportMeta,
    *,
    tick: Callable[[], None] = no_tick,
    donor_pages: list[bytes] | None = None,
) -> bytes:
    """The PDF; `tick` is called as it goes (the run's lease heartbeat). `donor_pages`:
    each section's donor_pdf, made already (by the sections' tasks), in the sections'
    order; else they are made here."""
    if donor_pages is None:
        donor_pages = [donor_pdf(section, meta, tick=tick) for section in figures.sections]
    if len(donor_pages) != len(figures.sections):
        raise ValueError("One part of the PDF per donor's section is needed.")
    first = build_pdf(meta, _first_pages_story(figures, meta), tick=tick, numbered=False)
    return numbered_pdf(meta, [first, *donor_pages], tick=tick)


def _first_pages_story(figures: DisbursementFigures, meta: ReportMeta) -> list:
    """Everything before the donors' own pages."""
    story: list = [para(H1, f"{meta.title}: {meta.scope}")]
    summary = disbursement_summary(figures)
    story += [para(BODY, ("b", f"{topic}:"), f" {text}") for topic, text in summary]
    totals = figures.totals_usd
    story.append(
        para(
            SMALL,
            f"As at {figures.period_end:%d %B %Y}. Amounts in USD are at the rate recorded "
            "with each transaction (what is still to receive, at the agreement's rate); "
            "spending is shared among a project's funders in proportion to their "
            "allocations. In period = received during the month. Balance = received - "
            "spent. Burn rate = spent against the planned pace (allocation x elapsed share "
            "of the agreement's period): 1.00 on plan, below 1 slower. Overdue = planned "
            "before the end of the period and not received.",
        )
    )
    story.append(Spacer(1, 4))
    summary = [
        ["Total (USD)", *MONEY_HEAD, "Burn rate"],
        [
            counted(figures.agreement_count, "agreement", "agreements"),
            *_totals_line(totals, "USD"),
            ratio(totals.burn_rate),
        ],
    ]
    story.append(data_table(summary, _money_widths([70]), numeric_from=1))
    story.append(Spacer(1, 6))

    chart = disbursement_chart(figures)
    if chart is not None:
        story.append(chart)

    if figures.overall:
        story.append(para(H2, "By donor (USD)"))
        rows = [["Donor", *MONEY_HEAD, "Burn"]]
        for section in figures.sections:
            t = section.totals_usd
            rows.append([section.donor_short_name, *_totals_line(t, "USD"), ratio(t.burn_rate)])
        rows.append(["Total", *_totals_line(totals, "USD"), ratio(totals.burn_rate)])
        story.append(data_table(rows, _money_widths([70]), numeric_from=1, total=True))

    story.append(para(H2, "Agreements in USD"))
    rows = [["Donor", "Agreement", "Cur.", *MONEY_HEAD, "Burn"]]
    for section in figures.sections:
        rows += _agreement_table(section, usd=True, with_donor=True)[1:]
    rows.append(["Total", "", "USD", *_totals_line(totals, "USD"), ratio(totals.burn_rate)])
    story.append(data_table(rows, _money_widths([45, 95, 28]), numeric_from=3, total=True))

    story.append(para(H2, "Agreements in the donor's currency"))
    rows = [["Donor", "Agreement", "Cur.", *MONEY_HEAD, "Burn"]]
    for section in figures.sections:
        rows += _agreement_table(section, usd=False, with_donor=True)[1:]
    for section in figures.sections:
        for t in section.totals_by_currency:
            rows.append(
                [
                    f"Total {section.donor_short_name}",
                    "",
                    t.currency,
                    *_totals_line(t, t.currency),
                    "",
                ]
            )
    table = data_table(rows, _money_widths([45, 95, 28]), numeric_from=3)
    subtotal_rows = sum(len(s.totals_by_currency) for s in figures.sections)
    if subtotal_rows:
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, -subtotal_rows), (-1, -1), "Helvetica-Bold", 7.5),
                    ("LINEABOVE", (0, -subtotal_rows), (-1, -subtotal_rows), 0.6, INK),
                ]
            )
        )
    story.append(table)

    story += _overdue_story(figures, totals)
    return story
