"""Signing staff in when two-factor sign-in is required.

The test settings leave ``STAFF_REQUIRE_MFA`` off, so ``client.force_login(staff)``
opens the admin as before. A test that checks the admin with two-factor on:

    from tests.staff_login import login_staff, staff_mfa_required  # noqa: F401  (fixture)

    def test_something(client, staff_mfa_required, nordby):
        staff = User.objects.get(email="sagsbehandler@nordby.example")
        login_staff(client, staff)          # authenticator app + a session that passed the code step
        assert client.get("/admin/").status_code == 200

or ``mfa_staff_client`` (a fixture giving ``login(user) -> client``). ``totp_code(secret)``
computes the code an authenticator app would show (RFC 6238, written here
independently of allauth so that the tests check allauth against the standard).
"""

import base64
import hashlib
import hmac
import struct
import time

import pytest

from backoffice.mfa import mark_session_mfa_verified


def totp_code(secret, at=None, digits=6, period=30):
    """The code an authenticator app shows for the base32 ``secret`` at time ``at``."""
    counter = int((time.time() if at is None else at) // period)
    key = base64.b32decode(secret.replace(" ", "").upper())
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10 ** digits:0{digits}d}"


def add_totp(user, secret=None):
    """Give ``user`` an authenticator app (and recovery codes, as the set-up
    page does). Returns the base32 secret."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import decrypt

    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return decrypt(existing.data["secret"])
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)
    return secret


def mark_mfa_verified(client, user):
    """Mark the test client's session as having passed two-factor for ``user``."""
    session = client.session
    mark_session_mfa_verified(session, user)
    session.save()


def login_staff(client, user):
    """``force_login`` for when two-factor is required: the user gets an
    authenticator app if they have none, and the session counts as having
    passed the code step. Returns the client."""
    add_totp(user)
    client.force_login(user)
    mark_mfa_verified(client, user)
    return client


@pytest.fixture
def staff_mfa_required(settings):
    """Two-factor required for staff, as in production."""
    settings.STAFF_REQUIRE_MFA = True


@pytest.fixture
def mfa_staff_client(client, staff_mfa_required):
    """``login(user)``: the test client signed in as ``user`` with two-factor
    passed, with two-factor required."""
    return lambda user: login_staff(client, user)
