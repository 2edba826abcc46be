"""Editors publish through the Wagtail admin, only in their own
municipality's tree; publishing empties the public page cache."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from portal.models import NewsIndexPage, NewsPage


@pytest.fixture
def editor(demo):
    return get_user_model().objects.get(email="redaktoer@nordby.example")


def _news_index(municipality):
    return NewsIndexPage.objects.child_of(municipality.site.root_page).get()


def test_editor_publishes_a_news_item_in_the_admin(client, editor, nordby):
    client.force_login(editor)
    index = _news_index(nordby)
    data = nested_form_data({
        "title": "Nyt hold i januar", "slug": "nyt-hold-i-januar", "date": "2026-12-01",
        "intro": "Der er ledige pladser.",
        "body": streamfield([("paragraph", rich_text("<p>Søg inden jul.</p>"))]),
    })
    data["action-publish"] = "publish"
    response = client.post(f"/admin/pages/add/portal/newspage/{index.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = NewsPage.objects.get(slug="nyt-hold-i-januar")
    assert page.live and page.get_parent().pk == index.pk
    assert "Nyt hold i januar" in client.get("/nyheder/", HTTP_HOST="127.0.0.1:8000").content.decode()


def test_editor_cannot_edit_the_other_municipalitys_pages(client, editor, sydby):
    client.force_login(editor)
    index = _news_index(sydby)
    response = client.get(f"/admin/pages/{index.pk}/edit/")
    assert response.status_code in (302, 403)
    response = client.get(f"/admin/pages/add/portal/newspage/{index.pk}/")
    assert response.status_code in (302, 403)


def test_citizen_cannot_open_the_admin(client, demo):
    client.force_login(get_user_model().objects.get(email="borger@nordby.example"))
    response = client.get("/admin/")
    assert response.status_code == 302


@pytest.mark.parametrize("anonymous_pages_cached", [True])
def test_publishing_clears_the_page_cache(client, nordby, settings, anonymous_pages_cached):
    settings.WAGTAIL_CACHE = True
    cache.clear()
    first = client.get("/nyheder/", HTTP_HOST="127.0.0.1:8000")
    second = client.get("/nyheder/", HTTP_HOST="127.0.0.1:8000")
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"

    index = _news_index(nordby)
    index.add_child(instance=NewsPage(title="Frisk nyhed", date="2026-11-20", body=[], live=False))
    NewsPage.objects.get(title="Frisk nyhed").save_revision().publish()

    third = client.get("/nyheder/", HTTP_HOST="127.0.0.1:8000")
    assert third["X-Page-Cache"] == "miss"
    assert "Frisk nyhed" in third.content.decode()


def test_logged_in_visitors_are_never_served_from_the_cache(client, demo, settings):
    settings.WAGTAIL_CACHE = True
    cache.clear()
    client.force_login(get_user_model().objects.get(email="borger@nordby.example"))
    response = client.get("/", HTTP_HOST="127.0.0.1:8000")
    assert response["X-Page-Cache"] == "skip"
    assert "Log ud" in response.content.decode()
