from allauth.socialaccount.adapter import get_adapter
from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag(takes_context=True)
def mitid_provider(context):
    """The MitID provider when it is configured, else None."""
    request = context.get("request")
    if request is None:
        return None
    return next((p for p in get_adapter(request).list_providers(request) if p.id == "mitid"), None)


@register.simple_tag
def password_signup_open():
    return settings.CITIZEN_PASSWORD_SIGNUP
