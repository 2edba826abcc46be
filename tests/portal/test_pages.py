"""Every page type renders in both languages with the right language,
title, meta description and shared layout."""

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Locale, Page

from portal import models

PAGE_TYPES = [
    models.HomePage, models.ProgrammePage, models.FaqPage, models.StoryIndexPage, models.StoryPage,
    models.EventIndexPage, models.EventPage, models.NewsIndexPage, models.NewsPage, models.ContactPage,
    models.PrivacyPage, models.AccessibilityStatementPage, models.EligibilityCheckPage,
]


def _get(client, page):
    site = page.get_site()
    return client.get(page.get_url(), HTTP_HOST=f"{site.hostname}:{site.port}")


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("model", PAGE_TYPES, ids=lambda m: m.__name__)
def test_every_page_type_renders_in_both_languages(client, demo, model, language):
    page = model.objects.live().filter(locale__language_code=language).first()
    assert page is not None, f"the demo has no {model.__name__} in {language}"

    response = _get(client, page)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.html["lang"] == language
    assert page.title in soup.title.string
    assert soup.find("a", class_="skip-link")["href"] == "#main"
    assert soup.find("main", id="main")
    assert len(soup.find_all("h1")) == 1
    description = soup.find("meta", attrs={"name": "description"})
    assert description and description["content"].strip()
    footer = soup.find("footer", class_="site-footer")
    accessibility = models.AccessibilityStatementPage.objects.get(
        locale__language_code=language, path__startswith=page.path[:8]
    )
    link = accessibility.relative_url(page.get_site())
    assert footer.find("a", href=link), "every footer links to the accessibility statement"


def test_home_page_shows_municipality_and_loan_limits_from_its_policy(client, nordby):
    nordby.loan_policy.min_amount = 25_000
    nordby.loan_policy.max_amount = 45_000
    nordby.loan_policy.save()

    response = client.get("/", HTTP_HOST="127.0.0.1:8000")

    text = response.content.decode()
    assert "Nordby Kommune" in text
    assert "25.000 kr." in text and "45.000 kr." in text


def test_each_site_serves_its_own_municipality(client, demo):
    nordby = client.get("/", HTTP_HOST="127.0.0.1:8000").content.decode()
    sydby = client.get("/", HTTP_HOST="localhost:8000").content.decode()
    assert "Nordby Kommune" in nordby and "Sydby Kommune" not in nordby
    assert "Sydby Kommune" in sydby and "Nordby Kommune" not in sydby


def test_language_switcher_links_to_the_translation(client, demo):
    danish = models.ProgrammePage.objects.get(locale__language_code="da", path__startswith=_nordby_path())
    english = danish.get_translation(Locale.objects.get(language_code="en"))
    response = client.get("/saadan-fungerer-det/", HTTP_HOST="127.0.0.1:8000")
    soup = BeautifulSoup(response.content, "html.parser")
    link = soup.select_one('.language-switcher a[hreflang="en"]')
    assert link["href"] == english.relative_url(english.get_site())
    assert soup.select_one('.language-switcher a[aria-current="true"]')["hreflang"] == "da"


def test_main_menu_follows_show_in_menus(client, demo):
    faq = models.FaqPage.objects.get(locale__language_code="da", path__startswith=_nordby_path())
    assert "Spørgsmål og svar" in _menu(client)
    faq.show_in_menus = False
    faq.save_revision().publish()
    assert "Spørgsmål og svar" not in _menu(client)


def _menu(client):
    soup = BeautifulSoup(client.get("/", HTTP_HOST="127.0.0.1:8000").content, "html.parser")
    return [a.get_text(strip=True) for a in soup.select("#site-menu a")]


def _nordby_path():
    return Page.objects.get(depth=2, slug="nordby").path


def test_unknown_page_gives_the_designed_404(client, demo):
    response = client.get("/findes-ikke/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 404
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.html["lang"] == "da"
    assert soup.h1.get_text(strip=True) == "Vi kan ikke finde siden"
    english = client.get("/en/does-not-exist/", HTTP_HOST="127.0.0.1:8000")
    assert english.status_code == 404
    assert BeautifulSoup(english.content, "html.parser").html["lang"] == "en"


def test_server_error_page_is_self_contained(client, settings):
    from portal.views import server_error

    response = server_error(None)
    assert response.status_code == 500
    assert "Der skete en fejl" in response.content.decode()


def test_event_page_shows_time_place_and_sign_up(client, demo):
    event = models.EventPage.objects.filter(locale__language_code="da", signup_url="").first()
    event.signup_url = "https://tilmelding.example/mikrolaan"
    event.save_revision().publish()
    response = _get(client, event)
    text = response.content.decode()
    assert event.location_name in text
    assert "https://tilmelding.example/mikrolaan" in text


def test_events_index_splits_coming_and_past_meetings(client, demo):
    index = models.EventIndexPage.objects.get(locale__language_code="da", path__startswith=_nordby_path())
    response = _get(client, index)
    coming = [e.title for e in response.context["events"]]
    past = [e.title for e in response.context["past_events"]]
    assert len(coming) == 3 and len(past) == 1
    assert "Informationsmøde i foråret" in past


def test_search_finds_pages_in_the_active_language_only(client, demo):
    danish = client.get("/search/", {"q": "erhvervskonto"}, HTTP_HOST="127.0.0.1:8000")
    assert danish.status_code == 200
    titles = [r.title for r in danish.context["results"]]
    assert titles and all(p.locale.language_code == "da" for p in danish.context["results"])
    english = client.get("/en/search/", {"q": "business account"}, HTTP_HOST="127.0.0.1:8000")
    assert english.context["results"]
    assert all(p.locale.language_code == "en" for p in english.context["results"])


def test_search_without_results_says_so(client, demo):
    response = client.get("/search/", {"q": "zzxxqq"}, HTTP_HOST="127.0.0.1:8000")
    assert "Vi fandt intet" in response.content.decode()


def test_sitemap_lists_pages_of_the_requested_site(client, demo):
    response = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/saadan-fungerer-det/" in body
    assert "/en/how-it-works/" in body


def test_robots_txt_points_to_sitemap_and_keeps_crawlers_out_of_accounts(client, demo):
    response = client.get("/robots.txt", HTTP_HOST="127.0.0.1:8000")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in body and "Disallow: /accounts/" in body
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in body


def test_every_locale_exists(db):
    assert set(Locale.objects.values_list("language_code", flat=True)) >= {"da", "en"}
