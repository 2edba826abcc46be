"""The payment order file for the municipality's finance system, and the
confirmation file it sends back. Both are documented in
docs/payment-orders.md: change the columns there too.

The order file is what KMD Opus, Prisme and similar finance systems import:
UTF-8 without BOM, semicolon-separated, a header row, CRLF line ends, one
line per order, amounts in kroner with a decimal comma and no thousands
separator ("40000,00"), dates as ISO (2026-03-01)."""

import csv
import io

from django.utils.translation import gettext as _

ORDER_COLUMNS = ("order_id", "kind", "recipient_type", "recipient_number", "amount_dkk", "payment_date",
                 "payment_text", "reference")
CONFIRMATION_COLUMNS = ("order_id", "status", "booked_on", "transaction_id", "message")
# The finance system's words for a paid or a refused order.
PAID = ("paid", "confirmed", "betalt")
REJECTED = ("rejected", "afvist")
MAX_ROWS = 20000


def amount_text(ore):
    """Øre as the file writes kroner: 4000000 → "40000,00"."""
    whole, cents = divmod(int(ore), 100)
    return f"{whole},{cents:02d}"


def order_lines(orders):
    """The order file as text, for ``orders`` (each with ``case`` loaded)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(ORDER_COLUMNS)
    for order in orders:
        writer.writerow([order.pk, order.kind, order.recipient_type.upper(), order.recipient_number,
                         amount_text(order.amount_ore), order.payment_date.isoformat(), order.payment_text,
                         order.case.reference])
    return out.getvalue()


class FileRefused(Exception):
    """The file was not imported; ``errors`` lists what to fix, by line."""

    def __init__(self, errors):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def read_rows(content, columns):
    """``(line number, {column: value})`` for each non-empty line of a
    semicolon- (or comma-) separated UTF-8 file with a header row naming
    ``columns`` (``message`` may be left out). Raises ``FileRefused``."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileRefused(
                [_("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again.")]) from exc
    content = content.lstrip("\ufeff")
    first = content.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    names = [name.strip().lower() for name in next(reader, None) or []]
    missing = [name for name in columns if name not in names and name != "message"]
    if missing:
        raise FileRefused(
            [_("Line 1: the columns %(columns)s are missing.") % {"columns": ", ".join(missing)}])
    rows, errors = [], []
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            errors.append(_("The file has more than %(max)s lines. Split it up.") % {"max": MAX_ROWS})
            break
        if len(values) != len(names):
            errors.append(_("Line %(line)s: %(found)s columns instead of %(expected)s.")
                          % {"line": line, "found": len(values), "expected": len(names)})
            continue
        row = dict(zip(names, (value.strip() for value in values)))
        rows.append((line, {name: row.get(name, "") for name in columns}))
    if errors:
        raise FileRefused(errors)
    return rows
