"""Report PDFs: A4 landscape, the portal's name, title, scope, period and generation time
on every page (drawn by onPage), charts from reportlab.graphics, tables that fit."""

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from reports.documents.formats import counted, money, number, percent, ratio
from reports.figures import DisbursementFigures, DonorSection, ProgressFigures, Totals

PAGE = landscape(A4)
MARGIN = 14 * mm
HEADER = 20 * mm
FOOTER = 12 * mm
INK = colors.HexColor("#1f2d3d")
BRAND = colors.HexColor("#0b4f6c")
MUTED = colors.HexColor("#5c6b7a")
GRID = colors.HexColor("#c9d3dc")
ZEBRA = colors.HexColor("#f3f6f9")
SERIES = [
    colors.HexColor("#0b4f6c"),
    colors.HexColor("#01baef"),
    colors.HexColor("#f29e4c"),
    colors.HexColor("#20bf55"),
    colors.HexColor("#c0392b"),
    colors.HexColor("#8e9aaf"),
]

_styles = getSampleStyleSheet()
H1 = ParagraphStyle("h1", parent=_styles["Heading1"], fontSize=15, textColor=BRAND, spaceAfter=4)
H2 = ParagraphStyle(
    "h2", parent=_styles["Heading2"], fontSize=12, textColor=BRAND, spaceBefore=8, keepWithNext=1
)
BODY = ParagraphStyle("body", parent=_styles["BodyText"], fontSize=8.5, leading=11, textColor=INK)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5, textColor=MUTED)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=7.5, leading=9)
CELL_R = ParagraphStyle("cell_r", parent=CELL, alignment=TA_RIGHT)


def pdf_text(value) -> str:
    """Text from the data (titles, names, narratives) as Paragraph markup that shows it as
    typed. reportlab reads a Paragraph's text as markup, so an unescaped "<b" in an
    activity's title made every progress PDF of its workplan fail."""
    return escape(str(value))


def para(style: ParagraphStyle, *pieces: str | tuple[str, str]) -> Paragraph:
    """The one way this module makes a Paragraph: each piece is text, escaped, or a
    ("b" or "i", text) pair whose text is escaped inside that tag."""
    markup = []
    for piece in pieces:
        if isinstance(piece, tuple):
            tag, text = piece
            if tag not in ("b", "i"):
                raise ValueError(f"Paragraphs here use only <b> and <i>, not <{tag}>.")
            markup.append(f"<{tag}>{pdf_text(text)}</{tag}>")
        else:
            markup.append(pdf_text(piece))
    return Paragraph("".join(markup), style)


@dataclass(frozen=True)
class ReportMeta:
    """What every page says about the report it belongs to."""

    portal_name: str
    title: str
    scope: str
    period: str
    generated_at: datetime


def _on_page(meta: ReportMeta):
    def draw(canvas, doc) -> None:
        width, height = PAGE
        canvas.saveState()
        canvas.setFillColor(BRAND)
        canvas.rect(0, height - 11 * mm, width, 11 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawString(MARGIN, height - 7.5 * mm, meta.portal_name)
        canvas.setFont("Helvetica", 9)
        canvas.drawRightString(width - MARGIN, height - 7.5 * mm, meta.title)
        canvas.setFillColor(INK)
        canvas.setFont("Helvetica", 8.5)
        canvas.drawString(MARGIN, height - 16 * mm, f"Scope: {meta.scope}    Period: {meta.period}")
        canvas.drawRightString(
            width - MARGIN,
            height - 16 * mm,
            f"Generated {meta.generated_at:%d %b %Y %H:%M} ({meta.generated_at:%Z})",
        )
        canvas.setStrokeColor(GRID)
        canvas.line(MARGIN, FOOTER, width - MARGIN, FOOTER)
        canvas.setFillColor(MUTED)
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(
            MARGIN,
            FOOTER - 4.5 * mm,
            f"{meta.portal_name} - {meta.title} - {meta.scope} - {meta.period}",
        )
        canvas.drawRightString(width - MARGIN, FOOTER - 4.5 * mm, f"Page {doc.page}")
        canvas.restoreState()

    return draw


def _build(meta: ReportMeta, story: list) -> bytes:
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=PAGE,
        title=f"{meta.title}: {meta.scope}, {meta.period}",
        author=meta.portal_name,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=HEADER + 4 * mm,
        bottomMargin=FOOTER + 3 * mm,
    )
    frame = Frame(
        doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body", showBoundary=0
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_on_page(meta))])
    doc.build(story)
    return buffer.getvalue()


def _table(
    rows: list[list],
    widths: list[float],
    *,
    numeric_from: int,
    total: bool = False,
    text_columns: tuple[int, ...] = (),
):
    """A table whose first row is the header and whose columns from `numeric_from` on are
    right-aligned (but `text_columns`); with `total`, the last row is bold."""
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3ecf2")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, BRAND),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        *[("ALIGN", (c, 0), (c, -1), "LEFT") for c in text_columns],
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
    ]
    for index in range(1, len(rows)):
        if index % 2 == 0:
            style.append(("BACKGROUND", (0, index), (-1, index), ZEBRA))
    if total and len(rows) > 1:
        style += [
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 7.5),
            ("LINEABOVE", (0, -1), (-1, -1), 0.6, INK),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
        ]
    table.setStyle(TableStyle(style))
    return table


def _legend(x: float, y: float, pairs: list[tuple], columns: int = 1) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = "Helvetica", 7.5
    legend.alignment = "right"
    legend.columnMaximum = max(1, (len(pairs) + columns - 1) // columns)
    legend.boxAnchor = "nw"
    legend.dx = legend.dy = 7
    legend.colorNamePairs = pairs
    return legend


def _millions(value: float) -> str:
    return f"{value / 1_000_000:,.1f}m"


# --- Disbursement --------------------------------------------------------------------


def _money_chart(labels: list[str], series: list[tuple[str, list[Decimal]]]) -> Drawing:
    width, height = 760, 190
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 50, 30, 560, 140
    chart.data = [[float(v) for v in values] for _, values in series]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.angle = 0 if len(labels) <= 8 else 30
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
    drawing.add(_legend(630, 160, [(SERIES[i], name) for i, (name, _) in enumerate(series)]))
    drawing.add(String(50, 176, "USD, millions", fontName="Helvetica", fontSize=7.5))
    return drawing


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


def disbursement_pdf(figures: DisbursementFigures, meta: ReportMeta) -> bytes:
    story: list = [para(H1, f"{meta.title}: {meta.scope}")]
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
    story.append(_table(summary, _money_widths([70]), numeric_from=1))
    story.append(Spacer(1, 6))

    if figures.overall:
        labels = [s.donor_short_name for s in figures.sections]
        pick = [s.totals_usd for s in figures.sections]
    else:
        labels = [r.reference for r in figures.sections[0].agreements] if figures.sections else []
        pick = []
        for row in figures.sections[0].agreements if figures.sections else []:
            one = Totals()
            one.add(row, usd=True)
            pick.append(one)
    if labels:
        story.append(
            _money_chart(
                labels,
                [
                    ("Committed", [t.committed for t in pick]),
                    ("Received", [t.received for t in pick]),
                    ("Allocated", [t.allocated for t in pick]),
                    ("Spent", [t.spent for t in pick]),
                ],
            )
        )

    if figures.overall:
        story.append(para(H2, "By donor (USD)"))
        rows = [["Donor", *MONEY_HEAD, "Burn"]]
        for section in figures.sections:
            t = section.totals_usd
            rows.append([section.donor_short_name, *_totals_line(t, "USD"), ratio(t.burn_rate)])
        rows.append(["Total", *_totals_line(totals, "USD"), ratio(totals.burn_rate)])
        story.append(_table(rows, _money_widths([70]), numeric_from=1, total=True))

    story.append(para(H2, "Agreements in USD"))
    rows = [["Donor", "Agreement", "Cur.", *MONEY_HEAD, "Burn"]]
    for section in figures.sections:
        rows += _agreement_table(section, usd=True, with_donor=True)[1:]
    rows.append(["Total", "", "USD", *_totals_line(totals, "USD"), ratio(totals.burn_rate)])
    story.append(_table(rows, _money_widths([45, 95, 28]), numeric_from=3, total=True))

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
    table = _table(rows, _money_widths([45, 95, 28]), numeric_from=3)
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

    overdue = [(s, t) for s in figures.sections for t in s.overdue]
    heading = para(H2, "Overdue tranches")
    if overdue:
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
        count = f"{len(overdue)} tranche{'' if len(overdue) == 1 else 's'}"
        rows.append(["Total", count, "", "", "", "USD", money(totals.overdue)])
        table = _table(
            rows, [70, 140, 70, 70, 110, 40, 110], numeric_from=3, total=True, text_columns=(5,)
        )
        story.append(KeepTogether([heading, table]))
    else:
        story += [heading, para(BODY, "No tranche is overdue at the end of the period.")]
    return _build(meta, story)


# --- Progress ------------------------------------------------------------------------


STATUS_COLOURS = {
    "not_started": colors.HexColor("#8e9aaf"),
    "on_track": colors.HexColor("#01baef"),
    "delayed": colors.HexColor("#c0392b"),
    "completed": colors.HexColor("#20bf55"),
    "cancelled": colors.HexColor("#1f2d3d"),
    "not_reported": colors.HexColor("#f29e4c"),
}


def _status_pie(figures: ProgressFigures) -> Drawing:
    counts = [(s, label, count) for s, label, count in figures.status_counts if count]
    drawing = Drawing(360, 170)
    drawing.add(String(0, 158, "Activities by status", fontName="Helvetica-Bold", fontSize=9))
    if not counts:
        return drawing
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 10, 10, 130, 130
    pie.data = [c for _, _, c in counts]
    pie.labels = [str(c) for _, _, c in counts]
    pie.simpleLabels = 1
    pie.slices.strokeColor = colors.white
    pie.slices.fontName = "Helvetica"
    pie.slices.fontSize = 8
    pie.slices.labelRadius = 0.7
    pie.slices.fontColor = colors.white
    for index, (status, _, _) in enumerate(counts):
        pie.slices[index].fillColor = STATUS_COLOURS[status]
    drawing.add(pie)
    drawing.add(_legend(165, 130, [(STATUS_COLOURS[s], f"{label}: {c}") for s, label, c in counts]))
    return drawing


def _indicator_chart(figures: ProgressFigures) -> Drawing:
    rows = figures.indicators
    height = max(80, 16 * len(rows) + 44)
    drawing = Drawing(400, height)
    drawing.add(
        String(
            0,
            height - 12,
            "Indicators: achieved against target to date",
            fontName="Helvetica-Bold",
            fontSize=9,
        )
    )
    if not rows:
        return drawing
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 50, 24, 250, height - 50
    # Bars read top-down in the table's order.
    ordered = list(reversed(rows))
    chart.data = [
        [float(r.target_to_date) for r in ordered],
        [float(r.achieved_to_date) for r in ordered],
    ]
    chart.categoryAxis.categoryNames = [r.code for r in ordered]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#c9d3dc")
    chart.bars[1].fillColor = BRAND
    chart.bars.strokeColor = None
    drawing.add(chart)
    drawing.add(
        _legend(310, height - 24, [(colors.HexColor("#c9d3dc"), "Target"), (BRAND, "Achieved")])
    )
    return drawing


def progress_pdf(figures: ProgressFigures, meta: ReportMeta) -> bytes:
    story: list = [
        para(H1, f"{meta.title}: {figures.workplan_code}"),
        para(
            SMALL,
            f"{figures.workplan_title}, version {figures.version_number} (approved). "
            f"{figures.quarter_label}: {figures.period_start:%d %b %Y} to "
            f"{figures.period_end:%d %b %Y}. Only verified progress updates count.",
        ),
        Spacer(1, 4),
    ]
    summary = [
        ["Activities", "Percent complete", "Late activities", "Indicators"],
        [
            str(len(figures.activities)),
            f"{figures.percent_complete} %",
            str(len(figures.late_activities)),
            str(len(figures.indicators)),
        ],
    ]
    story.append(_table(summary, [120, 120, 120, 120], numeric_from=0))
    story.append(Spacer(1, 6))
    charts = Table([[_status_pie(figures), _indicator_chart(figures)]], colWidths=[370, 420])
    charts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(charts)

    rows = [["Status", "Activities"]]
    rows += [[label, str(count)] for _, label, count in figures.status_counts]
    rows.append(["Total", str(len(figures.activities))])
    story.append(
        KeepTogether(
            [
                para(H2, "Activities by status"),
                _table(rows, [180, 80], numeric_from=1, total=True),
            ]
        )
    )

    story.append(para(H2, "Activities"))
    rows = [["Code", "Activity", "Lead", "Budget (USD)", "Status", "% complete", "Reported"]]
    for a in figures.activities:
        rows.append(
            [
                a.code,
                para(CELL, a.title),
                a.lead,
                money(a.budget, a.budget_currency),
                a.status_label,
                f"{a.percent} %",
                f"Q{a.reported_quarter}" if a.reported_quarter else "-",
            ]
        )
    rows.append(
        [
            "Total",
            counted(len(figures.activities), "activity", "activities"),
            "",
            money(sum((a.budget for a in figures.activities), Decimal(0))),
            "",
            f"{figures.percent_complete} %",
            "",
        ]
    )
    story.append(
        _table(rows, [40, 330, 70, 80, 90, 60, 60], numeric_from=3, total=True, text_columns=(4,))
    )

    story.append(para(H2, "Indicators against targets"))
    rows = [
        [
            "Code",
            "Indicator",
            "Unit",
            "Baseline",
            "Framework target",
            "Target to date",
            "Workplan target",
            "Achieved to date",
            "Of target",
        ]
    ]
    for i in figures.indicators:
        rows.append(
            [
                i.code,
                para(CELL, i.title),
                i.unit,
                number(i.baseline),
                number(i.framework_target),
                number(i.target_to_date),
                number(i.target_total),
                number(i.achieved_to_date),
                percent(i.share_of_target),
            ]
        )
    story.append(_table(rows, [40, 290, 60, 50, 70, 60, 60, 70, 50], numeric_from=3))

    late = figures.late_activities
    heading = para(H2, "Late activities")
    if not late:
        story += [heading, para(BODY, "No activity is late at the end of the quarter.")]
    for index, a in enumerate(late):
        why = []
        if a.late_quarters:
            why.append("no update submitted for " + ", ".join(f"Q{q}" for q in a.late_quarters))
        if a.status == "delayed":
            why.append("verified as delayed")
        narrative = a.narrative or "No verified progress update."
        block = [heading] if index == 0 else []
        block += [
            para(BODY, ("b", a.code), f" {a.title} ({a.lead})"),
            para(SMALL, f"Late: {'; '.join(why)}. Last verified: {a.status_label}, {a.percent} %."),
            para(BODY, ("i", "Narrative:"), f" {narrative}"),
        ]
        if a.challenges:
            block.append(para(BODY, ("i", "Challenges:"), f" {a.challenges}"))
        block.append(Spacer(1, 4))
        story.append(KeepTogether(block))
    return _build(meta, story)
