"""Who a report's figures are read as."""


class _ReportViewer:
    """Who a report's figures are read as: the programme as a whole. Reports are made by
    the schedule and by workers, not by a person; who may read one is checked when it is
    listed or downloaded (reports.selectors)."""

    is_superuser = True
    is_authenticated = True
    is_active = True
    membership = None
    pk = None


REPORT_VIEWER = _ReportViewer()
