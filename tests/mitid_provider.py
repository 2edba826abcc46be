"""Start the test OpenID Connect provider (tests/oidc_provider, panva's
oidc-provider on Node.js) on 127.0.0.1 and configure the site to use it as
NemLog-in. Without Node.js or its packages the tests are skipped locally
and fail in CI (CI=true), like the browser tests."""

import json
import os
import re
import shutil
import subprocess
import threading
import uuid
from pathlib import Path

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
CLIENT_ID = "mikrolaan-test"
CLIENT_SECRET = "test-only-client-secret"
CPR = "https://data.gov.dk/model/core/eid/cprNumber"
LOA = "https://data.gov.dk/concept/core/nsis/loa"
FULL_NAME = "https://data.gov.dk/model/core/eid/fullName"
FIRST_NAME = "https://data.gov.dk/model/core/eid/firstName"
LAST_NAME = "https://data.gov.dk/model/core/eid/lastName"
CLAIMS = [CPR, LOA, FULL_NAME, FIRST_NAME, LAST_NAME]


def person(cpr, first, last, loa="Substantial"):
    """A test person with the claims NemLog-in sends."""
    return {CPR: cpr, LOA: loa, FULL_NAME: f"{first} {last}", FIRST_NAME: first, LAST_NAME: last}


def _unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"The test OpenID Connect provider is required in CI: {reason}")
    pytest.skip(f"{reason} (run `make test`, which installs it)")


class TestProvider:
    def __init__(self, process, issuer):
        self.process, self.issuer = process, issuer

    def add_people(self, **people):
        requests.post(f"{self.issuer}/__test__/accounts", json=people, timeout=5).raise_for_status()

    def spoil_next_token(self, mode):
        requests.post(f"{self.issuer}/__test__/spoil", json={"mode": mode}, timeout=5).raise_for_status()

    def seen(self):
        return requests.get(f"{self.issuer}/__test__/requests", timeout=5).json()

    def app_settings(self):
        return {"mitid": {"APPS": [{
            "name": "MitID", "client_id": CLIENT_ID, "secret": CLIENT_SECRET,
            "settings": {"server_url": self.issuer, "oauth_pkce_enabled": True,
                         "token_auth_method": "client_secret_post"},
        }]}}


def start_provider(redirect_uris, post_logout_redirect_uris):
    node = shutil.which("node")
    if node is None:
        _unavailable("Node.js is not installed")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        _unavailable("the npm packages of tests/oidc_provider are not installed")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
    jwk.pop("key_ops", None)  # PyJWT writes ["sign"]; the provider verifies logout hints with it too
    jwk.update(kid=uuid.uuid4().hex[:16], use="sig", alg="RS256")
    config = {
        "jwk": jwk, "claims": CLAIMS,
        "clients": [{
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "redirect_uris": redirect_uris, "post_logout_redirect_uris": post_logout_redirect_uris,
            "token_endpoint_auth_method": "client_secret_post",
        }],
    }
    process = subprocess.Popen(
        [node, str(PROVIDER_DIR / "provider.mjs")], cwd=PROVIDER_DIR, text=True,
        env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config), "NODE_ENV": "test"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    said = []
    match = None
    while match is None:
        line = process.stdout.readline()
        if not line:  # it stopped
            raise RuntimeError("the test OpenID Connect provider did not start:\n" + "".join(said))
        said.append(line)
        match = re.search(r"^listening (\S+)", line)
    # Keep reading its output so that a chatty provider never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    return TestProvider(process, match.group(1))


def stop_provider(provider):
    provider.process.terminate()
    try:
        provider.process.wait(5)
    except subprocess.TimeoutExpired:
        provider.process.kill()
