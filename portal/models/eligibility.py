"""The eligibility check ("Kan jeg søge?"): a few questions and an answer.

Nothing is stored. The form is sent with GET, read, assessed by
portal.eligibility.assess and answered on the same page; there is no session,
cookie or database write, and a page with answers is kept out of every cache."""

from django.db import models
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField

from ..eligibility import Kind, assess
from .base import PortalPage

RESULT_FEATURES = ["bold", "italic", "link", "ul"]


class EligibilityCheckPage(PortalPage):
    can_apply_text = RichTextField(
        _("text when the citizen can apply"), blank=True, features=RESULT_FEATURES,
        help_text=_("Shown under the reasons, e.g. what happens when you apply."),
    )
    talk_first_text = RichTextField(
        _("text when the citizen should talk to a caseworker first"), blank=True, features=RESULT_FEATURES,
    )
    not_eligible_text = RichTextField(
        _("text when the scheme is not for the citizen"), blank=True, features=RESULT_FEATURES,
        help_text=_("Also shown to people who live in another municipality."),
    )
    apply_page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("apply button goes to"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Leave empty to send citizens to the online application."),
    )
    contact_page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("contact page"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Leave empty to use the site's contact page."),
    )
    alternative_url = models.URLField(
        _("alternative for those the scheme is not for"), blank=True,
        help_text=_("E.g. the regional business hub (Erhvervshuset)."),
    )
    alternative_label = models.CharField(
        _("name of the alternative"), max_length=80, blank=True,
        help_text=_("E.g. 'Erhvervshuset'. Shown in the heading and on the button."),
    )

    template = "portal/eligibility_check_page.html"
    content_panels = PortalPage.content_panels + [
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("can_apply_text"), FieldPanel("talk_first_text"), FieldPanel("not_eligible_text")],
            heading=_("Texts for each answer"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("apply_page"), FieldPanel("contact_page")]),
                FieldRowPanel([FieldPanel("alternative_label"), FieldPanel("alternative_url")]),
            ],
            heading=_("Links"),
        ),
    ]
    subpage_types = []

    class Meta:
        verbose_name = _("eligibility check")

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        if self._submitted(request):
            # The address holds the citizen's answers: keep the page out of
            # the shared page cache and the browser's cache.
            add_never_cache_headers(response)
        return response

    @staticmethod
    def _submitted(request):
        from ..forms import EligibilityForm

        return EligibilityForm.is_submitted(request.GET)

    def get_context(self, request, *args, **kwargs):
        from backoffice.models import Municipality, TargetGroup

        from ..forms import EligibilityForm

        context = super().get_context(request, *args, **kwargs)
        site = self.get_site()
        municipality = Municipality.for_site(site)
        municipality_name = municipality.name if municipality else ""
        form = EligibilityForm(
            request.GET if self._submitted(request) else None,
            target_groups=TargetGroup.objects.filter(active=True),
            municipality_name=municipality_name,
        )
        context["form"] = form
        if form.is_bound and form.is_valid():
            outcome = assess(**form.answers(), municipality_name=municipality_name)
            context["outcome"] = outcome
            context["result"] = self.result_for(outcome, request, site)
        return context

    # --- the answer ------------------------------------------------------------

    def result_for(self, outcome, request, site):
        """Heading, the editor's text and the links for one outcome."""
        contact = self._contact_page(site)
        contact_link = contact and {"url": contact.get_url(request=request),
                                    "label": gettext("Contact us")}
        alternative = self.alternative_url and {
            "url": self.alternative_url, "label": self.alternative_label or self.alternative_url,
            "external": True,
        }
        if outcome.kind is Kind.CAN_APPLY:
            heading, text = gettext("You can apply"), self.can_apply_text
            apply = self.apply_page and self.apply_page.localized
            url = apply.get_url(request=request) if apply is not None and apply.live else reverse("application_start")
            links = [{"url": url, "label": gettext("Apply now")}, contact_link]
        elif outcome.kind is Kind.TALK_FIRST:
            heading, text = gettext("Talk to your caseworker first"), self.talk_first_text
            links = [contact_link]
        else:
            if outcome.kind is Kind.NOT_HERE:
                heading = gettext("The scheme here is not for you – apply where you live")
            elif self.alternative_url and self.alternative_label:
                heading = gettext("The scheme is not for you – try %(alternative)s instead") % {
                    "alternative": self.alternative_label}
            else:
                heading = gettext("The scheme is not for you – talk to us about other options")
            text = self.not_eligible_text
            links = [alternative, contact_link]
        return {"heading": heading, "text": text, "links": [link for link in links if link]}

    def _contact_page(self, site):
        """The chosen contact page in the visitor's language, else the site's own."""
        from .pages import ContactPage

        if self.contact_page_id:
            page = self.contact_page.localized
            if page.live:
                return page
        if site is None:
            return None
        home = site.root_page.localized
        return ContactPage.objects.live().descendant_of(home).first()
