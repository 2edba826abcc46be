"""Look-ups in the CPR register (persons) and the CVR register (businesses),
behind one small interface so the rest of the backoffice does not know
which register answers.

    lookup_person(cpr) -> PersonRecord | None
    lookup_company(cvr) -> CompanyRecord | None

None means "not in the register". A register that cannot answer (time-out,
HTTP error, an answer we cannot read) raises ``RegisterUnavailable``; the
callers store that as its own state, so a register failure never reaches
the citizen. The provider comes from the settings ``CPR_REGISTER`` and
``CVR_REGISTER``: "local" (the fixtures in ``registers/fixtures``, for
development and the demo) or the production provider's name.

Never put a CPR number in a URL, an exception message or a log line."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

PERSON_PROVIDERS = {
    "local": "backoffice.registers.local.LocalPersonRegister",
    "serviceplatformen": "backoffice.registers.serviceplatformen.ServiceplatformenPersonRegister",
}
COMPANY_PROVIDERS = {
    "local": "backoffice.registers.local.LocalCompanyRegister",
    "virk": "backoffice.registers.virk.VirkCompanyRegister",
}
# The CVR register's "sammensatStatus" of a business that is trading.
ACTIVE_COMPANY_STATUSES = frozenset({"NORMAL", "AKTIV"})


class RegisterUnavailable(Exception):
    """The register did not answer usably. The message names the failure,
    never the number looked up."""


@dataclass(frozen=True)
class PersonRecord:
    name: str
    address: str
    postcode: str
    city: str
    protected_address: bool = False
    status: str = "active"  # models.PersonLookup.Status: active, deceased, emigrated, other


@dataclass(frozen=True)
class CompanyRecord:
    cvr_number: str
    name: str
    address: str
    postcode: str
    city: str
    started_on: datetime.date | None
    status: str  # as the register writes it: "NORMAL", "OPHØRT", "UNDER KONKURS" …
    industry_code: str = ""
    industry_text: str = ""

    @property
    def is_active(self):
        return self.status.strip().upper() in ACTIVE_COMPANY_STATUSES


def _provider(setting, providers):
    name = getattr(settings, setting, "local") or "local"
    if name not in providers:
        raise ImproperlyConfigured(
            f"{setting}={name!r} is not a register provider; choose one of {', '.join(sorted(providers))}.")
    return import_string(providers[name])()


def person_register():
    """The CPR register provider the settings choose (has ``source`` and ``lookup``)."""
    return _provider("CPR_REGISTER", PERSON_PROVIDERS)


def company_register():
    """The CVR register provider the settings choose (has ``source`` and ``lookup``)."""
    return _provider("CVR_REGISTER", COMPANY_PROVIDERS)


def lookup_person(cpr) -> PersonRecord | None:
    return person_register().lookup(cpr)


def lookup_company(cvr) -> CompanyRecord | None:
    return company_register().lookup(cvr)
