"""Sign-in with MitID through NemLog-in, end to end against a real OpenID
Connect provider started on 127.0.0.1 (panva's oidc-provider with
NemLog-in's claims, tests/oidc_provider): the Django test client plays the
browser on our side, ``requests`` on the provider's side; the site's code
talks to the provider over HTTP as it would in production."""

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from backoffice.models import CaseApplication
from portal.mitid.claims import cpr_lookup_hash
from portal.models import ApplicationDraft

from ..mitid_provider import person, start_provider, stop_provider
from .applying import complete

CALLBACK = "http://testserver/accounts/mitid/login/callback/"
HOME = "http://testserver/"
AMINA = person("0101901234", "Amina", "Hassan")  # fails the old modulus-11 check, as real numbers may
LOW = person("0202851235", "Lars", "Lavniveau", loa="Low")


@pytest.fixture(scope="module")
def nemlogin():
    provider = start_provider([CALLBACK], [HOME])
    provider.add_people(amina=AMINA, lars=LOW)
    yield provider
    stop_provider(provider)


@pytest.fixture
def mitid(nemlogin, settings, demo):
    settings.SOCIALACCOUNT_PROVIDERS = nemlogin.app_settings()
    return nemlogin


def _at_provider(browser, url, who):
    """Follow the provider's redirects and its login page until it sends
    the browser back to our site; return that URL and whether the provider
    asked who to log in as (no NemLog-in session yet)."""
    asked = False
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code == 200 and "/interaction/" in url:
            asked = True
            response = browser.post(url, data={"sub": who}, allow_redirects=False, timeout=10)
        assert response.is_redirect, response.text[:500]
        url = requests.compat.urljoin(url, response.headers["Location"])
        if url.startswith("http://testserver/"):
            return url, asked
    raise AssertionError("the provider never sent the browser back")


def sign_in(client, provider, who="amina", browser=None):
    """Press "Log in with MitID", log in at the provider, come back."""
    start = client.post("/accounts/mitid/login/")
    assert start.status_code == 302 and start["Location"].startswith(provider.issuer), start
    back, asked = _at_provider(browser or requests.Session(), start["Location"], who)
    parts = urlsplit(back)
    response = client.get(parts.path, parse_qs(parts.query) and {k: v[0] for k, v in parse_qs(parts.query).items()})
    response.asked_for_login = asked
    return response


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def test_first_sign_in_makes_an_account_with_no_password_and_no_cpr_on_it(client, mitid):
    users_before = get_user_model().objects.count()
    response = sign_in(client, mitid)

    assert response.status_code == 302
    user = signed_in_user(client)
    assert user is not None and get_user_model().objects.count() == users_before + 1
    assert not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Amina", "Hassan")
    account = SocialAccount.objects.get(user=user, provider="mitid")
    assert account.uid == cpr_lookup_hash("0101901234") and "0101901234" not in account.uid
    stored = json.dumps(account.extra_data) + user.username + user.email
    assert "0101901234" not in stored and "010190" not in stored
    assert client.session["mitid_identity"]["cpr"] == "0101901234"

    # The flow as NemLog-in requires it: PKCE (S256), nonce, assurance asked for.
    seen = mitid.seen()
    authorization = seen["authorization"][-1]
    assert authorization["code_challenge_method"] == "S256" and authorization["code_challenge"]
    assert authorization["nonce"] and authorization["state"]
    assert authorization["acr_values"] == "https://data.gov.dk/concept/core/nsis/Substantial"
    assert seen["token"][-1] == {"status": 200, "code_verifier": True}


def test_a_later_sign_in_finds_the_same_account(client, mitid):
    sign_in(client, mitid)
    first = signed_in_user(client)
    client.post("/accounts/logout/")
    users = get_user_model().objects.count()

    sign_in(client, mitid)

    assert signed_in_user(client) == first
    assert get_user_model().objects.count() == users


@pytest.mark.parametrize("spoilt", ["wrong_nonce", "wrong_audience", "expired", "unsigned", "foreign_key"])
def test_a_token_that_fails_a_check_is_refused(client, mitid, spoilt, caplog):
    users = get_user_model().objects.count()
    mitid.spoil_next_token(spoilt)
    with caplog.at_level(logging.WARNING, logger="portal.mitid"):
        response = sign_in(client, mitid)

    assert response.status_code == 403
    assert _says(response, "We could not confirm your log-in with MitID, so we have not logged you in. "
                           "Nothing has been saved.")
    assert signed_in_user(client) is None
    assert get_user_model().objects.count() == users
    assert "MitID sign-in refused" in caplog.text and "0101901234" not in caplog.text


def test_too_low_assurance_is_refused_with_a_plain_message(client, mitid, caplog):
    users = get_user_model().objects.count()
    with caplog.at_level(logging.WARNING, logger="portal.mitid"):
        response = sign_in(client, mitid, who="lars")

    assert response.status_code == 403
    assert _says(response, "To apply for a micro-loan you must log in with MitID at the security level "
                           "“substantial” or higher.")
    assert signed_in_user(client) is None
    assert get_user_model().objects.count() == users
    assert "0202851235" not in caplog.text


def test_logout_ends_the_nemlogin_session_too(client, mitid):
    browser = requests.Session()
    sign_in(client, mitid, browser=browser)

    response = client.post("/accounts/logout/")

    assert signed_in_user(client) is None
    # The ID token (the logout's hint) holds the CPR number: never in a URL.
    handover = response["Location"]
    assert handover.startswith("/accounts/mitid/logout/") and "." not in handover
    page = client.get(handover)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    form = page.context
    assert form["endpoint"] == f"{mitid.issuer}/session/end"
    assert form["post_logout_redirect_uri"] == HOME
    assert client.get(handover).status_code == 302  # the hand-over works once

    # The citizen's browser posts the hint; they confirm at NemLog-in and come home.
    logout_page = browser.post(form["endpoint"], data={
        "id_token_hint": form["id_token_hint"], "post_logout_redirect_uri": HOME}, timeout=10)
    assert logout_page.status_code == 200, logout_page.text
    assert "id_token_hint" not in mitid.seen()["endSession"][-1]  # the query string: it came in the body
    xsrf = logout_page.text.split('name="xsrf" value="')[1].split('"')[0]
    confirm = browser.post(f"{mitid.issuer}/session/end/confirm", data={"xsrf": xsrf, "logout": "yes"},
                           allow_redirects=False, timeout=10)
    assert confirm.headers["Location"] == HOME
    # The NemLog-in session is gone: the next sign-in asks who you are again.
    assert sign_in(client, mitid, browser=browser).asked_for_login


def test_without_the_logout_the_provider_session_would_have_let_them_straight_in(client, mitid):
    """The check above means something: while the NemLog-in session lives,
    the provider does not ask again."""
    browser = requests.Session()
    sign_in(client, mitid, browser=browser)
    client.logout()  # ours only
    assert not sign_in(client, mitid, browser=browser).asked_for_login


def test_the_application_takes_the_cpr_number_from_mitid_and_shows_it_masked(client, mitid, nordby):
    sign_in(client, mitid)
    start = client.post("/apply/")
    draft = ApplicationDraft.objects.get(citizen=signed_in_user(client))
    assert start.status_code == 302

    page = client.get(f"/apply/{draft.pk}/about-you/").content.decode()

    assert 'name="cpr_number"' not in page
    assert "010190-****" in page and "0101901234" not in page and "010190-1234" not in page
    draft.refresh_from_db()
    assert draft.answers["cpr_number"] == "010190-1234" and draft.answers["cpr_verified"] is True
    assert draft.answers["full_name"] == "Amina Hassan"

    # A posted CPR number cannot replace the one MitID gave.
    client.post(f"/apply/{draft.pk}/about-you/", {"cpr_number": "311299-9999", "action": "save"})
    draft.refresh_from_db()
    assert draft.answers["cpr_number"] == "010190-1234"


def test_a_submitted_application_carries_the_mitid_cpr_number(client, mitid, nordby):
    sign_in(client, mitid)
    client.post("/apply/")
    draft = ApplicationDraft.objects.get(citizen=signed_in_user(client))
    client.get(f"/apply/{draft.pk}/about-you/")
    draft.refresh_from_db()
    complete(draft)  # the other answers and the documents, as a citizen types them

    response = client.post(f"/apply/{draft.pk}/submit/")

    assert response.status_code == 302 and "/receipt/" in response["Location"]
    application = CaseApplication.objects.get(case__citizen=signed_in_user(client))
    assert application.cpr_number == "010190-1234"


def test_password_sign_up_can_be_switched_off_for_citizens(client, mitid, settings):
    settings.CITIZEN_PASSWORD_SIGNUP = False
    login_page = client.get("/en/accounts/login/").content.decode()
    assert "Log in with MitID" in login_page and "/accounts/signup/" not in login_page

    closed = client.post("/accounts/signup/", {"email": "ny@example.dk", "password1": "Iværksætter-2026!",
                                               "password2": "Iværksætter-2026!"})
    assert not get_user_model().objects.filter(email="ny@example.dk").exists()
    assert closed.status_code == 200
    # MitID still makes accounts.
    sign_in(client, mitid)
    assert signed_in_user(client) is not None


def test_mitid_is_not_offered_where_it_is_not_configured(client, demo, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert client.post("/accounts/mitid/login/").status_code == 404
    assert "Log in with MitID" not in client.get("/en/accounts/login/").content.decode()


def _says(response, msgid):
    """The page shows ``msgid`` in the site's language (Danish)."""
    from django.utils import translation

    with translation.override("da"):
        text = translation.gettext(msgid)
    assert text != msgid, f"{msgid!r} has no Danish translation"
    return text in response.content.decode()
