"""Shared fixtures. The demo content is the test fixture: it is what a new
installation shows, so the tests exercise exactly that."""

import pytest
from django.conf import settings
from django.core.management import call_command
from wagtail.models import Collection, Locale, Page


def wagtail_root_page():
    """Wagtail's root page. A transactional test empties the database after
    itself, rows made by migrations included: then make again the locale,
    root page and root collection that Wagtail's migrations made."""
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", quiet=True, without_cases=True)


@pytest.fixture
def demo(db):
    """The seeded demo data. A transactional test before this one may have
    emptied the database; then seed again."""
    from backoffice.models import Municipality

    if not Municipality.objects.exists():
        wagtail_root_page()
        call_command("seed_demo", quiet=True, without_cases=True)
    return {m.slug: m for m in Municipality.objects.select_related("site", "loan_policy")}


@pytest.fixture
def nordby(demo):
    return demo["nordby"]


@pytest.fixture
def sydby(demo):
    return demo["sydby"]


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the site's default language. The test client's
    requests activate the request's language (LocaleMiddleware) and Django
    leaves it active in the thread afterwards, so an English request would
    otherwise decide the language of whatever test runs next."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
