"""The citizen's calendar file for a booked talk: their own talk on their
own municipality's site only (everybody else 404, anonymous visitors are
sent to log in), as a UTF-8 text/calendar download; My page links to it."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from backoffice.models import Case, CaseApplication, ScreeningTalk

User = get_user_model()
SYDBY_HOST = "localhost:8000"
PLACE = "Jobcenter Nordby; lokale 2, stuen"

pytestmark = pytest.mark.usefixtures("danish_without_scanner")


def make_case(municipality, citizen, reference):
    case = Case.objects.create(municipality=municipality, citizen=citizen, reference=reference,
                               status=Case.Status.SCREENING, submitted_at=timezone.now())
    CaseApplication.objects.create(case=case, full_name="Bo Borger", cpr_number="010190-1234")
    return case


def make_talk(case, **extra):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    return ScreeningTalk.objects.create(case=case, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                                        location=PLACE, **extra)


@pytest.fixture
def case(nordby, citizen):
    return make_case(nordby, citizen, "NOR-2026-07001")


@pytest.fixture
def talk(case):
    return make_talk(case)


def url(case, talk):
    return reverse("my_page_talk_ics", kwargs={"reference": case.reference, "pk": talk.pk})


def test_the_citizen_downloads_their_talk_as_a_calendar_file(client, citizen, case, talk):
    client.force_login(citizen)
    response = client.get(url(case, talk))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="samtale-{case.reference}-{talk.pk}.ics"'
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode("utf-8")
    unfolded = text.replace("\r\n ", "")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:Samtale om mikrolån – Nordby Kommune\r\n" in unfolded
    assert "LOCATION:Jobcenter Nordby\\; lokale 2\\, stuen\r\n" in unfolded
    assert f"DTSTART:{talk.starts_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}\r\n" in unfolded
    assert f"/my-page/cases/{case.reference}/" in unfolded
    assert "STATUS:CONFIRMED" in unfolded
    assert "010190" not in text and "Bo Borger" not in text


def test_a_cancelled_talk_tells_the_calendar_to_cancel_it(client, citizen, case):
    talk = make_talk(case, cancelled_at=timezone.now())
    client.force_login(citizen)
    assert b"STATUS:CANCELLED\r\n" in client.get(url(case, talk)).content


def test_anonymous_visitors_are_sent_to_log_in(client, case, talk):
    response = client.get(url(case, talk))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_everybody_else_gets_a_404(client, citizen, nordby, sydby, case, talk, demo):
    other = User.objects.create_user(username="anden@nordby.example", email="anden@nordby.example",
                                     password="x")
    client.force_login(other)
    assert client.get(url(case, talk)).status_code == 404
    # Staff of the municipality use the admin, not My page.
    client.force_login(User.objects.get(email="sagsbehandler@nordby.example"))
    assert client.get(url(case, talk)).status_code == 404

    client.force_login(citizen)
    # Their own case, but on the other municipality's site.
    assert client.get(url(case, talk), HTTP_HOST=SYDBY_HOST).status_code == 404
    # A talk of another case, under their own case's reference.
    other_case = make_case(nordby, other, "NOR-2026-07002")
    other_talk = make_talk(other_case)
    assert client.get(url(case, other_talk)).status_code == 404
    assert client.get(url(other_case, other_talk)).status_code == 404
    # Anonymised cases are gone.
    Case.objects.filter(pk=case.pk).update(status=Case.Status.ANONYMISED, anonymised_at=timezone.now())
    assert client.get(url(case, talk)).status_code == 404


def test_my_page_links_to_the_calendar_file_of_a_coming_talk(client, citizen, case, talk):
    client.force_login(citizen)
    page = client.get(reverse("my_page_case", kwargs={"reference": case.reference})).content.decode()
    assert url(case, talk) in page and "Føj til kalender (.ics)" in page
