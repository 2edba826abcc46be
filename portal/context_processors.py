from django.utils.functional import SimpleLazyObject

from backoffice.models import Municipality

from . import selectors


def site_context(request):
    """The municipality and navigation of the site being visited, computed
    only when a template uses them."""

    def site():
        if not hasattr(request, "_portal_site"):
            request._portal_site = selectors.site_for_request(request)
        return request._portal_site

    return {
        "municipality": SimpleLazyObject(lambda: Municipality.for_site(site())),
        "main_menu": SimpleLazyObject(lambda: selectors.main_menu(site())),
        "legal_pages": SimpleLazyObject(lambda: selectors.footer_pages(site())),
        "localized_home": SimpleLazyObject(lambda: selectors.localized_home(site())),
    }
