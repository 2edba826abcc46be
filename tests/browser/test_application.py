"""The whole citizen journey in a real browser: sign up, start an
application, fill every step (one mistake on the way), upload a real PDF and
XLSX, stop, log in again, resume from My page, send, and see the receipt and
the case on My page. axe runs on every page; screenshots of each step."""

import re

import pytest
from playwright.sync_api import expect

from backoffice.models import Case
from portal.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD as DEMO_PASSWORD
from portal.models import ApplicationDraft

from ..files import pdf_bytes, xlsx_bytes
from .conftest import assert_accessible, screenshot, visit
from .test_accounts import PASSWORD, _click_and_check, _confirm, _confirmation_path, _sign_up, _submit

pytestmark = pytest.mark.browser

EMAIL = "ansoeger@example.com"



def _continue(page):
    _click_and_check(page, page.get_by_role("button", name="Gem og fortsæt", exact=True))


def _log_in(page):
    page.get_by_label("E-mail", exact=True).fill(EMAIL)
    page.get_by_label("Adgangskode", exact=True).fill(PASSWORD)
    _click_and_check(page, _submit(page, "/accounts/login/"))


def test_citizen_applies_online_from_sign_up_to_receipt(page, tmp_path):
    _sign_up(page, "da", EMAIL, PASSWORD)
    _confirm(page, _confirmation_path(EMAIL, "da"), "da")

    visit(page, "/apply/")
    screenshot(page, "application-start")
    _click_and_check(page, page.get_by_role("button", name="Start ansøgningen"))

    # About you, with a CPR number that cannot be a date first.
    expect(page.locator("main h1")).to_have_text("Om dig")
    page.get_by_label("Fulde navn", exact=True).fill("Amina Hansen")
    page.get_by_label("CPR-nummer", exact=True).fill("3213901234")
    page.get_by_label("Adresse", exact=True).fill("Torvet 2")
    page.get_by_label("Postnummer", exact=True).fill("9000")
    page.get_by_label("By", exact=True).fill("Nordby")
    page.get_by_label("Telefon", exact=True).fill("12 34 56 78")
    page.get_by_label("E-mail", exact=True).fill("amina@example.dk")
    page.locator(".radio-option label").first.click()  # the label is the big target
    _continue(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    screenshot(page, "application-error")
    expect(page.get_by_label("Fulde navn", exact=True)).to_have_value("Amina Hansen")  # nothing lost
    page.get_by_label("CPR-nummer", exact=True).fill("0101901234")
    _continue(page)

    expect(page.locator("main h1")).to_have_text("Din idé")
    page.get_by_label("Din forretningsidé", exact=True).fill("Systue med reparationer og omsyning.")
    page.get_by_label("Branche", exact=True).fill("Skrædder")
    page.get_by_label("Dine kunder", exact=True).fill("Renserier og private i Nordby.")
    page.get_by_label("Din erfaring og uddannelse", exact=True).fill("Har syet i ti år.")
    page.get_by_label("Hvorfor vil du være selvstændig?", exact=True).fill("Jeg vil være min egen chef.")
    screenshot(page, "application-idea")
    _continue(page)

    expect(page.locator("main h1")).to_have_text("Penge")
    page.get_by_label("Hvad koster det at starte?", exact=True).fill("45000")
    page.get_by_label("Hvor meget kan du selv betale?", exact=True).fill("5000")
    page.get_by_label("Hvor meget vil du låne?", exact=True).fill("40000")
    page.get_by_label("Hvad regner du med at tjene om måneden?", exact=True).fill("18000")
    _continue(page)

    # Documents: a real PDF and a real spreadsheet.
    expect(page.locator("main h1")).to_have_text("Dokumenter")
    plan, budget = tmp_path / "Forretningsplan.pdf", tmp_path / "Budget 2027.xlsx"
    plan.write_bytes(pdf_bytes())
    budget.write_bytes(xlsx_bytes())
    page.locator("input[name='business_plan']").set_input_files(str(plan))
    page.locator("input[name='budget']").set_input_files(str(budget))
    # Sent in the background with a progress bar; the answer replaces the page.
    page.get_by_role("button", name="Upload de valgte filer").click()
    expect(page.locator(".file-list")).to_contain_text(["Forretningsplan.pdf", "Budget 2027.xlsx"])
    expect(page.get_by_text("2 filer er uploadet.")).to_have_count(1)
    assert_accessible(page)
    screenshot(page, "application-documents")

    # Stop here, log out, and come back later.
    _click_and_check(page, page.get_by_role("button", name="Gem og fortsæt senere"))
    draft = ApplicationDraft.objects.get(citizen__email=EMAIL)
    _click_and_check(page, page.locator("header.site-header").get_by_role("button", name="Log ud"))
    page.goto("/my-page/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert_accessible(page)
    _log_in(page)
    expect(page).to_have_url(re.compile(r"/my-page/$"))
    screenshot(page, "my-page-with-draft")
    _click_and_check(page, page.locator(f"main a[href*='{draft.pk}']").first)

    # Resumed where it was left: the files are still there.
    expect(page.locator("main h1")).to_have_text("Dokumenter")
    expect(page.locator(".file-list")).to_contain_text(["Forretningsplan.pdf", "Budget 2027.xlsx"])
    _continue(page)

    expect(page.locator("main h1")).to_have_text("Erklæringer")
    page.locator("input[name='truthful']").check()
    page.locator("input[name='consent']").check()
    _continue(page)

    expect(page.locator("main h1")).to_have_text("Tjek og send")
    expect(page.locator("main")).to_contain_text("010190-****")
    expect(page.locator("main")).not_to_contain_text("010190-1234")
    screenshot(page, "application-review")
    _click_and_check(page, page.get_by_role("button", name="Send ansøgningen"))

    case = Case.objects.get(submission_key=draft.pk)
    expect(page.locator("main h1")).to_have_text("Din ansøgning er sendt")
    expect(page.locator("main")).to_contain_text(case.reference)
    screenshot(page, "application-receipt")
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent kvitteringen (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")

    _click_and_check(page, page.get_by_role("link", name="Følg din sag på Min side"))
    expect(page.locator("main")).to_contain_text(case.reference)
    screenshot(page, "my-page-case")
    assert Case.objects.filter(citizen__email=EMAIL).count() == 1


def test_a_large_upload_shows_its_progress_and_a_refused_file_keeps_the_rest(page, tmp_path, citizen_draft):
    """On a slow line (Chromium's upload throttled to 1 MB/s) the citizen sees
    how far a 3 MB business plan has come; the page that answers is the
    server's, with the refused file explained and the accepted one listed."""
    _log_in_as(page, "borger@nordby.example")
    visit(page, f"/apply/{citizen_draft.pk}/documents/")
    plan, budget = tmp_path / "plan.pdf", tmp_path / "budget.pages"
    plan.write_bytes(pdf_bytes(b"%" + b"x" * (3 * 1024 * 1024) + b"\n"))
    budget.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    page.locator("input[name='business_plan']").set_input_files(str(plan))
    page.locator("input[name='budget']").set_input_files(str(budget))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 1024 * 1024})

    page.get_by_role("button", name="Upload de valgte filer").click()
    status = page.locator("[data-upload-status]")
    expect(status).to_be_visible()
    expect(status).to_contain_text(re.compile(r"Dine filer sendes: \d+\s%\s?af 3 MB"))
    expect(status.locator("progress")).to_have_attribute("value", re.compile(r"^[1-9]"), timeout=10_000)
    screenshot(page, "application-upload-progress")
    assert_accessible(page)

    expect(page.locator(".error-summary")).to_be_visible(timeout=20_000)
    expect(page.locator(".error-summary")).to_contain_text("budget.pages")
    expect(page.locator(".file-list")).to_contain_text("plan.pdf")
    expect(page.locator("[data-upload-status]")).to_be_hidden()
    assert_accessible(page)
    screenshot(page, "application-upload-refused")
    assert list(citizen_draft.documents.values_list("original_name", flat=True)) == ["plan.pdf"]


@pytest.fixture
def citizen_draft(demo_site):
    from django.contrib.auth import get_user_model

    from backoffice.models import Municipality

    citizen = get_user_model().objects.get(email="borger@nordby.example")
    return ApplicationDraft.objects.create(citizen=citizen, municipality=Municipality.objects.get(slug="nordby"))


def _log_in_as(page, email):
    visit(page, "/accounts/login/")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Adgangskode", exact=True).fill(DEMO_PASSWORD)
    _click_and_check(page, _submit(page, "/accounts/login/"))
