"""Citizen accounts: sign up with mandatory e-mail verification, log in,
clear translated errors that keep what the citizen typed."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

PASSWORD = "Iværksætter-2026!"


def _confirmation_path(message):
    url = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", message.body).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def test_sign_up_verify_email_then_log_in(client, demo):
    response = client.post("/accounts/signup/", {"email": "ny.borger@example.dk", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    user = get_user_model().objects.get(email="ny.borger@example.dk")
    assert not user.emailaddress_set.get().verified

    # Unverified: logging in only re-sends the verification mail.
    client.logout()
    client.post("/accounts/login/", {"login": "ny.borger@example.dk", "password": PASSWORD})
    assert "_auth_user_id" not in client.session

    message = mail.outbox[0]
    assert message.to == ["ny.borger@example.dk"]
    confirm = client.post(_confirmation_path(message))
    assert confirm.status_code == 302
    assert user.emailaddress_set.get().verified

    client.logout()
    login = client.post("/accounts/login/", {"login": "ny.borger@example.dk", "password": PASSWORD})
    assert login.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "Log ud" in client.get("/", HTTP_HOST="127.0.0.1:8000").content.decode()


def test_verification_mail_is_in_the_language_of_the_sign_up(client, demo):
    client.post("/en/accounts/signup/", {"email": "new.citizen@example.dk", "password1": PASSWORD, "password2": PASSWORD})
    assert "/en/accounts/confirm-email/" in mail.outbox[0].body


def test_weak_password_gives_a_translated_error_and_keeps_the_email(client, demo):
    response = client.post("/accounts/signup/", {"email": "svag@example.dk", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="svag@example.dk"' in html
    assert "Der er et problem" in html
    assert "for kort" in html or "almindelig" in html  # Django's Danish password messages
    assert not get_user_model().objects.filter(email="svag@example.dk").exists()


def test_taken_email_does_not_create_a_second_account_or_reveal_it(client, demo):
    response = client.post("/accounts/signup/", {"email": "borger@nordby.example", "password1": PASSWORD, "password2": PASSWORD})
    # With enumeration prevention on, the form looks like success and the
    # owner of the address is told by e-mail instead.
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="borger@nordby.example").count() == 1
    assert mail.outbox and mail.outbox[0].to == ["borger@nordby.example"]


def test_mismatched_passwords_keep_the_email(client, demo):
    response = client.post("/en/accounts/signup/", {"email": "mix@example.dk", "password1": PASSWORD, "password2": PASSWORD + "x"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="mix@example.dk"' in html
    assert "There is a problem" in html


def test_wrong_password_is_refused_with_a_message(client, demo):
    response = client.post("/accounts/login/", {"login": "borger@nordby.example", "password": "forkert-kode"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "error-summary" in response.content.decode()


@pytest.mark.parametrize("path", ["/accounts/password/reset/", "/accounts/login/", "/en/accounts/login/"])
def test_account_pages_use_the_site_layout(client, demo, path):
    html = client.get(path, HTTP_HOST="127.0.0.1:8000").content.decode()
    assert 'class="skip-link"' in html and "Nordby Kommune" in html
    assert 'name="robots" content="noindex"' in html


def test_password_reset_sends_a_mail(client, demo):
    client.post("/accounts/password/reset/", {"email": "borger@nordby.example"})
    assert mail.outbox[-1].to == ["borger@nordby.example"]


def test_change_password_requires_login(client, demo):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_account_mail_is_sent_as_a_background_task(client, demo, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend as backend  # the backend of the changed settings

    backend.clear()
    client.post("/accounts/signup/", {"email": "ko@example.dk", "password1": PASSWORD, "password2": PASSWORD})
    assert mail.outbox == []  # nothing sent in the request
    [result] = backend.results
    assert result.task.name == "send_email"
    assert result.kwargs["to"] == ["ko@example.dk"]


def test_english_sign_in_takes_a_citizen_to_my_page_in_english(client, demo):
    response = client.post("/en/accounts/login/", {"login": "borger@nordby.example", "password": "mikrolaan-demo"})
    assert response.status_code == 302 and response["Location"] == "/en/my-page/"


def test_sign_in_with_a_next_address_goes_there(client, demo):
    response = client.post("/accounts/login/?next=/apply/", {"login": "borger@nordby.example",
                                                              "password": "mikrolaan-demo"})
    assert response.status_code == 302 and response["Location"] == "/apply/"
