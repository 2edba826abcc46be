"""Import repayments from the finance system's CSV file.

Columns (header row, "," or ";" separated, UTF-8 with or without BOM):
``reference`` (the case reference), ``booked_on`` (ISO date, 2026-03-01),
``amount_dkk`` (Danish "1.234,50" or dot decimals "1234.50"; positive) and
``transaction_id`` (the finance system's id of the payment).

Idempotent: a payment whose transaction id is already booked on the loan is
counted as "already recorded" and not booked again, so importing the same
file twice books nothing twice. All or nothing: if any line is wrong, no
line is booked, and every error names its line number."""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from .models import LedgerEntry, Loan
from .services import loans
from .services.transitions import TransitionError

COLUMNS = ("reference", "booked_on", "amount_dkk", "transaction_id")
MAX_ROWS = 20000
_DANISH_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


class ImportRefused(Exception):
    """The file was not imported; ``errors`` lists what to fix, by line."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    new: int = 0
    already_recorded: int = 0
    lines: int = 0
    entries: list = field(default_factory=list)


@dataclass
class _Row:
    line: int
    loan: Loan
    booked_on: datetime.date
    amount_ore: int
    transaction_id: str


def parse_amount_ore(text):
    """Kroner as written by a Danish or an English spreadsheet → øre.
    "1.234,50", "1234,50", "1234.50", "1.234" (thousands) are accepted;
    more than two decimals, signs other than a plain number, are not."""
    value = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    value = re.sub(r"(?i)(kr\.?|dkk)$", "", value).strip()
    if not value:
        raise ValueError("empty")
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    elif _DANISH_THOUSANDS.match(value):
        value = value.replace(".", "")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise ValueError(value)
    return int(amount * 100)


def _read(content):
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                [_("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again.")]) from exc
    content = content.lstrip("\ufeff")
    first = content.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    header = next(reader, None)
    names = [name.strip().lower() for name in header or []]
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise ImportRefused(
            [_("Line 1: the columns %(columns)s are missing.") % {"columns": ", ".join(missing)}])
    index = {name: names.index(name) for name in COLUMNS}
    return reader, index, len(names)


def _parse(content, municipality):
    reader, index, width = _read(content)
    errors, rows, raw, seen = [], [], [], {}
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(raw) >= MAX_ROWS:
            errors.append(_("The file has more than %(max)s lines. Split it up.") % {"max": MAX_ROWS})
            break
        if len(values) != width:
            # Usually an amount like 1.234,50 in a comma-separated file without quotes.
            errors.append(_("Line %(line)s: %(found)s columns instead of %(expected)s. Put amounts with a "
                            "decimal comma in quotes, or separate the columns with semicolons.")
                          % {"line": line, "found": len(values), "expected": width})
            continue
        value = {name: (values[i].strip() if i < len(values) else "") for name, i in index.items()}
        raw.append((line, value))
    references = {value["reference"] for _line, value in raw}
    loans_by_reference = {
        loan.case.reference: loan for loan in Loan.objects.filter(
            case__municipality=municipality, case__reference__in=references).select_related("case")}
    for line, value in raw:
        problems = []
        loan = loans_by_reference.get(value["reference"])
        if loan is None:
            problems.append(_("no loan on a case with the reference “%(reference)s”")
                            % {"reference": value["reference"]})
        try:
            booked_on = datetime.date.fromisoformat(value["booked_on"])
        except ValueError:
            booked_on = None
            problems.append(_("the date “%(value)s” is not a date like 2026-03-01")
                            % {"value": value["booked_on"]})
        try:
            amount_ore = parse_amount_ore(value["amount_dkk"])
            if amount_ore <= 0:
                problems.append(_("the amount must be more than 0"))
        except ValueError:
            amount_ore = None
            problems.append(_("the amount “%(value)s” is not an amount like 1.234,50")
                            % {"value": value["amount_dkk"]})
        transaction_id = value["transaction_id"]
        if not transaction_id:
            problems.append(_("the transaction id is missing"))
        elif len(transaction_id) > 100:
            problems.append(_("the transaction id is too long"))
        elif (value["reference"], transaction_id) in seen:
            problems.append(_("the transaction id is also on line %(line)s")
                            % {"line": seen[(value["reference"], transaction_id)]})
        else:
            seen[(value["reference"], transaction_id)] = line
        if problems:
            errors.append(_("Line %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(problems)})
        else:
            rows.append(_Row(line, loan, booked_on, amount_ore, transaction_id))
    return rows, errors


def import_payments(content, municipality, user):
    """Book the payments in ``content`` (bytes or text) on the loans of
    ``municipality`` as ``user`` (who needs manage_loan there). Returns an
    ``ImportResult``; raises ``ImportRefused`` and books nothing if any line
    is wrong."""
    rows, errors = _parse(content, municipality)
    if errors:
        raise ImportRefused(errors)
    result = ImportResult(lines=len(rows))
    with transaction.atomic():
        existing = {
            (entry.loan_id, entry.external_reference): entry for entry in LedgerEntry.objects.filter(
                loan__in={row.loan.pk for row in rows},
                external_reference__in={row.transaction_id for row in rows})}
        for row in rows:
            booked = existing.get((row.loan.pk, row.transaction_id))
            if booked is not None:
                if booked.kind != LedgerEntry.Kind.REPAYMENT or booked.amount_ore != -row.amount_ore \
                        or booked.booked_on != row.booked_on:
                    errors.append(_("Line %(line)s: the transaction id is already booked with another date "
                                    "or amount.") % {"line": row.line})
                else:
                    result.already_recorded += 1
                continue
            try:
                entry = loans.record_payment(row.loan, user, amount_ore=row.amount_ore,
                                             booked_on=row.booked_on, external_reference=row.transaction_id)
            except TransitionError as exc:
                errors.append(_("Line %(line)s: %(message)s") % {"line": row.line, "message": exc.message})
                continue
            result.new += 1
            result.entries.append(entry)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportRefused(errors)
    return result
