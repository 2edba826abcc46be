"""The de minimis register for the municipality's reporting: every de
minimis grant in a period (``services.de_minimis`` records them), one row
each. Used by the statistics page's CSV/XLSX download and by the command
``de_minimis_register``.

Unlike the other statistics files this one names businesses (CVR number and
name): it is for the coordinator's reporting, not for the steering group.
The CVR number is the one recorded at the grant, or the business's current
one when it registered only after the loan decision."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ..services.de_minimis import grants_in_period

HEADERS = (
    _("CVR number"), _("Business"), _("Granted on"), _("Aid (DKK)"), _("Aid (EUR)"), _("GGE method"),
    _("Reference rate (%)"), _("Loan amount (DKK)"), _("Case"), _("Regulation"),
)


def _units(minor):
    return (Decimal(int(minor)) / 100).quantize(Decimal("0.01"))


def register_rows(municipality, start, end):
    """The rows for the grants from ``start`` to ``end`` (both included)."""
    rows = []
    for grant in grants_in_period(municipality, start, end):
        business = getattr(grant.case, "business", None)
        rows.append([
            grant.cvr_number or (business.cvr_number if business else ""),
            grant.business_name or (business.name if business else ""),
            grant.granted_on, _units(grant.aid_ore), _units(grant.aid_eur_cents), grant.get_method_display(),
            grant.reference_rate, _units(grant.loan_principal_ore), grant.case.reference, grant.regulation,
        ])
    return rows


def headers():
    return [str(header) for header in HEADERS]
