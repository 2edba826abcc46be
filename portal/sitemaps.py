from django.db.models import Q
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class MultilingualSitemap(Sitemap):
    """Wagtail's sitemap lists only the site's default-language tree; list
    every translation of the site's home page and what lies below it."""

    def items(self):
        homes = self.get_wagtail_site().root_page.get_translations(inclusive=True)
        in_any_tree = Q()
        for home in homes:
            in_any_tree |= Q(path__startswith=home.path)
        return (
            Page.objects.filter(in_any_tree).live().public().order_by("path")
            .defer_streamfields().specific()
        )
