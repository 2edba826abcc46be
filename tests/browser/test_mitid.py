"""MitID through NemLog-in in a real browser, against the test OpenID
Connect provider on 127.0.0.1: log in, the application takes the CPR
number from MitID (shown masked), log out at NemLog-in too; and the plain
refusal when the sign-in's assurance level is too low. Every page of ours
is checked with axe and photographed."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from ..mitid_provider import person, start_provider, stop_provider
from .conftest import assert_accessible, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def nemlogin(demo_site, settings):
    provider = start_provider([f"{demo_site.url}/accounts/mitid/login/callback/"], [f"{demo_site.url}/"])
    provider.add_people(
        fatma=person("1504881237", "Fatma", "Yilmaz"),
        lone=person("0803791244", "Lone", "Lavsikker", loa="Low"),
    )
    settings.SOCIALACCOUNT_PROVIDERS = provider.app_settings()
    yield provider
    stop_provider(provider)


def _log_in_at_nemlogin(page, name):
    page.get_by_label("Testperson").select_option(label=name)
    page.get_by_role("button", name="Godkend").click()


def test_citizen_logs_in_with_mitid_applies_without_typing_the_cpr_and_logs_out(page, nemlogin):
    visit(page, "/accounts/login/")
    screenshot(page, "mitid-login")
    page.get_by_role("button", name="Log ind med MitID").click()
    _log_in_at_nemlogin(page, "Fatma Yilmaz")

    expect(page.locator("main h1")).to_be_visible()
    assert page.url.endswith("/my-page/")
    assert_accessible(page)
    user = get_user_model().objects.get(socialaccount__provider="mitid")
    assert not user.has_usable_password() and user.first_name == "Fatma"

    visit(page, "/apply/")
    page.locator("main form button[type='submit']").first.click()
    expect(page.locator("#cpr-from-mitid")).to_contain_text("150488-****")
    expect(page.locator("input[name='cpr_number']")).to_have_count(0)
    expect(page.get_by_label("Fulde navn")).to_have_value("Fatma Yilmaz")
    assert "1504881237" not in page.content() and "150488-1237" not in page.content()
    assert_accessible(page)
    screenshot(page, "mitid-application-cpr-masked")

    page.locator("header.site-header").get_by_role("button", name="Log ud").click()
    # NemLog-in asks to confirm the logout, then sends the citizen home.
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url(f"{nemlogin_home(page)}")
    expect(page.locator("header.site-header").get_by_role("link", name="Log ind")).to_be_visible()


def test_too_low_assurance_gets_a_plain_refusal(page, nemlogin):
    visit(page, "/accounts/login/")
    page.get_by_role("button", name="Log ind med MitID").click()
    _log_in_at_nemlogin(page, "Lone Lavsikker")

    expect(page.locator("main h1")).to_have_text("Vi kunne ikke logge dig ind")
    expect(page.locator("main")).to_contain_text("sikkerhedsniveau")
    assert_accessible(page)
    screenshot(page, "mitid-refused-low-assurance")
    assert not get_user_model().objects.filter(socialaccount__provider="mitid").exists()


def nemlogin_home(page):
    from urllib.parse import urlsplit

    parts = urlsplit(page.url)
    return f"{parts.scheme}://{parts.netloc}/"
