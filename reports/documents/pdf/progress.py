"""The progress report's PDF: activities by status, each activity's progress, indicators
against their targets, and the activities reported late."""

from collections.abc import Callable
from decimal import Decimal

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.platypus import (
    KeepTogether,
    Spacer,
    Table,
    TableStyle,
)

from reports.documents.formats import counted, money, number, percent
from reports.documents.pdf.layout import (
    BODY,
    BRAND,
    CELL,
    H1,
    H2,
    SMALL,
    ReportMeta,
    build_pdf,
    chart_legend,
    data_table,
    no_tick,
    para,
)
from reports.documents.pdf.progress_detail import progress_detail_story
from reports.documents.summary import progress_summary
from reports.figures import ProgressFigures

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
    drawing.add(
        chart_legend(165, 130, [(STATUS_COLOURS[s], f"{label}: {c}") for s, label, c in counts])
    )
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
        chart_legend(
            310, height - 24, [(colors.HexColor("#c9d3dc"), "Target"), (BRAND, "Achieved")]
        )
    )
    return drawing


def progress_pdf(
    figures: ProgressFigures, meta: ReportMeta, *, tick: Callable[[], None] = no_tick
) -> bytes:
    story: list = [
        para(H1, f"{meta.title}: {figures.workplan_code}"),
        para(
            SMALL,
            f"{figures.workplan_title}, version {figures.version_number} (approved). "
            f"{figures.quarter_label}: {figures.period_start:%d %b %Y} to "
            f"{figures.period_end:%d %b %Y}. Only verified progress updates count.",
        ),
        *[para(BODY, ("b", f"{topic}:"), f" {text}") for topic, text in progress_summary(figures)],
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
    story.append(data_table(summary, [120, 120, 120, 120], numeric_from=0))
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
                data_table(rows, [180, 80], numeric_from=1, total=True),
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
        data_table(
            rows, [40, 330, 70, 80, 90, 60, 60], numeric_from=3, total=True, text_columns=(4,)
        )
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
    story.append(data_table(rows, [40, 290, 60, 50, 70, 60, 60, 70, 50], numeric_from=3))
    story += progress_detail_story(figures)

    story.append(para(H2, "Narratives of every activity"))
    for a in figures.activities:
        reported = f"Q{a.reported_quarter}" if a.reported_quarter else "no verified update"
        block = [
            para(BODY, ("b", a.code), f" {a.title} ({a.lead}): {a.status_label}, {a.percent} %"),
            para(BODY, ("i", f"Narrative ({reported}):"), f" {a.narrative or '-'}"),
        ]
        if a.challenges:
            block.append(para(BODY, ("i", "Challenges:"), f" {a.challenges}"))
        story.append(KeepTogether([*block, Spacer(1, 3)]))

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
    return build_pdf(meta, story, tick=tick)
