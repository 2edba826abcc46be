"""Staff sign in with two factors (password, then a code from an authenticator
app or a recovery code); the admin's login page goes through the same flow;
citizens are never asked for a code and never reach the admin."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.staff_login import add_totp, totp_code
from tests.staff_login import mfa_staff_client, staff_mfa_required  # noqa: F401  (fixtures)

PASSWORD = "mikrolaan-demo"
CASEWORKER = "sagsbehandler@nordby.example"
STAFF_EMAILS = [
    "sagsbehandler@nordby.example", "erhvervskonsulent@nordby.example", "koordinator@nordby.example",
    "redaktoer@nordby.example", "styregruppe@sydby.example", "admin@mikrolaan.example",
]


def _user(email):
    return get_user_model().objects.get(email=email)


def _sign_in(client, email, next_url="/admin/"):
    return client.post(f"{reverse('account_login')}?next={next_url}", {"login": email, "password": PASSWORD})


def _reauthenticate(client, next_url=None):
    return client.post(reverse("account_reauthenticate"),
                       {"password": PASSWORD, "next": next_url or reverse("mfa_activate_totp")})


def _signed_in(client):
    return AUTH_SESSION_KEY in client.session


@pytest.mark.parametrize("email", STAFF_EMAILS)
def test_staff_without_an_authenticator_app_are_sent_to_set_one_up(client, demo, staff_mfa_required, email):
    client.force_login(_user(email))
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # Logging out of the admin stays possible.
    assert client.post("/admin/logout/").status_code == 302
    assert not _signed_in(client)


def test_the_setup_page_explains_why_and_gives_the_key_as_text(client, demo, staff_mfa_required):
    _sign_in(client, CASEWORKER)
    response = client.get("/admin/", follow=True)
    # allauth asks for the password again before two-factor settings change.
    assert response.redirect_chain == [
        (reverse("mfa_activate_totp"), 302),
        (f"{reverse('account_reauthenticate')}?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F", 302),
    ]
    assert "warning" in [m.level_tag for m in response.context["messages"]]
    response = _reauthenticate(client)
    assert response["Location"] == reverse("mfa_activate_totp")

    page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = client.session["mfa.totp.secret"]
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    assert grouped in page
    assert 'alt="' in page and "otpauth://totp/" in page
    assert '<label for="id_code"' in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page


def test_with_the_setting_off_staff_use_the_admin_with_a_password_only(client, demo, settings):
    settings.STAFF_REQUIRE_MFA = False
    response = _sign_in(client, CASEWORKER)
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_setting_up_the_app_then_signing_in_with_a_code(client, demo, staff_mfa_required):
    user = _user(CASEWORKER)
    # Password only: the admin sends to the set-up page.
    assert _sign_in(client, CASEWORKER)["Location"] == "/admin/"
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")
    _reauthenticate(client)

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    wrong_code = "000000" if totp_code(secret) != "000000" else "111111"
    refused = client.post(reverse("mfa_activate_totp"), {"code": wrong_code})
    assert refused.status_code == 200 and refused.context["form"].errors
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    assert codes_page.status_code == 200
    assert len(codes_page.context["unused_codes"]) == django_settings.MFA_RECOVERY_CODE_COUNT
    assert reverse("wagtailadmin_home") in codes_page.content.decode()  # a way on to the staff pages

    # The session that set up the app (with a valid code) may use the admin.
    assert client.get("/admin/").status_code == 200

    # Signing out of the admin, then in again: password, then the code step.
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    assert not _signed_in(client)
    response = _sign_in(client, CASEWORKER)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)
    assert client.get("/admin/")["Location"].startswith(reverse("account_login"))

    code_page = client.get(reverse("mfa_authenticate"))
    assert code_page.status_code == 200
    html = code_page.content.decode()
    assert '<label for="id_code"' in html and 'autocomplete="one-time-code"' in html

    wrong = client.post(reverse("mfa_authenticate"), {"code": "12345678"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    assert 'aria-invalid="true"' in wrong.content.decode()
    assert not _signed_in(client)

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert _signed_in(client)
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert "wagtail" in dashboard.content.decode().lower()


def test_a_recovery_code_works_once(client, demo, staff_mfa_required):
    user = _user(CASEWORKER)
    add_totp(user)
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).wrap()
    code = codes.get_unused_codes()[0]

    assert _sign_in(client, CASEWORKER)["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    client.post("/admin/logout/")
    assert _sign_in(client, CASEWORKER)["Location"] == reverse("mfa_authenticate")
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200 and again.context["form"].errors["code"]
    assert not _signed_in(client)


def test_the_admin_login_page_goes_through_the_same_flow(client, demo, staff_mfa_required):
    user = _user(CASEWORKER)
    secret = add_totp(user)

    response = client.get("/admin/login/?next=/admin/account/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2Faccount%2F"
    assert client.get("/admin/login/")["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    # Posting a password to the admin's own login page signs nobody in.
    response = client.post("/admin/login/", {"username": CASEWORKER, "password": PASSWORD})
    assert response.status_code == 302 and not _signed_in(client)
    # Anonymous visitors of the admin land on the same sign-in page.
    response = client.get("/admin/account/")
    assert response["Location"] == f"{reverse('account_login')}?next=/admin/account/"

    assert _sign_in(client, CASEWORKER, "/admin/account/")["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response["Location"] == "/admin/account/"
    assert client.get("/admin/account/").status_code == 200


def test_a_session_that_skipped_the_code_step_is_signed_out(client, demo, staff_mfa_required):
    user = _user(CASEWORKER)
    add_totp(user)
    client.force_login(user)  # signed in without the code step
    # Posting to the set-up page does not count as passing it when the user already has an app.
    client.post(reverse("mfa_activate_totp"), {"code": "123456"})
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/admin/pages/"
    assert not _signed_in(client)


def test_a_password_reauthentication_is_no_second_factor(client, demo, staff_mfa_required):
    user = _user(CASEWORKER)
    add_totp(user)
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get("/admin/")["Location"].startswith(reverse("account_login"))


def test_turning_the_app_off_sends_staff_back_to_set_up(client, demo, staff_mfa_required):
    user = _user(CASEWORKER)
    secret = add_totp(user)
    _sign_in(client, CASEWORKER)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    index = client.get(reverse("mfa_index"))
    assert index.status_code == 200 and reverse("mfa_deactivate_totp") in index.content.decode()
    # Changing two-factor settings asks to confirm access first (password or code).
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    _reauthenticate(client, reverse("mfa_deactivate_totp"))
    assert client.get(reverse("mfa_deactivate_totp")).status_code == 200
    assert client.post(reverse("mfa_deactivate_totp"))["Location"] == reverse("mfa_index")
    assert not Authenticator.objects.filter(user=user).exists()
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")


def test_the_helper_signs_staff_in_with_two_factor_passed(mfa_staff_client, demo):
    client = mfa_staff_client(_user("koordinator@nordby.example"))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/loan_policy/").status_code == 200


def test_citizens_are_never_asked_for_a_code_and_never_reach_the_admin(client, demo, staff_mfa_required):
    response = _sign_in(client, "borger@nordby.example", next_url="/my-page/")
    assert response.status_code == 302 and response["Location"] == "/my-page/"
    assert _signed_in(client)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/"  # not the sign-in page, which would send them back here
    assert client.get("/admin/pages/")["Location"] == "/"
    assert _signed_in(client)  # still signed in on the public site
    assert client.get("/my-page/").status_code == 200


def test_citizens_signing_in_from_the_admin_are_turned_away_once(client, demo, staff_mfa_required):
    assert _sign_in(client, "borger@nordby.example")["Location"] == "/admin/"
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain == [("/", 302)]


def _production_setting(extra_env):
    env = {
        **{k: v for k, v in os.environ.items() if k != "STAFF_REQUIRE_MFA"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "p" * 10 + "-production-like-key-for-the-settings-test-0123456789",
        "ALLOWED_HOSTS": "mikrolaan.example",
        **extra_env,
    }
    code = ("from django.conf import settings; "
            "print(settings.STAFF_REQUIRE_MFA, settings.WAGTAILADMIN_LOGIN_URL)")
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, check=True,
    )
    return result.stdout.split()


def test_production_requires_two_factor_for_staff_unless_told_otherwise():
    assert _production_setting({}) == ["True", "account_login"]
    assert _production_setting({"STAFF_REQUIRE_MFA": "false"})[0] == "False"
    assert _production_setting({"STAFF_REQUIRE_MFA": "true"})[0] == "True"


def test_the_authenticator_app_names_the_scheme_and_municipality(client, demo, staff_mfa_required):
    _sign_in(client, CASEWORKER)
    _reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    match = re.search(r"otpauth://totp/[^\"<]+", page)
    assert match and "issuer=Mikrol%C3%A5n%20%E2%80%93%20Nordby%20Kommune" in match.group(0)
