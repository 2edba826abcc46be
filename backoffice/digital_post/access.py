"""Authentication against Serviceplatformen.

The library's ``KombitAccess`` takes its URLs from ``test`` (production or
KOMBIT's external test environment). ``SERVICEPLATFORMEN_URL`` points the
calls elsewhere (a local peer in tests), and ``SERVICEPLATFORMEN_ACCESS_TOKEN``
replaces the security token service for such a peer; without it the
library's own SAML and access-token flow is used, unchanged."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from python_serviceplatformen.authentication import KombitAccess


class Access(KombitAccess):
    def __init__(self, cvr, cert_path, *, test=False, url="", access_token=""):
        super().__init__(cvr=cvr, cert_path=cert_path, test=test)
        if url:
            # The library joins relative paths onto it: keep one trailing slash.
            self.environment = url.rstrip("/") + "/"
        self.fixed_access_token = access_token

    def get_access_token(self, entity_id):
        if self.fixed_access_token:
            return self.fixed_access_token
        return super().get_access_token(entity_id)


# One per sender and settings, so the tokens the library caches are reused
# between letters instead of asking the token service for each one.
_cache = {}


def access_for(cvr):
    if not settings.SERVICEPLATFORMEN_CERT_PATH:
        raise ImproperlyConfigured("SERVICEPLATFORMEN_CERT_PATH is not set")
    key = (cvr, settings.SERVICEPLATFORMEN_CERT_PATH, settings.SERVICEPLATFORMEN_TEST,
           settings.SERVICEPLATFORMEN_URL, settings.SERVICEPLATFORMEN_ACCESS_TOKEN)
    if key not in _cache:
        _cache[key] = Access(cvr, settings.SERVICEPLATFORMEN_CERT_PATH, test=settings.SERVICEPLATFORMEN_TEST,
                             url=settings.SERVICEPLATFORMEN_URL,
                             access_token=settings.SERVICEPLATFORMEN_ACCESS_TOKEN)
    return _cache[key]
