"""The production CPR register: KOMBIT Serviceplatformen's SF1520 "CPR
replika opslag" (PersonBaseDataExtended), a SOAP service over mutual TLS
with the municipality's organisation certificate and a service agreement.

Not built yet: choosing it stops with ``ImproperlyConfigured`` naming what
is missing, rather than answering "not found" for everybody. Until then,
staff check the applicant in the CPR register's own screens, and
``CPR_REGISTER`` stays "local" outside production."""

from django.core.exceptions import ImproperlyConfigured

from ..models import RegisterSource

MISSING = (
    "CPR_REGISTER='serviceplatformen' is not available yet: the SF1520 client (PersonBaseDataExtended "
    "PersonLookup, SOAP) is not implemented. It will need CPR_API_URL (the SF1520 endpoint), the "
    "municipality's organisation certificate for mutual TLS (SERVICEPLATFORMEN_CERT_PATH, as for Digital "
    "Post), for version 5 a token from KOMBIT's security token service, and the service agreement's "
    "CPR_SERVICE_AGREEMENT_UUID, CPR_USER_SYSTEM_UUID, CPR_USER_UUID and CPR_SERVICE_UUID. "
    "Use CPR_REGISTER='local' meanwhile."
)


class ServiceplatformenPersonRegister:
    source = RegisterSource.CPR_SERVICEPLATFORMEN

    def __init__(self):
        raise ImproperlyConfigured(MISSING)

    def lookup(self, cpr):  # pragma: no cover - the constructor refuses
        raise ImproperlyConfigured(MISSING)
