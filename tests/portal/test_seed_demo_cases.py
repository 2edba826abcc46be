"""`seed_demo_cases`: the demo applicants' cases, made through the services,
once however often the command runs."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import ModelLogEntry

from backoffice.models import Case, Document, InformationRequest, ScreeningTalk


@pytest.fixture
def danish(settings):
    settings.LANGUAGE_CODE = "da"


def test_three_cases_per_municipality_made_once(demo, danish):
    out = io.StringIO()
    call_command("seed_demo_cases", stdout=out)
    assert "6 demo cases created" in out.getvalue()
    statuses = sorted(Case.objects.filter(municipality__slug="nordby").values_list("status", flat=True))
    assert statuses == ["awaiting_information", "screening", "submitted"]
    assert ScreeningTalk.objects.filter(case__municipality__slug="sydby").count() == 1
    assert InformationRequest.objects.filter(case__municipality__slug="nordby").count() == 1
    assert Document.objects.filter(kind=Document.Kind.APPLICATION_RECEIPT).count() == 6
    assert ModelLogEntry.objects.filter(action="backoffice.case.assigned").count() == 4
    call_command("seed_demo_cases", stdout=io.StringIO())
    assert Case.objects.count() == 6
