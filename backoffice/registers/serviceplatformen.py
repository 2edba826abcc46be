"""The production CPR register: KOMBIT Serviceplatformen's SF1520 "Udvidet
person stamdata (lokal)", the PersonBaseDataExtended service's
PersonLookup. A SOAP call over mutual TLS with the municipality's
organisation certificate (the one Digital Post uses), identified by the
service agreement's invocation context (four UUIDs from the agreement in
Serviceplatformen's administration module).

Settings: ``SERVICEPLATFORMEN_CERT_PATH`` (certificate and key in one PEM
file), ``CPR_SERVICE_AGREEMENT_UUID``, ``CPR_USER_SYSTEM_UUID``,
``CPR_USER_UUID``, ``CPR_SERVICE_UUID``, and ``CPR_API_URL`` (default:
Serviceplatformen's production or, with ``SERVICEPLATFORMEN_TEST``, its test
endpoint of version 5), ``CPR_API_TIMEOUT`` (seconds).

The CPR number travels in the SOAP body only, never in a URL or a log."""

from xml.etree import ElementTree

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..models import RegisterSource
from . import PersonRecord, RegisterUnavailable

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE = "http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/"
INVOCATION = "http://serviceplatformen.dk/xml/schemas/InvocationContext/1/"
PNR = "http://serviceplatformen.dk/xml/schemas/cpr/PNR/1/"
PRODUCTION_URL = "https://prod.serviceplatformen.dk/service/CPR/PersonBaseDataExtended/5"
TEST_URL = "https://exttest.serviceplatformen.dk/service/CPR/PersonBaseDataExtended/5"
INVOCATION_SETTINGS = (
    ("ServiceAgreementUUID", "CPR_SERVICE_AGREEMENT_UUID"),
    ("UserSystemUUID", "CPR_USER_SYSTEM_UUID"),
    ("UserUUID", "CPR_USER_UUID"),
    ("ServiceUUID", "CPR_SERVICE_UUID"),
)
# The CPR register's status codes (CPR-kontoret): 01 resident, 90 deceased,
# 80 emigrated; the rest (disappeared, administrative numbers …) are "other".
STATUS = {"01": "active", "03": "active", "05": "active", "07": "active", "80": "emigrated", "90": "deceased"}


class ServiceplatformenPersonRegister:
    source = RegisterSource.CPR_SERVICEPLATFORMEN

    def __init__(self):
        missing = [name for _, name in INVOCATION_SETTINGS if not getattr(settings, name, "")]
        if not getattr(settings, "SERVICEPLATFORMEN_CERT_PATH", ""):
            missing.insert(0, "SERVICEPLATFORMEN_CERT_PATH")
        if missing:
            raise ImproperlyConfigured(
                "CPR_REGISTER='serviceplatformen' (SF1520) needs " + ", ".join(missing)
                + ": the organisation certificate and the service agreement's invocation context.")
        default = TEST_URL if getattr(settings, "SERVICEPLATFORMEN_TEST", False) else PRODUCTION_URL
        self.url = getattr(settings, "CPR_API_URL", "") or default
        self.cert = settings.SERVICEPLATFORMEN_CERT_PATH
        self.timeout = float(getattr(settings, "CPR_API_TIMEOUT", 10) or 10)
        self.invocation = {element: getattr(settings, name) for element, name in INVOCATION_SETTINGS}

    def envelope(self, cpr):
        envelope = ElementTree.Element(f"{{{SOAP}}}Envelope")
        ElementTree.SubElement(envelope, f"{{{SOAP}}}Header")
        request = ElementTree.SubElement(ElementTree.SubElement(envelope, f"{{{SOAP}}}Body"),
                                         f"{{{SERVICE}}}PersonLookupRequest")
        context = ElementTree.SubElement(request, f"{{{INVOCATION}}}InvocationContext")
        for element, value in self.invocation.items():
            ElementTree.SubElement(context, f"{{{INVOCATION}}}{element}").text = str(value)
        ElementTree.SubElement(request, f"{{{PNR}}}PNR").text = cpr
        return ElementTree.tostring(envelope, encoding="utf-8", xml_declaration=True)

    def lookup(self, cpr):
        cpr = "".join(ch for ch in str(cpr) if ch.isdigit())
        if len(cpr) != 10:
            return None
        try:
            response = requests.post(self.url, data=self.envelope(cpr), cert=self.cert, timeout=self.timeout,
                                     headers={"Content-Type": "text/xml; charset=utf-8"})
        except requests.Timeout:
            raise RegisterUnavailable("The CPR register did not answer in time.") from None
        except (requests.RequestException, OSError) as exc:
            raise RegisterUnavailable(f"The CPR register could not be reached ({type(exc).__name__}).") from None
        try:
            root = ElementTree.fromstring(response.content)
        except ElementTree.ParseError:
            raise RegisterUnavailable(f"The CPR register's answer could not be read (HTTP {response.status_code}).") \
                from None
        fault = _first(root, "Fault")
        if fault is not None or response.status_code != 200:
            code = _text(_first(fault, "faultcode")) if fault is not None else ""
            raise RegisterUnavailable(
                f"The CPR register refused the look-up (HTTP {response.status_code}{', ' + code if code else ''}).")
        answer = _first(root, "PersonLookupResponse")
        person = _first(answer, "persondata") if answer is not None else None
        if person is None:
            return None
        return parse_person(answer)


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _first(element, name):
    """The first element below ``element`` named ``name`` in any namespace:
    the service's answer mixes several schemas' namespaces."""
    if element is None:
        return None
    return next((child for child in element.iter() if _local(child.tag) == name), None)


def _text(element):
    return (element.text or "").strip() if element is not None else ""


def parse_person(answer):
    """A ``PersonRecord`` from the ``PersonLookupResponse`` element."""
    person = _first(answer, "persondata")
    name = _first(person, "navn")
    full_name = _text(_first(name, "personadresseringsnavn")) or " ".join(
        part for part in (_text(_first(name, key)) for key in ("fornavn", "mellemnavn", "efternavn")) if part)
    address = _first(_first(answer, "adresse"), "aktuelAdresse")
    street = _text(_first(address, "standardadresse"))
    if not street and address is not None:
        floor = ", ".join(p for p in (_text(_first(address, "etage")), _text(_first(address, "sidedoer"))) if p)
        street = " ".join(p for p in (_text(_first(address, "vejadresseringsnavn")) or _text(_first(address, "vejnavn")),
                                      _text(_first(address, "husnummer"))) if p)
        street = f"{street}, {floor}" if floor else street
    status_code = _text(_first(_first(person, "status"), "status")) or _text(_first(person, "status"))
    status = STATUS.get(status_code[:2], "other" if status_code else "active")
    if _first(answer, "udrejseoplysninger") is not None:
        status = "emigrated"
    return PersonRecord(
        name=full_name, address=street, postcode=_text(_first(address, "postnummer")),
        city=_text(_first(address, "postdistrikt")),
        protected_address=_first(answer, "adressebeskyttelse") is not None,
        status=status,
    )
