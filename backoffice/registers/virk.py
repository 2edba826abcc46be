"""The CVR register from the Danish Business Authority (Erhvervsstyrelsen):
the "system-til-system" distribution, an Elasticsearch index queried with
basic auth. Settings: ``CVR_API_URL`` (default http://distribution.virk.dk),
``CVR_API_USER``, ``CVR_API_PASSWORD`` (the access Erhvervsstyrelsen grants)
and ``CVR_API_TIMEOUT`` (seconds, default 10).

The CVR number goes in the POST body, not the URL: a sole trader's CVR
number points at one person."""

import datetime

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..models import RegisterSource
from . import CompanyRecord, RegisterUnavailable

DEFAULT_URL = "http://distribution.virk.dk"
SEARCH_PATH = "/cvr-permanent/virksomhed/_search"


class VirkCompanyRegister:
    source = RegisterSource.CVR_VIRK

    def __init__(self):
        self.url = (getattr(settings, "CVR_API_URL", "") or DEFAULT_URL).rstrip("/") + SEARCH_PATH
        self.user = getattr(settings, "CVR_API_USER", "")
        self.password = getattr(settings, "CVR_API_PASSWORD", "")
        self.timeout = float(getattr(settings, "CVR_API_TIMEOUT", 10) or 10)
        if not (self.user and self.password):
            raise ImproperlyConfigured(
                "CVR_REGISTER='virk' needs CVR_API_USER and CVR_API_PASSWORD (the system-to-system "
                "access from Erhvervsstyrelsen).")

    def query(self, cvr):
        return {
            "_source": ["Vrvirksomhed.cvrNummer", "Vrvirksomhed.virksomhedMetadata"],
            "query": {"term": {"Vrvirksomhed.cvrNummer": int(cvr)}},
            "size": 1,
        }

    def lookup(self, cvr):
        cvr = str(cvr)
        if not (len(cvr) == 8 and cvr.isdigit()):
            return None
        try:
            response = requests.post(self.url, json=self.query(cvr), auth=(self.user, self.password),
                                     timeout=self.timeout)
        except requests.Timeout:
            raise RegisterUnavailable("The CVR register did not answer in time.") from None
        except requests.RequestException as exc:
            raise RegisterUnavailable(
                f"The CVR register could not be reached ({type(exc).__name__}).") from None
        if response.status_code != 200:
            raise RegisterUnavailable(f"The CVR register answered HTTP {response.status_code}.")
        try:
            hits = response.json()["hits"]["hits"]
            if not hits:
                return None
            return parse_company(hits[0]["_source"]["Vrvirksomhed"])
        except (ValueError, KeyError, TypeError, IndexError):
            raise RegisterUnavailable("The CVR register's answer could not be read.") from None


def _text(value):
    return "" if value is None else str(value).strip()


def parse_company(company):
    """A ``CompanyRecord`` from the register's ``Vrvirksomhed`` document."""
    meta = company.get("virksomhedMetadata") or {}
    address = meta.get("nyesteBeliggenhedsadresse") or {}
    street = " ".join(part for part in (
        _text(address.get("vejnavn")),
        _text(address.get("husnummerFra")) + _text(address.get("bogstavFra")),
    ) if part)
    floor = ", ".join(part for part in (_text(address.get("etage")), _text(address.get("sidedoer"))) if part)
    industry = meta.get("nyesteHovedbranche") or {}
    founded = _text(meta.get("stiftelsesDato"))
    return CompanyRecord(
        cvr_number=_text(company["cvrNummer"]),
        name=_text((meta.get("nyesteNavn") or {}).get("navn")),
        address=f"{street}, {floor}" if floor else street,
        postcode=_text(address.get("postnummer")),
        city=_text(address.get("postdistrikt")),
        started_on=datetime.date.fromisoformat(founded[:10]) if founded else None,
        status=_text(meta.get("sammensatStatus")),
        industry_code=_text(industry.get("branchekode")),
        industry_text=_text(industry.get("branchetekst")),
    )
