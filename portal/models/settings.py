from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField

from ..blocks import LinkBlock


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """What the footer and contact page show for one municipality's site.

    The municipality's name and loan limits come from the municipality and
    its loan policy, which the coordinator maintains."""

    logo = models.ForeignKey(
        "portal.SiteImage", verbose_name=_("logo"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    department = models.CharField(_("department"), max_length=120, blank=True,
                                  help_text=_("E.g. 'Jobcenter og Erhvervsafdelingen'."))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)
    opening_hours = models.TextField(_("telephone hours"), blank=True)
    footer_links = StreamField(
        [("link", LinkBlock())], blank=True, use_json_field=True,
        verbose_name=_("footer links"),
        help_text=_("Pages shown in the footer. Each link uses the page's title in the visitor's language."),
    )

    panels = [
        FieldPanel("logo"),
        MultiFieldPanel(
            [FieldPanel("department"), FieldPanel("phone"), FieldPanel("email"),
             FieldPanel("address"), FieldPanel("opening_hours")],
            heading=_("Contact details"),
        ),
        FieldPanel("footer_links"),
    ]

    class Meta:
        verbose_name = _("site settings")
