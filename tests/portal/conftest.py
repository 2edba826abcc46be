"""Fixtures for the citizen's side: Danish pages, no virus scanner, and
the demo's citizen of Nordby."""

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def danish_without_scanner(settings):
    settings.LANGUAGE_CODE = "da"
    settings.CLAMD_HOST = settings.CLAMD_SOCKET = settings.UPLOAD_SCANNER = ""


@pytest.fixture
def citizen(demo):
    return get_user_model().objects.get(email="borger@nordby.example")


@pytest.fixture
def draft(citizen, nordby):
    from portal.models import ApplicationDraft

    return ApplicationDraft.objects.create(citizen=citizen, municipality=nordby)
