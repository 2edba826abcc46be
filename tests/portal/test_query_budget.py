"""The home and programme pages render in a fixed number of queries,
however many stories, events and news items editors publish."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import EventIndexPage, EventPage, NewsIndexPage, NewsPage, StoryIndexPage, StoryPage


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    return len(queries)


def _add_content(home, n, image):
    stories = StoryIndexPage.objects.child_of(home).get()
    events = EventIndexPage.objects.child_of(home).get()
    news = NewsIndexPage.objects.child_of(home).get()
    for i in range(n):
        stories.add_child(instance=StoryPage(
            title=f"Historie {i}", entrepreneur_name="Ny", business_name=f"Firma {i}", image=image,
            date=timezone.localdate(), body=[("paragraph", "<p>Tekst</p>")]))
        events.add_child(instance=EventPage(
            title=f"Møde {i}", starts_at=timezone.now() + datetime.timedelta(days=i + 1), location_name="Jobcentret"))
        news.add_child(instance=NewsPage(
            title=f"Nyhed {i}", date=timezone.localdate(), image=image, body=[("paragraph", "<p>Tekst</p>")]))


def test_home_and_programme_query_counts_do_not_grow_with_content(client, nordby):
    home = nordby.site.root_page.specific
    image = StoryPage.objects.exclude(image=None).first().image
    urls = ["/", "/saadan-fungerer-det/", "/en/"]
    for url in urls:  # warm per-process caches (site root paths, content types)
        client.get(url, HTTP_HOST="127.0.0.1:8000")
    before = {url: _count_queries(client, url) for url in urls}

    _add_content(home, 15, image)
    for url in urls:
        client.get(url, HTTP_HOST="127.0.0.1:8000")  # renditions for new images are created once
    after = {url: _count_queries(client, url) for url in urls}

    assert after == before
    assert before["/"] <= 40, f"the home page needs {before['/']} queries"
    assert before["/saadan-fungerer-det/"] <= 30
