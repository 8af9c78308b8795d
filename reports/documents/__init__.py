"""The report files: a PDF (reportlab, charts drawn with reportlab.graphics) and an XLSX
(openpyxl, one sheet per table, numbers stored as numbers)."""
