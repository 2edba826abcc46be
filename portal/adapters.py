from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.urls import reverse
from wagtail.models import Site

from backoffice.models import Municipality

from .tasks import send_email


def _home_in_active_language():
    # Wagtail's catch-all pattern sits inside i18n_patterns, so reversing it
    # gives "/" in Danish and "/en/" in English.
    return reverse("wagtail_serve", args=[""])


class AccountAdapter(DefaultAccountAdapter):
    """Citizens stay in the language they chose, and account e-mails are
    sent as background tasks so a slow mail server never blocks a page."""

    def get_login_redirect_url(self, request):
        # Without a "next": staff to their work, citizens to their own cases.
        if request.user.has_perm("wagtailadmin.access_admin"):
            return reverse("wagtailadmin_home")
        return reverse("my_page")

    def get_logout_redirect_url(self, request):
        # A MitID session ends at NemLog-in too, which then sends the
        # citizen back to the home page. Asked before the session is
        # flushed (allauth's LogoutView), so the ID token is still there.
        from .mitid.views import end_session_url

        return end_session_url(request) or _home_in_active_language()

    def is_open_for_signup(self, request):
        """Password accounts for citizens, unless switched off (production
        with NemLog-in): then citizens sign in with MitID only."""
        return settings.CITIZEN_PASSWORD_SIGNUP

    def get_signup_redirect_url(self, request):
        # A first MitID sign-in is signed in at once: to their (empty) cases.
        # A password sign-up still has to confirm the e-mail address first.
        if request.user.is_authenticated:
            return reverse("my_page")
        return _home_in_active_language()

    def send_mail(self, template_prefix, email, context):
        # allauth greets with the request's host name ("Hello from
        # 127.0.0.1:8000"); citizens should see their municipality.
        site = context.get("current_site")
        municipality = Municipality.for_site(Site.find_for_request(self.request)) if self.request else None
        if site is not None and municipality is not None:
            context = {**context, "current_site": SimpleNamespace(name=municipality.name, domain=site.domain)}
        message = self.render_mail(template_prefix, email, context)
        html_body = next((content for content, mimetype in getattr(message, "alternatives", [])
                          if mimetype == "text/html"), None)
        send_email.enqueue(
            subject=message.subject, body=message.body, to=list(message.to),
            from_email=message.from_email, html_body=html_body, headers=dict(message.extra_headers),
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        # The first MitID sign-in makes the citizen's account, with no
        # password, whether or not password sign-up is open.
        return sociallogin.account.provider == "mitid"


def user_display(user):
    """Citizens sign in with their e-mail; the generated username means nothing to them."""
    return user.get_full_name() or user.email
