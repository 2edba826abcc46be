"""Validators for Danish identifiers and the scheme's date conventions."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
_CPR_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")


def cvr_is_valid(value) -> bool:
    """True for an 8-digit CVR number passing the modulus-11 check."""
    value = str(value or "")
    if len(value) != 8 or not value.isdigit() or value[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(value, CVR_WEIGHTS)) % 11 == 0


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
    The century follows from the 7th digit (the CPR office's table)."""
    match = _CPR_RE.match(str(value or "").strip())
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups()[:3])
    serial = match.group(4)
    seventh = int(serial[0])
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if year <= 36 else 1900
    else:
        century = 2000 if year <= 57 else 1800
    try:
        return datetime.date(century + year, month, day)
    except ValueError:
        return None


def validate_cpr(value):
    """Format and a real birth date: since 2007 CPR numbers need not pass the
    modulus-11 check, so checking it would reject real people."""
    if not _CPR_RE.match(str(value or "").strip()):
        raise ValidationError(_("Enter your CPR number as 10 digits, for example 010190-1234."), code="invalid_cpr")
    if cpr_birth_date(value) is None:
        raise ValidationError(
            _("The first six digits of a CPR number are your birth date (DDMMYY). Check them."), code="invalid_cpr"
        )


def validate_first_of_month(value):
    """Monthly records (allowance, self-reports) are keyed by the month's first
    day so that 'one per month' can be a plain unique constraint."""
    if value is not None and value.day != 1:
        raise ValidationError(_("Use the first day of the month."), code="not_first_of_month")
