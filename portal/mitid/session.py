"""What the sign-in leaves in the citizen's (server-side) session: the
nonces handed out, and after sign-in the identity MitID gave and the ID
token that NemLog-in's logout needs. The session is flushed at logout."""

from django.utils.crypto import constant_time_compare, get_random_string

from .claims import MitIDIdentity

NONCES_KEY = "mitid_nonces"
IDENTITY_KEY = "mitid_identity"
ID_TOKEN_KEY = "mitid_id_token"
MAX_OPEN_NONCES = 5  # sign-ins started in several tabs


def issue_nonce(request):
    nonce = get_random_string(43)
    nonces = [*request.session.get(NONCES_KEY, []), nonce][-MAX_OPEN_NONCES:]
    request.session[NONCES_KEY] = nonces
    return nonce


def consume_nonce(request, nonce):
    """True once for a nonce this browser was given; a replayed or foreign
    token's nonce is not in the list."""
    nonces = request.session.get(NONCES_KEY, [])
    match = next((n for n in nonces if nonce and constant_time_compare(n, str(nonce))), None)
    if match is None:
        return False
    request.session[NONCES_KEY] = [n for n in nonces if n != match]
    return True


def remember_sign_in(request, identity, id_token):
    request.session[IDENTITY_KEY] = {
        "cpr": identity.cpr, "full_name": identity.full_name, "first_name": identity.first_name,
        "last_name": identity.last_name, "loa": identity.loa,
    }
    request.session[ID_TOKEN_KEY] = id_token


def signed_in_identity(request):
    """The identity MitID confirmed in this session, or None (a password
    sign-in, or no sign-in)."""
    if not request.user.is_authenticated:
        return None
    data = request.session.get(IDENTITY_KEY)
    return MitIDIdentity(**data) if data else None


def id_token(request):
    return request.session.get(ID_TOKEN_KEY, "")
