"""One PDF put together from several made apart (an overall report's first pages, made by
its assembly, and each donor's pages, made by the donor's own task): their pages in order,
then "Page X of Y" written on each, as reports.documents.pdf.layout writes it on a PDF
made in one piece (same words, font, colour and place), so a reader cannot tell.

The parts are made without page numbers (layout.build_pdf(numbered=False)); each already
carries the report's header, drawn by its own pages. pypdf copies the pages as they are
(their content is never parsed again) and adds to each one short content stream with
its number, after the page's own, whose graphics state it leaves untouched (q ... Q)."""

import io
from collections.abc import Callable

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports.documents.pdf.layout import (
    MUTED,
    PAGE_NUMBER_FONT,
    PAGE_NUMBER_RIGHT,
    ReportMeta,
    no_tick,
    page_number,
)

# The name the page number's font has in each page's resources (reportlab's own are F1..).
FONT = NameObject("/FPageNumber")


def _font() -> DictionaryObject:
    """Helvetica as reportlab declares it: a standard Type 1 font, WinAnsi encoded."""
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/" + PAGE_NUMBER_FONT[0]),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )


def _stream(writer: PdfWriter, data: bytes):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)  # pypdf's way to make an indirect object


def _number_stream(number: int, total: int) -> bytes:
    """Close the page's own content (opened by the shared "q"), then write its number
    right-aligned at layout.PAGE_NUMBER_RIGHT."""
    text = page_number(number, total)
    name, size = PAGE_NUMBER_FONT
    right, y = PAGE_NUMBER_RIGHT
    x = right - stringWidth(text, name, size)
    red, green, blue = MUTED.red, MUTED.green, MUTED.blue
    return (
        f"Q\nq\n{red:.6f} {green:.6f} {blue:.6f} rg\nBT\n{FONT} {size:g} Tf\n"
        f"1 0 0 1 {x:.4f} {y:.4f} Tm\n({text}) Tj\nET\nQ\n"
    ).encode("ascii")


def numbered_pdf(
    meta: ReportMeta, documents: list[bytes], *, tick: Callable[[], None] = no_tick
) -> bytes:
    """The pages of `documents`, in order, numbered "Page X of Y"; `tick` is called at
    every document and every page (the run's lease heartbeat)."""
    writer = PdfWriter()
    for content in documents:
        tick()
        writer.append(PdfReader(io.BytesIO(content)), import_outline=False)
    total = len(writer.pages)
    opening = _stream(writer, b"q\n")
    for number, page in enumerate(writer.pages, start=1):
        tick()
        fonts = page[NameObject("/Resources")].get_object()
        if NameObject("/Font") not in fonts:
            fonts[NameObject("/Font")] = DictionaryObject()
        fonts = fonts[NameObject("/Font")].get_object()
        if FONT not in fonts:  # reportlab shares one font dictionary between pages
            fonts[FONT] = _font()
        own = page.get(NameObject("/Contents"))
        if own is None:
            own = []
        elif isinstance(own.get_object(), ArrayObject):
            own = list(own.get_object())
        else:
            own = [own]
        page[NameObject("/Contents")] = ArrayObject(
            [opening, *own, _stream(writer, _number_stream(number, total))]
        )
    writer.add_metadata(
        {"/Title": f"{meta.title}: {meta.scope}, {meta.period}", "/Author": meta.portal_name}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
