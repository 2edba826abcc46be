import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import storages

from portal.models import SiteSettings

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_200_when_database_and_storage_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "storage_default": "ok", "storage_private": "ok"},
    }
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_answers_503_naming_the_failing_storage(client, db, monkeypatch):
    private = storages["private"]

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(private, "save", broken_save)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage_private"] == "error: OSError"
    assert response.json()["checks"]["database"] == "ok"


def test_healthz_answers_503_when_the_database_fails(client, db, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database is down")

    with monkeypatch.context() as patched:  # undone before the test's rollback
        patched.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: RuntimeError"


def test_site_settings_are_per_municipality(client, nordby, sydby):
    settings = SiteSettings.for_site(nordby.site)
    settings.phone = "11 22 33 44"
    settings.save()

    assert "11 22 33 44" in client.get("/", HTTP_HOST="127.0.0.1:8000").content.decode()
    assert "11 22 33 44" not in client.get("/", HTTP_HOST="localhost:8000").content.decode()


def _start_production(extra_env):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", "DATABASE_URL": "sqlite:////tmp/unused.sqlite3"})
    env.update(extra_env)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    "env, missing",
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": "too-short", "ALLOWED_HOSTS": "example.dk"}, "SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_without_configuration(env, missing):
    result = _start_production(env)
    assert result.returncode != 0
    assert f"The environment variable {missing}" in result.stderr


def test_production_starts_with_configuration():
    result = _start_production({"SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a39281706f5e4d3c2b1a0" + "z" * 10, "ALLOWED_HOSTS": "mikrolaan.example.dk"})
    assert result.returncode == 0, result.stderr


PRODUCTION = {"SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a39281706f5e4d3c2b1a0" + "z" * 10,
              "ALLOWED_HOSTS": "mikrolaan.example.dk"}
MITID = {"MITID_OIDC_CLIENT_ID": "mikrolaan", "MITID_OIDC_SERVER_URL": "https://nemlog-in.example"}


def test_production_with_mitid_needs_the_cpr_lookup_key():
    result = _start_production({**PRODUCTION, **MITID})
    assert result.returncode != 0 and "The environment variable CPR_LOOKUP_KEY" in result.stderr


def test_production_with_mitid_has_no_password_sign_up_for_citizens():
    env = {**PRODUCTION, **MITID, "CPR_LOOKUP_KEY": "a" * 40, "CITIZEN_PASSWORD_SIGNUP": "true"}
    code = "from django.conf import settings; print(settings.CITIZEN_PASSWORD_SIGNUP)"
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings.production",
                        "DATABASE_URL": "sqlite:////tmp/unused.sqlite3", **env})
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=environment,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
