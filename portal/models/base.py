from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page
from wagtail.search import index


class PortalPage(Page):
    """Shared by every public page: a plain-language introduction, used as
    the meta description when the editor leaves that empty."""

    intro = models.TextField(
        _("introduction"), blank=True,
        help_text=_("One or two sentences in plain language shown at the top of the page."),
    )

    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        abstract = True

    @property
    def meta_description(self):
        text = self.search_description or self.intro or ""
        return text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + "…"
