from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .tasks import send_email


def _home_in_active_language():
    # Wagtail's catch-all pattern sits inside i18n_patterns, so reversing it
    # gives "/" in Danish and "/en/" in English.
    return reverse("wagtail_serve", args=[""])


class AccountAdapter(DefaultAccountAdapter):
    """Citizens stay in the language they chose, and account e-mails are
    sent as background tasks so a slow mail server never blocks a page."""

    def get_login_redirect_url(self, request):
        return _home_in_active_language()

    def get_logout_redirect_url(self, request):
        return _home_in_active_language()

    def get_signup_redirect_url(self, request):
        return _home_in_active_language()

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        html_body = next((content for content, mimetype in getattr(message, "alternatives", [])
                          if mimetype == "text/html"), None)
        send_email.enqueue(
            subject=message.subject, body=message.body, to=list(message.to),
            from_email=message.from_email, html_body=html_body, headers=dict(message.extra_headers),
        )
