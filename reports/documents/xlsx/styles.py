"""The styles of report cells, named by what they are made of (StyleKey), so that rows
written in one workbook can be given the same styles in another (parts)."""

from typing import NamedTuple

from openpyxl.styles import Alignment, Font, PatternFill

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="E3ECF2")
HEAD_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
WRAP = Alignment(wrap_text=True, vertical="top")


class StyleKey(NamedTuple):
    """What a cell's style is made of here: its number format, bold, the header's look,
    wrapped text, and the quote prefix of text that looks like a formula. (A workbook
    numbers its styles in the order it meets them; a key names one in any workbook.)"""

    fmt: str | None = None
    bold: bool = False
    head: bool = False
    wrap: bool = False
    quote: bool = False


def styled(cell, key: StyleKey):
    """`cell` given the style `key` names; returns it."""
    if key.quote:
        cell.quotePrefix = True
    if key.head:
        cell.font, cell.fill, cell.alignment = BOLD, HEAD_FILL, HEAD_ALIGNMENT
        return cell
    if key.fmt:
        cell.number_format = key.fmt
    if key.bold:
        cell.font = BOLD
    if key.wrap:
        cell.alignment = WRAP
    return cell
