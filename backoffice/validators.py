"""Validators for Danish identifiers and the scheme's date conventions."""

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


def validate_cpr(value):
    """Format and date part only: since 2007 CPR numbers need not pass the
    modulus-11 check, so checking it would reject real people."""
    match = _CPR_RE.match(str(value or ""))
    if not match:
        raise ValidationError(_("Enter a CPR number as DDMMYY-XXXX."), code="invalid_cpr")
    day, month = int(match.group(1)), int(match.group(2))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        raise ValidationError(_("The CPR number does not start with a date."), code="invalid_cpr")


def validate_first_of_month(value):
    """Monthly records (allowance, self-reports) are keyed by the month's first
    day so that 'one per month' can be a plain unique constraint."""
    if value is not None and value.day != 1:
        raise ValidationError(_("Use the first day of the month."), code="not_first_of_month")
