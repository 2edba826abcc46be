"""The citizen's complaint in a real browser: from the decision on My page
to the form, a file that is refused (the text is kept), then the complaint
sent with a good file, and its status on the case page. axe runs on every
page, screenshots at phone and desktop width. The final decision is made
through the services in the set-up (the browser walk of a decision is in
test_casework)."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from backoffice.models import Appeal, Case, DecisionKind
from backoffice.services import decisions

from ..backoffice.staff_cases import open_case
from ..files import pdf_bytes
from .conftest import assert_accessible, screenshot, visit
from .test_casework import _sign_in, _submit_and_wait

pytestmark = pytest.mark.browser
User = get_user_model()
COMPLAINT = "Jeg er uenig. Jeg har allerede tre faste kunder, og det står i mit budget."


@pytest.fixture
def refused_case(demo_site, settings):
    from backoffice.models import Municipality

    settings.CLAMD_HOST = settings.CLAMD_SOCKET = settings.UPLOAD_SCANNER = ""
    citizen = User.objects.get(email="borger@nordby.example")
    caseworker = User.objects.get(email="sagsbehandler@nordby.example")
    case = open_case(Municipality.objects.get(slug="nordby"), citizen)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SCREENING)
    case.refresh_from_db()
    draft = decisions.draft_decision(case, caseworker, DecisionKind.REFER_TO_ORDINARY_EFFORT,
                                     reason="Forretningsplanen viser ikke, hvordan du får kunder nok.")
    decision = decisions.finalise_decision(
        draft, caseworker, expected_version=case.version,
        consultation_waived_reason="Borgeren kender vurderingen fra samtalen og har kommenteret den.")
    return case, decision


def test_citizen_complains_about_a_decision_on_my_page(page, refused_case):
    case, decision = refused_case
    visit(page, "/accounts/login/")
    _sign_in(page, "borger@nordby.example")
    visit(page, f"/my-page/cases/{case.reference}/")
    link = page.locator(f"#appeal-link-{decision.pk}")
    expect(link).to_be_visible()
    _submit_and_wait(page, link)
    screenshot(page, "my-page-appeal-form")

    # A file that is not what its name says: refused, nothing sent, the text kept.
    page.locator("textarea[name=text]").fill(COMPLAINT)
    page.locator("input[name=files]").set_input_files(
        files=[{"name": "kunder.pdf", "mimeType": "application/pdf", "buffer": b"MZ not really a pdf"}])
    # With files the form is sent in the background; the answer replaces the page.
    page.locator("main form button.button--primary").click()
    expect(page.locator(".field-error")).to_be_visible()
    expect(page.locator("textarea[name=text]")).to_have_value(COMPLAINT)
    assert_accessible(page)
    assert not Appeal.objects.exists()
    screenshot(page, "my-page-appeal-file-refused")

    page.locator("input[name=files]").set_input_files(
        files=[{"name": "kunder.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    page.locator("main form button.button--primary").click()
    expect(page.locator(f"#appeal-{decision.pk} [data-appeal-status=lodged]")).to_be_visible()
    assert_accessible(page)
    appeal = Appeal.objects.get(decision=decision)
    assert appeal.text == COMPLAINT and appeal.documents.count() == 1
    screenshot(page, "my-page-appeal-lodged")
