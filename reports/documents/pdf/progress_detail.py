"""The progress report's PDF, indicator by indicator: the workplan's targets against the
verified achievements quarter by quarter, and the achievements by sex and by province."""

from reports.documents.formats import number
from reports.documents.pdf.layout import BODY, CELL, H2, MARGIN, PAGE, SMALL, data_table, para
from reports.figures import ProgressFigures

WIDTH = PAGE[0] - 2 * MARGIN
# Quarters side by side, at most this many per table so that every table fits the page.
QUARTERS_PER_TABLE = 4


def _quarter_tables(figures: ProgressFigures) -> list:
    by_indicator: dict[str, list] = {}
    for row in figures.quarterly:
        by_indicator.setdefault(row.code, []).append(row)
    tables = []
    for first in range(1, figures.quarter + 1, QUARTERS_PER_TABLE):
        numbers = range(first, min(first + QUARTERS_PER_TABLE, figures.quarter + 1))
        head = ["Code", "Indicator", "Unit"]
        for q in numbers:
            head += [f"Q{q} target", f"Q{q} achieved"]
        rows = [head]
        for code, quarters in by_indicator.items():
            cells = [code, para(CELL, quarters[0].title), quarters[0].unit]
            for row in quarters:
                if row.quarter in numbers:
                    cells += [number(row.target), number(row.achieved)]
            rows.append(cells)
        widths = [40, 0, 60] + [62] * (2 * len(numbers))
        widths[1] = WIDTH - sum(widths)
        tables.append(data_table(rows, widths, numeric_from=3))
    return tables


def progress_detail_story(figures: ProgressFigures) -> list:
    story: list = [para(H2, "Indicators: targets against actuals by quarter")]
    labels = sorted({(r.quarter, r.quarter_label) for r in figures.quarterly})
    story.append(
        para(
            SMALL,
            "The approved workplan's targets for each quarter against what verified updates "
            "achieved in it. " + "; ".join(label for _, label in labels) + ".",
        )
    )
    if figures.quarterly:
        story += _quarter_tables(figures)
    else:
        story.append(para(BODY, "The workplan sets no quarterly target on any indicator."))

    story.append(para(H2, "Achieved by sex and by province"))
    if not figures.breakdowns:
        story.append(
            para(BODY, "No verified value is broken down by sex or province up to this quarter.")
        )
        return story
    story.append(
        para(
            SMALL,
            f"Verified values that give a sex or a province, in Q{figures.quarter} and from "
            "the workplan's start to the end of the quarter.",
        )
    )
    rows = [["Code", "Indicator", "Unit", "By", "Group", f"In Q{figures.quarter}", "To date"]]
    for row in figures.breakdowns:
        rows.append(
            [
                row.code,
                para(CELL, row.title),
                row.unit,
                row.dimension,
                para(CELL, row.group),
                number(row.in_quarter),
                number(row.to_date),
            ]
        )
    widths = [40, 0, 60, 60, 120, 70, 70]
    widths[1] = WIDTH - sum(widths)
    story.append(data_table(rows, widths, numeric_from=5))
    return story
