"""The citizen's course on My page: their cohort, the sessions with module,
place and teacher, their own attendance, and one calendar file with all the
sessions. Only the case's own citizen on their municipality's site; anybody
else gets a 404, anonymous visitors are sent to log in."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from backoffice.models import Case, CaseApplication, CourseSession, Enrolment
from backoffice.services import courses

User = get_user_model()
CPH = ZoneInfo("Europe/Copenhagen")
SYDBY_HOST = "localhost:8000"
S = Case.Status

pytestmark = pytest.mark.usefixtures("danish_without_scanner")


def staff(email):
    return User.objects.get(email=email)


def make_case(municipality, citizen, reference, status=S.ADMITTED):
    case = Case.objects.create(municipality=municipality, citizen=citizen, reference=reference, status=status,
                               submitted_at=timezone.now())
    CaseApplication.objects.create(case=case, full_name="Bo Borger", cpr_number="010190-1234")
    return case


def at(day, hour):
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CPH)


@pytest.fixture
def coordinator(demo):
    return staff("koordinator@nordby.example")


@pytest.fixture
def cohort(nordby, coordinator):
    today = timezone.localdate()
    cohort = courses.create_cohort(nordby, coordinator, name="Iværksætterholdet", capacity=1,
                                   starts_on=today - dt.timedelta(days=10),
                                   ends_on=today + dt.timedelta(days=150),
                                   place="Erhvervshuset; lokale 4")
    past, coming = today - dt.timedelta(days=3), today + dt.timedelta(days=4)
    courses.add_session(cohort, coordinator, starts_at=at(past, 9), ends_at=at(past, 12),
                        module=CourseSession.Module.BUDGET, teacher="Revisor Jensen")
    courses.add_session(cohort, coordinator, starts_at=at(coming, 9), ends_at=at(coming, 12),
                        module=CourseSession.Module.TAX_AND_VAT, title="Moms for begyndere")
    return cohort


@pytest.fixture
def case(nordby, citizen, cohort, coordinator):
    case = make_case(nordby, citizen, "NOR-2026-08001")
    enrolment = courses.enrol(case, coordinator, cohort)
    courses.record_attendance(cohort.sessions.first(), coordinator, {enrolment.pk: True})
    return case


def page(case):
    return reverse("my_page_course", kwargs={"reference": case.reference})


def ics(case):
    return reverse("my_page_course_ics", kwargs={"reference": case.reference})


def test_the_citizen_sees_cohort_sessions_and_attendance(client, citizen, case):
    client.force_login(citizen)
    response = client.get(page(case))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Iværksætterholdet" in text and "Erhvervshuset; lokale 4" in text
    assert "Revisor Jensen" in text and "Moms for begyndere" in text and "Budget" in text
    assert "Du var der." in text
    assert ics(case) in text
    assert "010190" not in text


def test_my_page_case_links_to_the_course(client, citizen, case):
    client.force_login(citizen)
    text = client.get(reverse("my_page_case", kwargs={"reference": case.reference})).content.decode()
    assert page(case) in text and "Iværksætterholdet" in text


def test_the_calendar_file_has_every_session(client, citizen, case, cohort):
    client.force_login(citizen)
    response = client.get(ics(case))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode("utf-8")
    unfolded = text.replace("\r\n ", "")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert unfolded.count("BEGIN:VEVENT") == 2
    for session in cohort.sessions.all():
        assert f"UID:course-session-{session.pk}@" in unfolded
        assert f"DTSTART:{session.starts_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}\r\n" in unfolded
    assert "LOCATION:Erhvervshuset\\; lokale 4\r\n" in unfolded
    assert "Moms for begyndere" in unfolded and "Nordby Kommune" in unfolded
    assert "010190" not in text and "Bo Borger" not in text


def test_a_changed_session_gets_a_higher_sequence(client, citizen, case, cohort, coordinator):
    session = cohort.sessions.last()
    courses.update_session(session, coordinator, teacher="Lone Berg")
    client.force_login(citizen)
    unfolded = client.get(ics(case)).content.decode().replace("\r\n ", "")
    block = unfolded.split(f"UID:course-session-{session.pk}@")[1].split("END:VEVENT")[0]
    assert "SEQUENCE:1\r\n" in block


def test_on_the_waiting_list_there_is_no_calendar(client, nordby, cohort, coordinator, case):
    citizen = User.objects.create_user(username="venter@nordby.example", email="venter@nordby.example",
                                       password="x")
    waiting = make_case(nordby, citizen, "NOR-2026-08002")
    courses.enrol(waiting, coordinator, cohort)
    client.force_login(citizen)
    response = client.get(page(waiting))
    assert response.status_code == 200 and "nummer 1" in response.content.decode()
    assert ics(waiting) not in response.content.decode()
    assert client.get(ics(waiting)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, case):
    for url in (page(case), ics(case)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_everybody_else_gets_a_404(client, citizen, nordby, case):
    other = User.objects.create_user(username="anden@nordby.example", email="anden@nordby.example",
                                     password="x")
    client.force_login(other)
    assert client.get(page(case)).status_code == 404
    assert client.get(ics(case)).status_code == 404
    client.force_login(staff("koordinator@nordby.example"))
    assert client.get(page(case)).status_code == 404
    client.force_login(citizen)
    assert client.get(page(case), HTTP_HOST=SYDBY_HOST).status_code == 404
    assert client.get(ics(case), HTTP_HOST=SYDBY_HOST).status_code == 404
    # A case of their own without a course.
    no_course = make_case(nordby, citizen, "NOR-2026-08003")
    assert client.get(page(no_course)).status_code == 404
    Case.objects.filter(pk=case.pk).update(status=S.ANONYMISED, anonymised_at=timezone.now())
    assert client.get(page(case)).status_code == 404


def test_a_participant_who_left_has_later_sessions_cancelled(client, citizen, case, cohort, coordinator):
    enrolment = Enrolment.objects.get(case=case)
    courses.end_enrolment(enrolment, coordinator, Enrolment.Status.LEFT_FOR_EMPLOYMENT)
    client.force_login(citizen)
    unfolded = client.get(ics(case)).content.decode().replace("\r\n ", "")
    later = cohort.sessions.last()
    block = unfolded.split(f"UID:course-session-{later.pk}@")[1].split("END:VEVENT")[0]
    assert "STATUS:CANCELLED" in block
