"""What a report's money chart shows, so that it stays readable at 50 donors: the ten
largest by commitment (USD), one bar each, and the rest summed into one "Others" bar."""

from reports.figures.disbursement import MONEY_FIELDS, DisbursementFigures, Totals

CHART_BARS = 10


def chart_groups(
    figures: DisbursementFigures, *, top: int = CHART_BARS
) -> list[tuple[str, Totals]]:
    """(label, USD totals) per bar: in an overall report the donors, in a donor's report
    its agreements; the `top` largest by committed USD (ties by label), then "Others (n
    donors)" holding the sum of the rest when there are more."""
    if figures.overall:
        items = [(s.donor_short_name, s.totals_usd) for s in figures.sections]
        noun = ("donor", "donors")
    else:
        items = []
        for section in figures.sections:
            for row in section.agreements:
                one = Totals()
                one.add(row, usd=True)
                items.append((row.reference, one))
        noun = ("agreement", "agreements")
    if len(items) <= top + 1:  # an "Others" bar of one would hide a name for nothing
        return items
    ranked = sorted(items, key=lambda item: (-item[1].committed, item[0]))
    shown, rest = ranked[:top], ranked[top:]
    others = Totals()
    for _, totals in rest:
        for name in (*MONEY_FIELDS, "expected", "overdue_count"):
            setattr(others, name, getattr(others, name) + getattr(totals, name))
    return [*shown, (f"Others ({len(rest)} {noun[1]})", others)]
