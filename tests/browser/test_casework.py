"""A caseworker's day in a real browser: sign in with an authenticator code,
find the new case in the queue, preview the business plan, book a talk,
write the assessment, and refuse admission through consultation; the
citizen then finds the letter on My page. axe runs on every admin page."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from backoffice.models import Case, Decision, Document

from ..backoffice.staff_cases import add_document, open_case
from ..staff_login import add_totp, totp_code
from .conftest import assert_accessible, screenshot, visit
from .test_application import DEMO_PASSWORD

pytestmark = pytest.mark.browser
User = get_user_model()


def _submit_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("load")
    if page.locator(".messages li").count():
        page.wait_for_timeout(800)  # the admin's message fades in; check it as the user sees it
    assert_accessible(page)


def _sign_in(page, email, password=DEMO_PASSWORD):
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Adgangskode", exact=True).fill(password)
    _submit_and_wait(page, page.locator("main form button.button--primary").first)


@pytest.fixture
def mfa_required(settings):
    settings.STAFF_REQUIRE_MFA = True


@pytest.fixture
def new_case(demo_site):
    from backoffice.models import Municipality

    citizen = User.objects.get(email="borger@nordby.example")
    case = open_case(Municipality.objects.get(slug="nordby"), citizen)
    add_document(case)
    return case


@pytest.fixture
def citizen_page(browser, demo_site):
    context = browser.new_context(base_url=demo_site.url, viewport={"width": 390, "height": 844}, locale="da-DK")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_caseworker_assesses_and_refuses_through_consultation(page, mfa_required, new_case, citizen_page):
    caseworker = User.objects.get(email="sagsbehandler@nordby.example")
    secret = add_totp(caseworker)

    # Sign in: password, then the code from the authenticator app.
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    _sign_in(page, caseworker.email)
    page.locator("input[name=code]").fill(totp_code(secret))
    _submit_and_wait(page, page.locator("main form button.button--primary").first)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    screenshot(page, "admin-dashboard")

    # The queue: the new case is there; find it by its number.
    visit(page, "/admin/cases/")
    expect(page.locator("main")).to_contain_text(new_case.reference)
    page.locator("input[name=q]").fill(new_case.reference)
    page.locator("input[name=q]").press("Enter")
    expect(page.locator("main table")).to_contain_text(new_case.reference)
    screenshot(page, "admin-case-queue")
    _submit_and_wait(page, page.get_by_role("link", name=new_case.reference))
    expect(page.locator("main")).to_contain_text("Amina Hansen")
    expect(page.locator("main")).to_contain_text("010190-****")
    screenshot(page, "admin-case")

    # Preview the business plan.
    _submit_and_wait(page, page.locator("a[href$='/preview/']").first)
    expect(page.locator("iframe.document-preview")).to_be_visible()
    _submit_and_wait(page, page.locator(f"main a[href='/admin/casework/{new_case.pk}/#documents']"))

    # Book a talk.
    _submit_and_wait(page, page.locator(f"a[href='/admin/casework/{new_case.pk}/talks/new/']"))
    page.locator("input[name=date]").fill("2030-03-04")
    page.locator("input[name=start_time]").fill("10:00")
    page.locator("input[name=end_time]").fill("11:00")
    page.locator("input[name=location]").fill("Jobcentret, mødelokale 2")
    screenshot(page, "admin-talk-new")
    _submit_and_wait(page, page.locator("main form button[type=submit]").first)
    expect(page.locator("#talks-section")).to_contain_text("mødelokale 2")
    new_case.refresh_from_db()
    assert new_case.status == Case.Status.SCREENING

    # The caseworker's assessment, all five criteria, recommending referral.
    _submit_and_wait(page, page.locator(f"a[href='/admin/casework/{new_case.pk}/assessments/caseworker/']"))
    for criterion in ("competences", "business_plan", "profitability", "health", "family_backing"):
        page.locator(f"input[name={criterion}_rating][value='2']").check()
        page.locator(f"textarea[name={criterion}_reason]").fill("Vurderet ud fra samtalen og planen.")
    page.locator("input[name=recommendation][value=refer]").check()
    screenshot(page, "admin-assessment")
    _submit_and_wait(page, page.locator("button[name=action][value=submit]"))
    assert new_case.assessments.get(role="caseworker").submitted_at is not None

    _refuse_through_consultation(page, new_case, citizen_page)
    screenshot(page, "admin-decision-final")

    # Both letters went out in Digital Post (the outbox here), and the CPR
    # register's answer is on the case beside what the citizen typed.
    visit(page, f"/admin/casework/{new_case.pk}/")
    letters = page.locator("#digital-post tbody tr")
    expect(letters).to_have_count(2)
    for row in range(2):
        expect(letters.nth(row)).to_have_attribute("data-status", "sent")
    expect(page.locator("#cpr-register [data-register-source]")).to_be_visible()
    page.locator("#digital-post").scroll_into_view_if_needed()
    screenshot(page, "admin-case-digital-post-and-cpr-register")

    # The citizen sees the letter on My page.
    visit(citizen_page, f"/my-page/cases/{new_case.reference}/")
    letter = Decision.objects.get(case=new_case, status=Decision.Status.FINAL).letter
    assert letter.visible_to_citizen and letter.kind == Document.Kind.DECISION_LETTER
    expect(citizen_page.locator("main")).to_contain_text(letter.original_name)
    # The appeal deadline, counted in working days from when the letter reached them.
    final = Decision.objects.get(case=new_case, status=Decision.Status.FINAL)
    expect(citizen_page.locator(f"#appeal-deadline-{final.pk}")).to_be_visible()
    screenshot(citizen_page, "my-page-decision-letter")


def _refuse_through_consultation(page, case, citizen_page):
    """Draft a referral (not what was applied for), send the reasons for
    consultation, let the citizen comment, then make it final."""
    _submit_and_wait(page, page.locator(f"a[href='/admin/casework/{case.pk}/decisions/new/']"))
    page.locator("input[name=kind][value=refer_to_ordinary_effort]").check()
    page.locator("textarea[name=reason]").fill(
        "Budgettet viser ikke, at virksomheden kan forsørge dig inden for et år.")
    screenshot(page, "admin-decision-new")
    _submit_and_wait(page, page.locator(f"main form[action$='/decisions/new/'] button.button"))
    decision = Decision.objects.get(case=case)
    _submit_and_wait(page, page.locator("main form[action$='/consultation/'] button[type=submit]"))
    decision.refresh_from_db()
    assert decision.status == Decision.Status.IN_CONSULTATION
    screenshot(page, "admin-decision-consultation")

    # The citizen reads the draft reasons on My page and answers.
    visit(citizen_page, "/accounts/login/")
    _sign_in(citizen_page, "borger@nordby.example")
    visit(citizen_page, f"/my-page/cases/{case.reference}/consultation/{decision.pk}/")
    expect(citizen_page.locator("main")).to_contain_text("Budgettet viser ikke")
    citizen_page.locator("textarea[name=comments]").fill("Jeg har fået en ny kunde siden ansøgningen.")
    screenshot(citizen_page, "my-page-consultation")
    _submit_and_wait(citizen_page, citizen_page.locator("main form button.button--primary"))
    decision.refresh_from_db()
    assert decision.consultation_replied_at is not None

    # Back in the admin: the comments are there; the decision is made final.
    visit(page, f"/admin/casework/{case.pk}/decisions/{decision.pk}/")
    expect(page.locator("main")).to_contain_text("ny kunde")
    _submit_and_wait(page, page.locator("main form[action$='/final/'] button[type=submit]"))
    decision.refresh_from_db()
    case.refresh_from_db()
    assert decision.status == Decision.Status.FINAL and case.status == Case.Status.NOT_ADMITTED
