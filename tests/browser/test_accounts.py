"""Citizen accounts in a real browser: sign up, confirm the e-mail address from
the message in the outbox, log out, log in again; and what a visitor sees when
the e-mail address is already in use or the password is too weak.

Every page visited is checked with axe."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

from .conftest import assert_accessible, path_of, visit

pytestmark = pytest.mark.browser

PASSWORD = "Sommerfugl-Taarn-2718"
EXISTING_CITIZEN = "borger@nordby.example"  # created by seed_demo, e-mail verified


def _t(msgid, lang):
    """``msgid`` as the site shows it in ``lang``. Danish texts must really be
    translated: an English text on a Danish page is a bug."""
    with translation.override(lang):
        text = translation.gettext(msgid)
    if lang != "en":
        assert text != msgid, f"{msgid!r} has no {lang} translation"
    return text


def _prefix(lang):
    return "" if lang == "da" else f"/{lang}"


def _h1(page):
    return page.locator("main h1")


def _header(page):
    return page.locator("header.site-header")


def _submit(page, action):
    """The submit button of the main content's form whose address contains
    ``action``."""
    return page.locator(f"main form[action*='{action}'] button[type='submit']")


def _click_and_check(page, locator):
    """Click something that loads a new page; wait for it, then run axe."""
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("load")
    assert_accessible(page)


def _sign_up(page, lang, email, password, password2=None):
    visit(page, f"{_prefix(lang)}/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == lang
    expect(_h1(page)).to_have_text(_t("Sign Up", lang))
    page.get_by_label(_t("Email", lang), exact=True).fill(email)
    page.locator("input[name='password1']").fill(password)
    page.locator("input[name='password2']").fill(password if password2 is None else password2)
    _click_and_check(page, _submit(page, "/accounts/signup/"))


def _expect_verification_sent(page, lang):
    expect(page).to_have_url(re.compile(rf"{_prefix(lang)}/accounts/confirm-email/$"))
    expect(_h1(page)).to_have_text(_t("Verify Your Email Address", lang))
    assert page.locator("html").get_attribute("lang") == lang


def _messages_to(email):
    return [message for message in mail.outbox if email in message.to]


def _confirmation_path(email, lang):
    """The confirmation link from the one message sent to ``email``, relative
    to the live server (the message may name another host)."""
    messages = _messages_to(email)
    assert len(messages) == 1, f"expected one e-mail to {email}, got {[m.subject for m in mail.outbox]}"
    links = re.findall(r"https?://\S+/accounts/confirm-email/[^/\s]+/", messages[0].body)
    assert links, f"no confirmation link in the e-mail:\n{messages[0].body}"
    path = path_of(links[0])
    assert path.startswith(f"{_prefix(lang)}/accounts/confirm-email/"), path
    return path


def _confirm(page, path, lang):
    visit(page, path)
    expect(_h1(page)).to_have_text(_t("Confirm Email Address", lang))
    # The key in the form's address is signed afresh, so it differs from the
    # one in the e-mail.
    button = _submit(page, f"{_prefix(lang)}/accounts/confirm-email/")
    expect(button).to_have_text(_t("Confirm", lang))
    _click_and_check(page, button)


def _expect_logged_in(page, lang):
    expect(_header(page).get_by_role("button", name=_t("Log out", lang))).to_be_visible()
    expect(_header(page).get_by_role("link", name=_t("Log in", lang), exact=True)).to_have_count(0)


def _expect_logged_out(page, lang):
    expect(_header(page).get_by_role("link", name=_t("Log in", lang), exact=True)).to_be_visible()
    expect(_header(page).get_by_role("button", name=_t("Log out", lang))).to_have_count(0)


def test_citizen_signs_up_confirms_logs_out_and_logs_in_again(page):
    email = "ny.borger@example.com"

    _sign_up(page, "da", email, PASSWORD)

    _expect_verification_sent(page, "da")
    user = get_user_model().objects.get(email=email)
    assert not EmailAddress.objects.get(user=user, email=email).verified
    path = _confirmation_path(email, "da")

    _confirm(page, path, "da")

    assert EmailAddress.objects.get(user=user, email=email).verified
    # ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION: confirming in the same browser logs in.
    expect(_header(page).get_by_role("button", name="Log ud")).to_be_visible()
    _expect_logged_in(page, "da")
    assert page.locator("html").get_attribute("lang") == "da"

    _click_and_check(page, _header(page).get_by_role("button", name="Log ud"))

    _expect_logged_out(page, "da")

    _click_and_check(page, _header(page).get_by_role("link", name="Log ind", exact=True))

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(_h1(page)).to_have_text(_t("Sign In", "da"))
    page.get_by_label(_t("Email", "da"), exact=True).fill(email)
    page.get_by_label(_t("Password", "da"), exact=True).fill(PASSWORD)
    _click_and_check(page, _submit(page, "/accounts/login/"))

    expect(_header(page).get_by_role("button", name="Log ud")).to_be_visible()
    _expect_logged_in(page, "da")
    assert page.locator("html").get_attribute("lang") == "da"


def test_sign_up_with_an_email_address_that_is_taken(page):
    """ACCOUNT_PREVENT_ENUMERATION is on and verification is mandatory, so the
    sign-up form must not reveal that an address has an account: the visitor
    sees the same "verify your e-mail address" page as for a new address, no
    second account is made, and the owner of the address gets an e-mail saying
    that the account already exists (with a link to reset the password)."""
    users = get_user_model().objects.filter(email__iexact=EXISTING_CITIZEN)
    assert users.count() == 1

    _sign_up(page, "da", EXISTING_CITIZEN.upper(), PASSWORD)

    _expect_verification_sent(page, "da")
    taken = _t("A user is already registered with this email address.", "da")
    expect(page.locator("main")).not_to_contain_text(taken)
    assert users.count() == 1
    assert EmailAddress.objects.filter(email__iexact=EXISTING_CITIZEN).count() == 1
    messages = _messages_to(EXISTING_CITIZEN)
    assert len(messages) == 1, [m.subject for m in mail.outbox]
    assert _t("Account Already Exists", "da") in messages[0].subject
    assert "/accounts/password/reset/" in messages[0].body
    assert "/accounts/confirm-email/" not in messages[0].body


def test_sign_up_with_a_weak_password_shows_the_errors(page):
    email = "svag.kode@example.com"

    _sign_up(page, "da", email, "12345678")

    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    summary = page.locator("main .error-summary[role='alert']")
    expect(summary).to_be_visible()
    expect(summary.locator("h2")).to_have_text(_t("There is a problem", "da"))
    with translation.override("da"):
        too_short = translation.ngettext(
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.",
            10,
        ) % 10
        common = translation.gettext("This password is too common.")
        numeric = translation.gettext("This password is entirely numeric.")
    expect(summary).to_contain_text(too_short)
    expect(summary).to_contain_text(common)
    expect(summary).to_contain_text(numeric)
    # Each error in the summary leads to the field it is about.
    expect(summary.get_by_role("link", name=numeric)).to_have_attribute("href", "#id_password1")
    # Next to the field, every error is shown, and a screen reader announces
    # all of them with the field (through aria-describedby).
    password = page.locator("input[name='password1']")
    password_field = page.locator(".form-field--error").filter(has=password)
    for text in (too_short, common, numeric):
        expect(password_field.locator(".field-error")).to_contain_text(text)
    expect(password).to_have_attribute("aria-invalid", "true")
    duplicate_ids = page.evaluate(
        """() => [...document.querySelectorAll('[id]')].map(e => e.id)
                 .filter((id, i, ids) => ids.indexOf(id) !== i)"""
    )
    assert not duplicate_ids, f"ids used more than once: {sorted(set(duplicate_ids))}"
    for text in (too_short, common, numeric):
        expect(password).to_have_accessible_description(re.compile(re.escape(text)))
    # What the visitor typed is kept, except the passwords.
    expect(page.locator("input[name='email']")).to_have_value(email)
    expect(page.locator("input[name='password1']")).to_have_value("")
    assert not get_user_model().objects.filter(email=email).exists()
    assert mail.outbox == []


def test_sign_up_with_different_passwords_keeps_the_email(page):
    email = "to.koder@example.com"

    _sign_up(page, "da", email, PASSWORD, password2=PASSWORD + "x")

    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    summary = page.locator("main .error-summary[role='alert']")
    expect(summary).to_contain_text(_t("You must type the same password each time.", "da"))
    expect(page.locator("input[name='email']")).to_have_value(email)
    assert not get_user_model().objects.filter(email=email).exists()


def test_citizen_signs_up_in_english(page):
    email = "new.citizen@example.com"

    _sign_up(page, "en", email, PASSWORD)

    _expect_verification_sent(page, "en")
    expect(_h1(page)).to_have_text("Verify Your Email Address")
    path = _confirmation_path(email, "en")
    assert "Please Confirm Your Email Address" in _messages_to(email)[0].subject

    visit(page, path)
    assert page.locator("html").get_attribute("lang") == "en"
    expect(_h1(page)).to_have_text("Confirm Email Address")
    confirm = _submit(page, "/en/accounts/confirm-email/")
    expect(confirm).to_have_text("Confirm")
    _click_and_check(page, confirm)

    assert EmailAddress.objects.get(email=email).verified
    expect(_header(page).locator("form[action$='/accounts/logout/'] button")).to_be_visible()  # logged in
    # The citizen chose English: the page after confirming is in English too.
    assert page.locator("html").get_attribute("lang") == "en", f"landed on {page.url}, which is in Danish"
    expect(_header(page).get_by_role("button", name="Log out")).to_be_visible()
