"""Report PDFs: A4 landscape, the portal's name, title, scope, period and generation time
on every page (drawn by onPage), charts from reportlab.graphics, tables that fit."""

from reports.documents.pdf.disbursement import disbursement_pdf
from reports.documents.pdf.layout import ReportMeta
from reports.documents.pdf.progress import progress_pdf

__all__ = ["ReportMeta", "disbursement_pdf", "progress_pdf"]
