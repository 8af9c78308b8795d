"""The page every report PDF is printed on: A4 landscape, the portal's name, title, scope,
period and generation time on every page (drawn by onPage) and "Page X of Y" below it
(_NumberedCanvas), the styles, and the tables and chart legends the reports are made of."""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.graphics.charts.legends import Legend
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    LongTable,
    PageTemplate,
    Paragraph,
    TableStyle,
)

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
NOTE = ParagraphStyle("note", parent=SMALL, keepWithNext=1)  # a note on the table below
CELL = ParagraphStyle("cell", parent=BODY, fontSize=7.5, leading=9)
CELL_R = ParagraphStyle("cell_r", parent=CELL, alignment=TA_RIGHT)

# The most rows a table in a PDF lists: a person reads the first few hundred; the
# workbook beside it keeps every row (tables longer than this say so, in the PDF).
PDF_ROW_LIMIT = 200


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
        canvas.restoreState()

    return draw


# Where "Page X of Y" is written: right-aligned under the footer's rule, small and muted.
PAGE_NUMBER_FONT = ("Helvetica", 7.5)
PAGE_NUMBER_RIGHT = (PAGE[0] - MARGIN, FOOTER - 4.5 * mm)


def page_number(number: int, total: int) -> str:
    return f"Page {number} of {total}"


class _NumberedCanvas(Canvas):
    """Writes "Page X of Y" on every page once the last is known: pages are kept until
    save() and each is then finished with its number. (A document put together from
    several, reports.documents.pdf.pages, numbers its pages the same way.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFillColor(MUTED)
            self.setFont(*PAGE_NUMBER_FONT)
            self.drawRightString(*PAGE_NUMBER_RIGHT, page_number(self._pageNumber, total))
            super().showPage()
        super().save()


def no_tick() -> None:
    """A tick that does nothing: documents made outside a report run."""


def build_pdf(
    meta: ReportMeta, story: list, *, tick: Callable[[], None] = no_tick, numbered: bool = True
) -> bytes:
    """The PDF of `story`; `tick` is called at every page (the run's lease heartbeat).
    Not `numbered`: pages without "Page X of Y", for a document put together from several
    (reports.documents.pdf.pages.numbered_pdf numbers them all)."""
    draw = _on_page(meta)

    def on_page(canvas, doc) -> None:
        tick()
        draw(canvas, doc)

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
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    doc.build(story, canvasmaker=_NumberedCanvas if numbered else Canvas)
    return buffer.getvalue()


def data_table(
    rows: list[list],
    widths: list[float],
    *,
    numeric_from: int,
    total: bool = False,
    text_columns: tuple[int, ...] = (),
):
    """A table whose first row is the header and whose columns from `numeric_from` on are
    right-aligned (but `text_columns`); with `total`, the last row is bold. It splits
    across pages with its header repeated on each (a LongTable, laid out in time linear
    in its rows); never wrap one in KeepTogether."""
    table = LongTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
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
        # Every other row shaded (the 2nd, 4th, ...): one command, whatever the rows.
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [None, ZEBRA]),
    ]
    if total and len(rows) > 1:
        style += [
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 7.5),
            ("LINEABOVE", (0, -1), (-1, -1), 0.6, INK),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
        ]
    table.setStyle(TableStyle(style))
    return table


def limited(rows: list, limit: int = PDF_ROW_LIMIT) -> list:
    """The first `limit` of `rows`: what a PDF table lists (PDF_ROW_LIMIT)."""
    return rows[:limit]


def more_in_workbook(shown: int, total: int, noun: str, sheet: str) -> str:
    """The line under a PDF table that lists `shown` of `total` rows."""
    return (
        f"{shown:,} of {total:,} {noun} listed here; the other {total - shown:,} are in the "
        f'XLSX file of this report (sheet "{sheet}"), which lists all of them.'
    )


def chart_legend(x: float, y: float, pairs: list[tuple], columns: int = 1) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = "Helvetica", 7.5
    legend.alignment = "right"
    legend.columnMaximum = max(1, (len(pairs) + columns - 1) // columns)
    legend.boxAnchor = "nw"
    legend.dx = legend.dy = 7
    legend.colorNamePairs = pairs
    return legend
