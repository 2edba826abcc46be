"""What a NemLog-in ID token says about the citizen, and the rules we hold
it to. The claim names follow the OIOSAML 3 / eID attribute profile that
NemLog-in uses; a municipality can rename them in settings
(``MITID_CLAIMS``) if its client registration delivers others."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

DEFAULT_CLAIMS = {
    "cpr": "https://data.gov.dk/model/core/eid/cprNumber",
    "loa": "https://data.gov.dk/concept/core/nsis/loa",
    "full_name": "https://data.gov.dk/model/core/eid/fullName",
    "first_name": "https://data.gov.dk/model/core/eid/firstName",
    "last_name": "https://data.gov.dk/model/core/eid/lastName",
}

# NSIS assurance levels, lowest first. NemLog-in writes them capitalised.
LEVELS = ("low", "substantial", "high")

# Claims that may be kept on the account (allauth's extra_data): nothing
# that identifies the person outside this system.
KEPT_CLAIMS = ("sub", "iss", "auth_time", "acr", "amr")


class RefusedSignIn(Exception):
    """A sign-in we do not accept. ``reason`` picks the citizen's message;
    the exception text is for the log and never holds personal data."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class MitIDIdentity:
    cpr: str  # ten digits, no hyphen
    full_name: str
    first_name: str
    last_name: str
    loa: str

    @property
    def cpr_formatted(self):
        return f"{self.cpr[:6]}-{self.cpr[6:]}"

    @property
    def cpr_masked(self):
        return f"{self.cpr[:6]}-****"


def claim_names():
    return {**DEFAULT_CLAIMS, **getattr(settings, "MITID_CLAIMS", {})}


def level_rank(value):
    value = str(value or "").strip().lower()
    # Some brokers send the level as a URI ending in the level's name.
    value = value.rsplit("/", 1)[-1]
    return LEVELS.index(value) if value in LEVELS else -1


def identity_from_claims(claims):
    """The citizen as the verified token tells it. Raises RefusedSignIn
    when the assurance is too low or the CPR number is missing."""
    names = claim_names()
    minimum = level_rank(settings.MITID_MIN_LOA)
    loa = claims.get(names["loa"], "")
    if level_rank(loa) < minimum:
        raise RefusedSignIn("assurance", f"level {loa!r} below {settings.MITID_MIN_LOA!r}")
    cpr = "".join(ch for ch in str(claims.get(names["cpr"], "")) if ch.isdigit())
    if len(cpr) != 10:
        raise RefusedSignIn("no_cpr", "the token has no CPR number")
    first = str(claims.get(names["first_name"], "") or "")
    last = str(claims.get(names["last_name"], "") or "")
    full = str(claims.get(names["full_name"], "") or "") or " ".join(p for p in (first, last) if p)
    return MitIDIdentity(cpr=cpr, full_name=full, first_name=first, last_name=last, loa=str(loa))


def cpr_lookup_hash(cpr):
    """A keyed hash of the CPR number: it finds the citizen's account again
    at the next sign-in without the account holding the number. Keyed with
    its own secret (CPR_LOOKUP_KEY) so that rotating SECRET_KEY does not
    lose every citizen's account; without the key the hash is useless for
    guessing (CPR numbers are few enough to try them all)."""
    digits = "".join(ch for ch in str(cpr) if ch.isdigit())
    secret = settings.CPR_LOOKUP_KEY or settings.SECRET_KEY
    return salted_hmac("microloans.mitid.cpr", digits, secret=secret, algorithm="sha256").hexdigest()
