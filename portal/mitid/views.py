"""The sign-in views: allauth's OAuth2 login and callback views run with
our adapter, which checks the ID token itself (signature from the
provider's JWKS, issuer, audience, expiry, nonce) and refuses a sign-in
below the required assurance level with a plain message."""

import logging
import secrets

import jwt
import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache

from . import session
from .claims import RefusedSignIn, identity_from_claims

logger = logging.getLogger(__name__)


class MitIDAdapter(OpenIDConnectOAuth2Adapter):
    def __init__(self, request):
        super().__init__(request, "mitid")

    def get_callback_url(self, request, app):
        # One redirect URI to register with NemLog-in, whatever language
        # the citizen reads the site in.
        with translation.override(settings.LANGUAGE_CODE):
            url = reverse("mitid_callback")
        return build_absolute_uri(request, url, self.redirect_uri_protocol)

    def complete_login(self, request, app, token, **kwargs):
        id_token = kwargs["response"].get("id_token", "")
        try:
            claims = self._verified_claims(request, app, id_token)
            if app.settings.get("fetch_userinfo", False):
                claims = self._with_userinfo(claims, token.token)
            identity = identity_from_claims(claims)
        except RefusedSignIn as refusal:
            logger.warning("MitID sign-in refused: %s", refusal)
            raise ImmediateHttpResponse(refused(request, refusal.reason))
        login = self.get_provider().sociallogin_from_response(request, {"id_token": claims})
        # Kept on the object (not the account) until the login happens;
        # portal.mitid.signals puts it in the session then.
        login.mitid_identity, login.mitid_id_token = identity, id_token
        return login

    def _verified_claims(self, request, app, id_token):
        """allauth skips the signature when it fetched the token itself;
        NemLog-in's rules do not, and neither do we."""
        if not id_token:
            raise RefusedSignIn("token", "no ID token in the token response")
        try:
            algorithm = jwt.get_unverified_header(id_token).get("alg")
        except jwt.PyJWTError as error:
            raise RefusedSignIn("token", f"malformed ID token ({type(error).__name__})") from error
        if algorithm not in settings.MITID_ID_TOKEN_ALGORITHMS:
            raise RefusedSignIn("token", f"ID token signed with {algorithm!r}")
        try:
            claims = jwtkit.verify_and_decode(
                credential=id_token, keys_url=self.openid_config["jwks_uri"],
                issuer=self.openid_config["issuer"], audience=app.client_id,
                lookup_kid=jwtkit.lookup_kid_jwk, verify_signature=True,
            )
        except (OAuth2Error, KeyError, ValueError, requests.RequestException) as error:
            cause = error.__cause__ or error
            raise RefusedSignIn("token", f"ID token not accepted ({type(cause).__name__}: {cause})") from error
        if not session.consume_nonce(request, claims.get("nonce")):
            raise RefusedSignIn("token", "nonce missing or not issued to this browser")
        return claims

    def _with_userinfo(self, claims, access_token):
        userinfo = self._fetch_user_info(access_token)
        if userinfo.get("sub") != claims.get("sub"):
            raise RefusedSignIn("token", "userinfo is about another subject")
        return {**userinfo, **claims}


REFUSAL_STATUS = 403


def refused(request, reason):
    return render(request, "mitid/refused.html", {"reason": reason}, status=REFUSAL_STATUS)


def _configured(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SocialApp.DoesNotExist:
            raise Http404("MitID is not configured") from None
    return wrapped


login = _configured(OAuth2LoginView.adapter_view(MitIDAdapter))
callback = _configured(OAuth2CallbackView.adapter_view(MitIDAdapter))


LOGOUT_HANDOVER_SECONDS = 120


def end_session_url(request):
    """Where to send a citizen who logs out, to end the NemLog-in session
    too (RP-initiated logout), or "" for a session that did not sign in
    with MitID. The ID token (the logout's hint) holds the CPR number, so
    it never goes in a URL: it is handed to the logout page through the
    cache under a random key, and that page posts it to NemLog-in."""
    token = session.id_token(request)
    if not token:
        return ""
    handle = secrets.token_urlsafe(24)
    cache.set(_handover_key(handle), token, LOGOUT_HANDOVER_SECONDS)
    return reverse("mitid_logout", args=[handle])


def _handover_key(handle):
    return f"mitid:logout:{handle}"


@never_cache
def logout(request, handle):
    """The page between our logout and NemLog-in's: a form that posts the
    hint to the provider's end-session endpoint (sent at once by site.js)."""
    key = _handover_key(handle)
    token = cache.get(key)
    cache.delete(key)
    home = build_absolute_uri(request, "/")
    try:
        endpoint = MitIDAdapter(request).openid_config.get("end_session_endpoint") if token else ""
    except (requests.RequestException, ValueError, SocialApp.DoesNotExist) as error:
        logger.warning("MitID logout: provider configuration not available (%s)", type(error).__name__)
        endpoint = ""
    if not endpoint:
        return redirect("/")
    response = render(request, "mitid/logout.html", {
        "endpoint": endpoint, "id_token_hint": token, "post_logout_redirect_uri": home,
    })
    response["Referrer-Policy"] = "no-referrer"
    return response
