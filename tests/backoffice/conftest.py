import itertools

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Site

from backoffice.models import Case, Municipality

from ..conftest import wagtail_root_page

_seq = itertools.count(1)


@pytest.fixture
def make_municipality(db):
    def make(name=None):
        n = next(_seq)
        site = Site.objects.create(
            hostname=f"m{n}.test", port=80, root_page=wagtail_root_page(), site_name=name or f"M{n}"
        )
        return Municipality.objects.create(name=name or f"Municipality {n}", slug=f"m{n}", site=site)

    return make


@pytest.fixture
def municipality(make_municipality):
    return make_municipality("Nordby")


@pytest.fixture
def make_user(db):
    def make(username=None, **extra):
        return get_user_model().objects.create_user(
            username=username or f"user{next(_seq)}", password="x", **extra
        )

    return make


@pytest.fixture
def staff(make_user):
    return make_user("caseworker", is_staff=True)


@pytest.fixture
def other_staff(make_user):
    return make_user("coordinator", is_staff=True)


@pytest.fixture
def case(municipality):
    return Case.objects.create(municipality=municipality, reference="NOR-2026-00001")
