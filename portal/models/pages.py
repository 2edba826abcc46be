"""Page types of the public site, one per thing an editor maintains."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.search import index

from ..blocks import ContentStreamBlock
from .base import PortalPage

IMAGE_MODEL = "portal.SiteImage"


def _image_field(verbose_name, required=False):
    return models.ForeignKey(
        IMAGE_MODEL, verbose_name=verbose_name, null=True, blank=not required,
        on_delete=models.SET_NULL, related_name="+",
    )


class HomePage(PortalPage):
    hero_heading = models.CharField(_("hero heading"), max_length=120)
    hero_image = _image_field(_("hero image"))
    primary_action_label = models.CharField(_("main button text"), max_length=60, blank=True)
    primary_action_page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("main button goes to"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    secondary_action_label = models.CharField(_("second button text"), max_length=60, blank=True)
    secondary_action_page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("second button goes to"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    body = StreamField(ContentStreamBlock(), blank=True, verbose_name=_("content"))

    content_panels = PortalPage.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("hero_heading"),
                FieldPanel("intro"),
                FieldPanel("hero_image"),
                FieldRowPanel([FieldPanel("primary_action_label"), FieldPanel("primary_action_page")]),
                FieldRowPanel([FieldPanel("secondary_action_label"), FieldPanel("secondary_action_page")]),
            ],
            heading=_("Top of the page"),
        ),
        FieldPanel("body"),
    ]
    search_fields = PortalPage.search_fields + [index.SearchField("body")]
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from ..selectors import latest_news, latest_stories, upcoming_events

        context = super().get_context(request, *args, **kwargs)
        context["stories"] = latest_stories(self, limit=3)
        context["events"] = upcoming_events(self, limit=3)
        context["news_items"] = latest_news(self, limit=3)
        # Resolve each button's page in the visitor's language once.
        context["actions"] = [
            {"page": target.localized, "label": label}
            for target, label in ((self.primary_action_page, self.primary_action_label),
                                  (self.secondary_action_page, self.secondary_action_label))
            if target is not None
        ]
        return context


class ProgrammePage(PortalPage):
    """Describes the scheme: who it is for, how it works, what you get."""

    hero_image = _image_field(_("image"))
    body = StreamField(ContentStreamBlock(), verbose_name=_("content"))

    template = "portal/content_page.html"
    content_panels = PortalPage.content_panels + [
        FieldPanel("intro"), FieldPanel("hero_image"), FieldPanel("body"),
    ]
    search_fields = PortalPage.search_fields + [index.SearchField("body")]

    class Meta:
        verbose_name = _("programme page")


class FaqPage(PortalPage):
    body = StreamField(ContentStreamBlock(), verbose_name=_("content"))

    template = "portal/content_page.html"
    content_panels = PortalPage.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = PortalPage.search_fields + [index.SearchField("body")]

    class Meta:
        verbose_name = _("questions and answers page")


class StandardPage(PortalPage):
    body = StreamField(ContentStreamBlock(), blank=True, verbose_name=_("content"))

    template = "portal/content_page.html"
    content_panels = PortalPage.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = PortalPage.search_fields + [index.SearchField("body")]

    class Meta:
        verbose_name = _("standard page")


class ContactPage(PortalPage):
    """Contact details come from the site settings; the body adds the rest."""

    body = StreamField(ContentStreamBlock(), blank=True, verbose_name=_("content"))

    content_panels = PortalPage.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = PortalPage.search_fields + [index.SearchField("body")]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("contact page")


class PrivacyPage(PortalPage):
    """How the municipality processes personal data (linked from every footer)."""

    body = StreamField(ContentStreamBlock(), verbose_name=_("content"))

    template = "portal/content_page.html"
    content_panels = PortalPage.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = PortalPage.search_fields + [index.SearchField("body")]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("privacy page")


class AccessibilityStatementPage(PortalPage):
    """Tilgængelighedserklæring, required on Danish public sites and linked
    from every footer."""

    class Compliance(models.TextChoices):
        FULL = "full", _("Fully compliant")
        PARTIAL = "partial", _("Partially compliant")
        NONE = "none", _("Not compliant")

    compliance = models.CharField(
        _("compliance with WCAG 2.1 AA"), max_length=10, choices=Compliance.choices,
        default=Compliance.PARTIAL,
    )
    prepared_on = models.DateField(_("statement prepared on"), default=timezone.localdate)
    reviewed_on = models.DateField(_("last reviewed on"), default=timezone.localdate)
    known_issues = RichTextField(_("known issues"), blank=True,
                                 features=["bold", "italic", "link", "ul"])
    feedback_email = models.EmailField(_("e-mail for feedback on accessibility"))
    body = StreamField(ContentStreamBlock(), blank=True, verbose_name=_("content"))

    content_panels = PortalPage.content_panels + [
        FieldPanel("intro"),
        FieldRowPanel([FieldPanel("compliance"), FieldPanel("prepared_on"), FieldPanel("reviewed_on")]),
        FieldPanel("known_issues"),
        FieldPanel("feedback_email"),
        FieldPanel("body"),
    ]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("accessibility statement")


class StoryIndexPage(PortalPage):
    content_panels = PortalPage.content_panels + [FieldPanel("intro")]
    subpage_types = ["portal.StoryPage"]

    class Meta:
        verbose_name = _("success stories index")

    def get_context(self, request, *args, **kwargs):
        from ..selectors import paginate, stories_under

        context = super().get_context(request, *args, **kwargs)
        context["stories"] = paginate(request, stories_under(self), per_page=12)
        return context


class StoryPage(PortalPage):
    entrepreneur_name = models.CharField(_("name of the entrepreneur"), max_length=100)
    business_name = models.CharField(_("business"), max_length=120)
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    quote = models.CharField(_("quote"), max_length=240, blank=True)
    image = _image_field(_("image"))
    date = models.DateField(_("published"), default=timezone.localdate)
    body = StreamField(ContentStreamBlock(), verbose_name=_("story"))

    content_panels = PortalPage.content_panels + [
        FieldRowPanel([FieldPanel("entrepreneur_name"), FieldPanel("business_name"),
                       FieldPanel("industry")]),
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("quote"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = PortalPage.search_fields + [
        index.SearchField("business_name"), index.SearchField("body"),
    ]
    parent_page_types = ["portal.StoryIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("success story")


class EventIndexPage(PortalPage):
    content_panels = PortalPage.content_panels + [FieldPanel("intro")]
    subpage_types = ["portal.EventPage"]

    class Meta:
        verbose_name = _("events index")

    def get_context(self, request, *args, **kwargs):
        from ..selectors import events_under, paginate, past_events_under

        context = super().get_context(request, *args, **kwargs)
        context["events"] = paginate(request, events_under(self), per_page=20)
        context["past_events"] = past_events_under(self, limit=5)
        return context


class EventPage(PortalPage):
    """An information meeting about the scheme."""

    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    location_name = models.CharField(_("place"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    online_url = models.URLField(_("online meeting link"), blank=True)
    signup_url = models.URLField(_("sign-up link"), blank=True)
    body = StreamField(ContentStreamBlock(), blank=True, verbose_name=_("content"))

    content_panels = PortalPage.content_panels + [
        FieldPanel("intro"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldRowPanel([FieldPanel("location_name"), FieldPanel("address")]),
        FieldRowPanel([FieldPanel("online_url"), FieldPanel("signup_url")]),
        FieldPanel("body"),
    ]
    search_fields = PortalPage.search_fields + [index.SearchField("location_name")]
    parent_page_types = ["portal.EventIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("event")

    def clean(self):
        super().clean()
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The event must end after it starts.")})

    @property
    def is_past(self):
        return (self.ends_at or self.starts_at) < timezone.now()


class NewsIndexPage(PortalPage):
    content_panels = PortalPage.content_panels + [FieldPanel("intro")]
    subpage_types = ["portal.NewsPage"]

    class Meta:
        verbose_name = _("news index")

    def get_context(self, request, *args, **kwargs):
        from ..selectors import news_under, paginate

        context = super().get_context(request, *args, **kwargs)
        context["news_items"] = paginate(request, news_under(self), per_page=12)
        return context


class NewsPage(PortalPage):
    date = models.DateField(_("date"), default=timezone.localdate)
    image = _image_field(_("image"))
    body = StreamField(ContentStreamBlock(), verbose_name=_("content"))

    content_panels = PortalPage.content_panels + [
        FieldPanel("date"), FieldPanel("intro"), FieldPanel("image"), FieldPanel("body"),
    ]
    search_fields = PortalPage.search_fields + [index.SearchField("body")]
    parent_page_types = ["portal.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("news item")
