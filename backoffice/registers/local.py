"""The registers for development, the demo and the tests: a fixture file
(``fixtures/registers.json``, or the setting ``REGISTER_FIXTURES``) with
made-up persons and businesses, among them the demo's citizens and
businesses, so the demo shows look-ups that look real."""

import datetime
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from ..models import RegisterSource
from . import CompanyRecord, PersonRecord

DEFAULT_FIXTURES = Path(__file__).parent / "fixtures" / "registers.json"


@lru_cache(maxsize=4)
def _load(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def fixtures():
    return _load(str(getattr(settings, "REGISTER_FIXTURES", "") or DEFAULT_FIXTURES))


def _digits(value):
    return "".join(ch for ch in str(value or "") if ch.isdigit())


class LocalPersonRegister:
    source = RegisterSource.CPR_LOCAL

    def lookup(self, cpr):
        # Keyed by the 10 digits, so "010190-1234" and "0101901234" are one person.
        row = fixtures()["persons"].get(_digits(cpr))
        if row is None:
            return None
        return PersonRecord(
            name=row["name"], address=row["address"], postcode=row["postcode"], city=row["city"],
            protected_address=bool(row.get("protected_address")), status=row.get("status", "active"),
        )


class LocalCompanyRegister:
    source = RegisterSource.CVR_LOCAL

    def lookup(self, cvr):
        number = _digits(cvr)
        row = fixtures()["companies"].get(number)
        if row is None:
            return None
        started = row.get("started_on")
        return CompanyRecord(
            cvr_number=number, name=row["name"], address=row["address"], postcode=row["postcode"],
            city=row["city"], started_on=datetime.date.fromisoformat(started) if started else None,
            status=row["status"], industry_code=row.get("industry_code", ""),
            industry_text=row.get("industry_text", ""),
        )
