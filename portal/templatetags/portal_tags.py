from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language
from wagtail.models import Locale, Page

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context):
    """Links to this page in every interface language. A page without a live
    translation links to that language's home page instead of a 404."""
    request = context["request"]
    page = context.get("page")
    current = get_language()
    links = []
    translations = {}
    if isinstance(page, Page) and page.pk:
        for translation in page.get_translations(inclusive=True).live().select_related("locale"):
            translations[translation.locale.language_code] = translation
    home = context.get("localized_home")
    for code, name in settings.LANGUAGES:
        if code in translations:
            url = translations[code].get_url(request=request)
        elif page is not None and home is not None:
            fallback = home.get_translations(inclusive=True).filter(locale__language_code=code).first()
            url = fallback.get_url(request=request) if fallback else "/"
        else:
            url = translate_url(request.get_full_path(), code)
        links.append({"code": code, "name": name, "url": url, "current": code == current})
    return links


@register.simple_tag(takes_context=True)
def footer_links(context, site_settings):
    """The editor's footer links, each shown in the visitor's language."""
    request = context["request"]
    locale = Locale.get_active()
    items = []
    for block in site_settings.footer_links:
        page = block.value.get("page")
        if page is not None:
            localized = page.get_translation_or_none(locale) or page
            if localized.live:
                items.append({"title": localized.title, "url": localized.get_url(request=request)})
        elif block.value.get("url"):
            items.append({"title": block.value["url"], "url": block.value["url"]})
    return items


@register.filter
def link_url(link_value, request=None):
    """URL of a LinkBlock value, in the visitor's language."""
    page = link_value.get("page")
    if page is not None:
        localized = page.localized
        return localized.get_url(request=request) if request else localized.url
    return link_value.get("url") or ""


@register.filter
def dkk(amount):
    """Format an amount in kroner the Danish way: 30.000 kr."""
    try:
        value = int(amount)
    except (TypeError, ValueError):
        return ""
    grouped = f"{value:,}".replace(",", ".")
    return f"{grouped} kr."
