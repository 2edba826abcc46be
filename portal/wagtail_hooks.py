from wagtail import hooks
from wagtailcache.cache import clear_cache


@hooks.register("after_delete_page")
@hooks.register("after_move_page")
def clear_page_cache(request, page):
    clear_cache()


@hooks.register("is_request_cacheable")
def only_cache_visitors_without_a_session(request, is_cacheable):
    """A visitor with a session may see messages or a personal header; only
    session-less visitors share cached pages."""
    from django.conf import settings

    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    return is_cacheable


# The retention run (backoffice.services.retention) calls these: the
# backoffice does not import the portal, which owns the drafts.
@hooks.register("backoffice_retention_delete_drafts")
def delete_old_drafts(municipality, *, last_saved_before, dry_run=False):
    from .retention import delete_old_drafts

    return delete_old_drafts(municipality, last_saved_before=last_saved_before, dry_run=dry_run)


@hooks.register("backoffice_retention_case_anonymised")
def forget_anonymised_case(case):
    from .retention import forget_anonymised_case

    forget_anonymised_case(case)
