"""The MitID provider: allauth's OpenID Connect provider with what
NemLog-in requires on top (nonce, PKCE, assurance level) and with the CPR
number kept out of the account: the account's uid is a keyed hash of it."""

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from . import session
from .claims import KEPT_CLAIMS, cpr_lookup_hash, identity_from_claims
from .views import MitIDAdapter


class MitIDProvider(OpenIDConnectProvider):
    id = "mitid"
    name = "MitID"
    oauth2_adapter_class = MitIDAdapter
    pkce_enabled_default = True

    def get_login_url(self, request, **kwargs):
        url = reverse("mitid_login")
        return f"{url}?{urlencode(kwargs)}" if kwargs else url

    def get_callback_url(self):
        return reverse("mitid_callback")

    def get_oauth2_adapter(self, request):
        return self.oauth2_adapter_class(request)

    def get_default_scope(self):
        return list(settings.MITID_SCOPES)

    def get_auth_params(self):
        params = super().get_auth_params()
        if settings.MITID_ACR_VALUES:
            params.setdefault("acr_values", settings.MITID_ACR_VALUES)
        return params

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        # Each sign-in gets its own nonce; the ID token must carry it back.
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params["nonce"] = session.issue_nonce(request)
        return super().redirect(request, process, next_url, data, auth_params=auth_params, **kwargs)

    def extract_uid(self, data):
        return cpr_lookup_hash(identity_from_claims(data["id_token"]).cpr)

    def extract_common_fields(self, data):
        identity = identity_from_claims(data["id_token"])
        first, last = identity.first_name, identity.last_name
        if not (first or last) and identity.full_name:
            first, _, last = identity.full_name.rpartition(" ")
        return {"first_name": first[:150], "last_name": last[:150]}

    def extract_email_addresses(self, data):
        return []  # MitID tells no e-mail address; the application asks for it.

    def sociallogin_from_response(self, request, response):
        login = super().sociallogin_from_response(request, response)
        # allauth stores what the provider said on the account; keep only
        # what does not identify the person (never the CPR number).
        claims = response.get("id_token", {})
        login.account.extra_data = {"id_token": {k: claims[k] for k in KEPT_CLAIMS if k in claims}}
        return login


provider_classes = [MitIDProvider]
