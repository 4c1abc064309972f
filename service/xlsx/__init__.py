"""The FISC フォーマット as an Excel workbook (format: docs/xlsx-format.md).

Nothing is imported here: ``service.xlsx.errors`` is read at start by the error handlers,
while openpyxl is loaded by ``export`` and ``importing`` on the first Excel use only."""
