"""Shared fixtures. The demo content is the test fixture: it is what a new
installation shows, so the tests exercise exactly that."""

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", quiet=True)


@pytest.fixture
def demo(db):
    """The seeded demo data. A transactional test before this one may have
    emptied the database; then seed again."""
    from backoffice.models import Municipality

    if not Municipality.objects.exists():
        call_command("seed_demo", quiet=True)
    return {m.slug: m for m in Municipality.objects.select_related("site", "loan_policy")}


@pytest.fixture
def nordby(demo):
    return demo["nordby"]


@pytest.fixture
def sydby(demo):
    return demo["sydby"]
