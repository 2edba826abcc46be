"""Downloads of a statistics table as CSV or XLSX, for every report page.

    from backoffice.statistics.exports import csv_response, xlsx_response

    headers = ["Målgruppe", "Forløb", "Lån"]
    rows = [["Jobparat kontanthjælpsmodtager", 12, 11], ["I alt", 20, 14]]
    return csv_response("evaluering-nordby-2022-01-01-2022-12-31.csv", headers, rows)
    return xlsx_response("evaluering-nordby-2022-01-01-2022-12-31.xlsx", "Evaluering", headers, rows)

- ``rows`` is any iterable of sequences; cells are str, int, float,
  Decimal, date or None (empty). Numbers stay numbers in the XLSX.
- CSV: UTF-8 with a byte-order mark (so Excel shows æ, ø and å), comma
  separated, one header row. ``csv_text(headers, rows)`` gives the same
  text without the mark (for commands printing to stdout).
- XLSX: one sheet ``sheet_title`` with a bold, frozen header row;
  ``more_sheets=[(title, headers, rows), ...]`` adds sheets after it (e.g.
  the key figures). ``xlsx_bytes(sheets)`` gives the file's bytes.
- Text cells that a spreadsheet would run as a formula (starting with
  ``=``, ``+``, ``-``, ``@``) get a leading apostrophe in both formats:
  labels come from staff-edited data.
- ``export_filename(stem, municipality, period, extension)`` builds names
  like ``evaluering-nordby-2020-07-01-2022-12-31.pdf``.

Only counts and labels belong in these files: the steering group downloads
them too.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.text import slugify

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def safe_cell(value):
    """``value`` as a spreadsheet cell: text that would start a formula is
    prefixed with an apostrophe; numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_filename(stem, municipality, period, extension):
    """``evaluering-nordby-2020-07-01-2022-12-31.pdf``: what, whose, when."""
    slug = getattr(municipality, "slug", None) or slugify(str(municipality))
    return f"{stem}-{slug}-{period.start.isoformat()}-{period.end.isoformat()}.{extension}"


def attachment(content, filename, content_type):
    """An HttpResponse that downloads ``content`` as ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- CSV ----------------------------------------------------------------------------------------


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return safe_cell(value)


def csv_text(headers, rows):
    """The table as CSV text (header row first, ``\\r\\n`` line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_value(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue()


def csv_response(filename, headers, rows):
    """Download the table as a UTF-8 CSV file (with BOM, for Excel)."""
    content = "\ufeff" + csv_text(headers, rows)
    return attachment(content.encode("utf-8"), filename, CSV_CONTENT_TYPE)


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, (str, int, float, date, datetime)) or value is None:
        return safe_cell(value)
    return safe_cell(str(value))


def _sheet_title(title):
    """Excel allows 31 characters and none of ``[]:*?/\\``."""
    return (str(title).translate(_SHEET_TITLE_FORBIDDEN).strip() or "Sheet")[:31]


def xlsx_bytes(sheets):
    """An XLSX workbook of ``sheets`` = ``[(title, headers, rows), ...]``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(_sheet_title(title))
        sheet.append([_xlsx_value(h) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(str(h)) for h in headers]
        for row in rows:
            values = [_xlsx_value(v) for v in row]
            sheet.append(values)
            for i, value in enumerate(values):
                text = value.isoformat() if isinstance(value, (date, datetime)) else str(value or "")
                if i < len(widths):
                    widths[i] = max(widths[i], len(text))
                else:
                    widths.append(len(text))
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 10), 80)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename, sheet_title, headers, rows, *, more_sheets=()):
    """Download the table as an XLSX workbook (header row bold and frozen)."""
    content = xlsx_bytes([(sheet_title, headers, list(rows)), *more_sheets])
    return attachment(content, filename, XLSX_CONTENT_TYPE)
