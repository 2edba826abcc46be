"""What the case page shows from the CPR and CVR registers, compared with
what the citizen typed. Reads only what ``CASE_PAGE_QUERYSET`` loaded
(``application__cpr_lookup``, ``business__cvr_lookup``): no queries."""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import Business, LookupOutcome, PersonLookup
from .registers import ACTIVE_COMPANY_STATUSES

# Warnings about the business that staff must confirm before they verify the account.
NOT_FOUND, NAME_DIFFERS, NOT_ACTIVE, UNAVAILABLE = "not_found", "name_differs", "not_active", "unavailable"
COMPANY_WARNINGS = {
    NOT_FOUND: _("The CVR number is not in the CVR register."),
    NAME_DIFFERS: _("The name in the CVR register differs from the name the citizen registered."),
    NOT_ACTIVE: _("The business is not active in the CVR register."),
    UNAVAILABLE: _("The CVR register could not be reached, so the business has not been checked."),
}


def _same(a, b):
    """Equal up to case, spaces and punctuation: "Torvet 3, 2. th" is "torvet 3 2 th"."""
    def norm(value):
        return re.sub(r"[\W_]+", " ", (value or "").casefold()).strip()
    return norm(a) == norm(b)


@dataclass(frozen=True)
class PersonComparison:
    lookup: PersonLookup | None
    # Field name → True when the register differs from what the citizen typed.
    differs: dict = field(default_factory=dict)

    @property
    def any_difference(self):
        return any(self.differs.values())


def person_comparison(application):
    """The application's latest CPR register snapshot and where it differs."""
    if application is None:
        return None
    lookup = application.cpr_lookup if application.cpr_lookup_id else None
    if lookup is None or lookup.outcome != LookupOutcome.FOUND:
        return PersonComparison(lookup=lookup)
    differs = {"name": not _same(application.full_name, lookup.name)}
    # A protected address is not compared: the register does not give it out.
    if not lookup.protected_address:
        differs.update(
            address=not _same(application.address, lookup.address),
            postcode=not _same(application.postcode, lookup.postcode),
            city=not _same(application.city, lookup.city),
        )
    return PersonComparison(lookup=lookup, differs=differs)


@dataclass(frozen=True)
class CompanyCheck:
    lookup: object  # CompanyLookup | None: the latest look-up of the business's current CVR number
    warnings: tuple = ()  # codes from COMPANY_WARNINGS

    @property
    def needs_confirmation(self):
        return bool(self.warnings)

    @property
    def warning_items(self):
        """(code, message) pairs, for the template."""
        return [(code, COMPANY_WARNINGS[code]) for code in self.warnings]


def company_check(business: Business | None, lookup=None):
    """How the business compares with the CVR register. ``lookup`` defaults
    to the business's latest snapshot; a snapshot of an earlier CVR number
    counts as not checked. Not checked yet (no snapshot): no warnings, the
    case page offers to fetch."""
    if business is None or not business.cvr_number:
        return CompanyCheck(lookup=None)
    if lookup is None and business.cvr_lookup_id:
        lookup = business.cvr_lookup
    if lookup is None or lookup.cvr_number != business.cvr_number:
        return CompanyCheck(lookup=None)
    if lookup.outcome == LookupOutcome.UNAVAILABLE:
        return CompanyCheck(lookup=lookup, warnings=(UNAVAILABLE,))
    if lookup.outcome == LookupOutcome.NOT_FOUND:
        return CompanyCheck(lookup=lookup, warnings=(NOT_FOUND,))
    warnings = []
    if not _same(lookup.name, business.name):
        warnings.append(NAME_DIFFERS)
    if lookup.status.strip().upper() not in ACTIVE_COMPANY_STATUSES:
        warnings.append(NOT_ACTIVE)
    return CompanyCheck(lookup=lookup, warnings=tuple(warnings))


__all__ = ["CompanyCheck", "PersonComparison", "company_check", "person_comparison"]
