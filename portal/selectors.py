"""Read-only queries for the public site. Each returns a bounded queryset
that renders in a fixed number of queries, whatever the amount of content."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from .models import AccessibilityStatementPage, EventPage, NewsPage, PrivacyPage, StoryPage


def _with_images(queryset):
    return queryset.select_related("image").prefetch_related("image__renditions")


def stories_under(page):
    return _with_images(StoryPage.objects.live().public().descendant_of(page).order_by("-date", "-pk"))


def latest_stories(page, limit):
    return stories_under(page)[:limit]


def news_under(page):
    return _with_images(NewsPage.objects.live().public().descendant_of(page).order_by("-date", "-pk"))


def latest_news(page, limit):
    return news_under(page)[:limit]


def events_under(page):
    now = timezone.now()
    return (
        EventPage.objects.live().public().descendant_of(page)
        .filter(starts_at__gte=now - timezone.timedelta(hours=12))
        .order_by("starts_at", "pk")
    )


def past_events_under(page, limit):
    now = timezone.now()
    return (
        EventPage.objects.live().public().descendant_of(page)
        .filter(starts_at__lt=now - timezone.timedelta(hours=12))
        .order_by("-starts_at")[:limit]
    )


def upcoming_events(page, limit):
    return events_under(page)[:limit]


def paginate(request, queryset, per_page):
    paginator = Paginator(queryset, per_page)
    try:
        return paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def localized_home(site):
    """The site's home page in the active language (falls back to the default)."""
    if site is None:
        return None
    return site.root_page.localized


def footer_pages(site, locale=None):
    """The legal pages linked from every footer, in the active language."""
    home = localized_home(site)
    if home is None:
        return {}
    found = {}
    for model, key in ((AccessibilityStatementPage, "accessibility"), (PrivacyPage, "privacy")):
        found[key] = model.objects.live().descendant_of(home).first()
    return found


def main_menu(site):
    home = localized_home(site)
    if home is None:
        return []
    return list(home.get_children().live().public().in_menu().specific(defer=True))


def search_pages(site, query):
    home = localized_home(site)
    pages = Page.objects.live().public().filter(locale=Locale.get_active())
    if home is not None:
        pages = pages.descendant_of(home, inclusive=True)
    return pages.specific().search(query, operator="and")


def site_for_request(request):
    return Site.find_for_request(request)


def municipality_or_404(request):
    """The municipality whose site is being visited; applications and cases
    belong to it. A site without one (e.g. a bare Wagtail site) takes none."""
    from django.http import Http404

    from backoffice.models import Municipality

    municipality = Municipality.for_site(site_for_request(request))
    if municipality is None:
        raise Http404("This site belongs to no municipality")
    return municipality
