"""Validators for Danish identifiers and the scheme's date conventions.

CPR and CVR numbers are checked with python-stdnum (``stdnum.dk``), so the
rules (the CPR office's century table, the CVR check digit) live in one
maintained place. Stored values are compact: CVR 8 digits, CPR as typed
(10 digits, optionally DDMMYY-SSSS)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum import iban as stdnum_iban
from stdnum.dk import cpr as stdnum_cpr
from stdnum.dk import cvr as stdnum_cvr

# Kept for callers that generate demo numbers (portal/demo/history.py).
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
# Only the two forms we store and show. stdnum's compact() would also accept
# "01 01 90 12 34"; the field is 11 characters, so be strict about the shape.
_CPR_RE = re.compile(r"^\d{6}-?\d{4}$")


def cvr_is_valid(value) -> bool:
    """True for an 8-digit CVR number passing the check digit (modulus 11).
    Strict about the stored form: no "DK" prefix, no spaces."""
    value = str(value or "")
    return len(value) == 8 and value.isdigit() and stdnum_cvr.is_valid(value)


def compact_cvr(value) -> str:
    """A CVR number as the citizen may type it ("DK 1234 5674") as stored."""
    return stdnum_cvr.compact(str(value or ""))


def validate_cvr(value):
    """The loan is only paid to a registered business; a typo in the CVR
    number would tie the money to somebody else's company."""
    if not cvr_is_valid(value):
        raise ValidationError(
            _("%(value)s is not a valid CVR number (8 digits, modulus-11 check)."),
            code="invalid_cvr", params={"value": value},
        )


def cpr_birth_date(value):
    """The birth date a CPR number encodes, or None if it encodes none.
    The century follows from the 7th digit (the CPR office's table, as
    ``stdnum.dk.cpr.get_birth_date`` implements it)."""
    value = str(value or "").strip()
    if not _CPR_RE.match(value):
        return None
    try:
        return stdnum_cpr.get_birth_date(value)
    except stdnum_errors.ValidationError:
        return None


def validate_cpr(value):
    """Format and a real birth date. Deliberately no modulus-11 check: it was
    given up in 2007 and real numbers fail it. ``stdnum.dk.cpr.validate``
    checks digits, length and the birth date (not in the future), and no
    check digit (read in python-stdnum 2.2's source; a test keeps it so)."""
    value = str(value or "").strip()
    if not _CPR_RE.match(value):
        raise ValidationError(_("Enter your CPR number as 10 digits, for example 010190-1234."), code="invalid_cpr")
    try:
        stdnum_cpr.validate(value)
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("The first six digits of a CPR number are your birth date (DDMMYY). Check them."), code="invalid_cpr"
        ) from None


def danish_account_from_iban(value):
    """``(registration number, account number)`` from a Danish IBAN
    ("DK50 0040 0440 1162 43" → ("0040", "440116243")), None when ``value``
    is not IBAN-shaped (starts without two letters). The Danish BBAN is the
    4-digit registration number and the 10-digit account number, padded
    with zeros that the bank's confirmation does not print. Raises
    ``ValidationError`` for an IBAN with a wrong check or of another country:
    the loan is paid only into a Danish business account."""
    compact = stdnum_iban.compact(str(value or ""))
    if not compact[:2].isalpha():
        return None
    if not compact.startswith("DK"):
        raise ValidationError(_("The account must be with a Danish bank (an IBAN starting with DK)."),
                              code="invalid_iban")
    try:
        stdnum_iban.validate(compact)
    except stdnum_errors.ValidationError:
        raise ValidationError(_("This is not a valid IBAN. Check it against the bank's confirmation."),
                              code="invalid_iban") from None
    bban = compact[4:]
    return bban[:4], bban[4:].lstrip("0") or "0"


def validate_first_of_month(value):
    """Monthly records (allowance, self-reports) are keyed by the month's first
    day so that 'one per month' can be a plain unique constraint."""
    if value is not None and value.day != 1:
        raise ValidationError(_("Use the first day of the month."), code="not_first_of_month")
