"""Screening talks: booking moves a new application into screening, every
change is audited on the case without free text, the citizen gets an e-mail
that says nothing but "see My page"; the calendar file is valid RFC 5545
(folded, escaped, CRLF, UTC) and says nothing the citizen does not know;
and every staff URL answers each role as the permission matrix says."""

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice import calendar
from backoffice.models import Case, CaseApplication, InformationRequest, JournalNote, ScreeningTalk
from backoffice.services import talks
from backoffice.services.transitions import StaleCase

S = Case.Status
User = get_user_model()
CPH = ZoneInfo("Europe/Copenhagen")
CPR = "010190-1234"
SECRET = "Borgeren fortalte om sin diagnose"
PLACE = "Jobcenter Nordby, mødelokale 3"


def user(email):
    return User.objects.get(email=email)


@pytest.fixture
def caseworker(demo):
    return user("sagsbehandler@nordby.example")


@pytest.fixture
def consultant(demo):
    return user("erhvervskonsulent@nordby.example")


@pytest.fixture
def citizen(demo):
    return user("borger@nordby.example")


def make_case(municipality, citizen=None, status=S.SUBMITTED):
    case = Case.objects.create(
        municipality=municipality, citizen=citizen, status=status, submitted_at=timezone.now(),
        reference=f"{municipality.slug[:3].upper()}-2026-{Case.objects.count() + 90001:05d}")
    CaseApplication.objects.create(case=case, full_name="Amina Hansen", cpr_number=CPR,
                                   email="amina@example.dk")
    return case


@pytest.fixture
def case(nordby, citizen):
    return make_case(nordby, citizen)


def later(days=2, hour=10, minute=0):
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CPH)


def book(case, by, **overrides):
    kwargs = {"starts_at": later(), "ends_at": later(hour=11), "location": PLACE}
    kwargs.update(overrides)
    return talks.book_talk(case, by, **kwargs)


def entries(case, action=None):
    qs = ModelLogEntry.objects.filter(content_type__model="case", object_id=str(case.pk))
    return qs.filter(action=action) if action else qs


def assert_no_free_text_in_log(case):
    dumped = json.dumps([e.data for e in entries(case)], ensure_ascii=False)
    for text in (PLACE, SECRET, CPR, "Amina", "meet.example", "syg"):
        assert text not in dumped


# --- Booking ---------------------------------------------------------------------------------------


def test_booking_a_new_application_moves_it_to_screening_audits_and_emails_without_content(
        case, caseworker, consultant, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        talk = book(case, caseworker, video_url="https://meet.example/abc", staff=[caseworker, consultant],
                    expected_version=1)

    talk.refresh_from_db()
    case.refresh_from_db()
    assert (talk.location, talk.video_url) == (PLACE, "https://meet.example/abc")
    assert set(talk.staff.all()) == {caseworker, consultant}
    assert case.status == S.SCREENING and case.version == 2
    booked = entries(case, talks.TALK_BOOKED_ACTION).get()
    assert booked.user == caseworker and booked.data["talk"] == talk.pk and booked.data["video"] is True
    assert booked.data["staff"] == sorted([caseworker.pk, consultant.pk])
    status = entries(case, "backoffice.case.status_changed").get()
    assert status.data["to"] == "screening" and status.data["reason"] == "talk_booked"
    assert_no_free_text_in_log(case)

    [email] = mail.outbox
    assert email.to == ["borger@nordby.example"]
    assert email.subject == "Vi har booket en samtale med dig"
    for text in (email.subject, email.body, email.alternatives[0][0]):
        assert "mødelokale" not in text and "meet.example" not in text and "Amina" not in text
        assert "010190" not in text
    assert f"/my-page/cases/{case.reference}/" in email.body and case.reference in email.body


def test_booking_during_screening_keeps_the_status_and_bumps_the_version(nordby, citizen, caseworker):
    case = make_case(nordby, citizen, S.SCREENING)
    book(case, caseworker)
    case.refresh_from_db()
    assert case.status == S.SCREENING and case.version == 2
    assert not entries(case, "backoffice.case.status_changed").exists()


def test_a_case_waiting_for_an_open_answer_keeps_waiting(nordby, citizen, caseworker):
    waiting = make_case(nordby, citizen, S.AWAITING_INFORMATION)
    InformationRequest.objects.create(case=waiting, question="Budget?", due_on=timezone.localdate(),
                                      created_by=caseworker)
    book(waiting, caseworker)
    waiting.refresh_from_db()
    assert waiting.status == S.AWAITING_INFORMATION

    answered = make_case(nordby, citizen, S.AWAITING_INFORMATION)
    book(answered, caseworker)
    answered.refresh_from_db()
    assert answered.status == S.SCREENING


@pytest.mark.parametrize(("overrides", "field"), [
    ({"location": "", "video_url": ""}, "location"),
    ({"ends_at": later(hour=9)}, "ends_at"),
    ({"ends_at": later(hour=10)}, "ends_at"),
    ({"starts_at": timezone.now() - dt.timedelta(hours=1), "ends_at": timezone.now()}, "starts_at"),
    ({"video_url": "http://meet.example/abc"}, "video_url"),
    ({"video_url": "javascript:alert(1)"}, "video_url"),
    ({"location": "x" * 201}, "location"),
])
def test_bookings_that_cannot_be_used_are_refused_per_field_and_nothing_is_saved(
        case, caseworker, overrides, field):
    with pytest.raises(ValidationError) as error:
        book(case, caseworker, **overrides)
    assert field in error.value.message_dict
    case.refresh_from_db()
    assert case.version == 1 and case.status == S.SUBMITTED and not case.talks.exists()


def test_only_staff_of_the_municipality_who_handle_cases_can_be_present(case, caseworker, demo):
    for outsider in (user("sagsbehandler@sydby.example"), user("redaktoer@nordby.example"),
                     user("styregruppe@nordby.example"), user("borger@nordby.example")):
        with pytest.raises(ValidationError) as error:
            book(case, caseworker, staff=[caseworker, outsider])
        assert "staff" in error.value.message_dict
    assert not case.talks.exists()
    assert set(talks.talk_staff(case.municipality_id)) >= {caseworker, user("koordinator@nordby.example")}


def test_staff_of_another_municipality_and_roles_without_case_work_cannot_book(case, demo):
    for email in ("sagsbehandler@sydby.example", "styregruppe@nordby.example", "redaktoer@nordby.example",
                  "borger@nordby.example"):
        with pytest.raises(PermissionDenied):
            book(case, user(email))
    assert not case.talks.exists() and not entries(case).exists()


def test_a_booking_on_an_outdated_page_is_refused(case, caseworker):
    book(case, caseworker, expected_version=1)
    with pytest.raises(StaleCase):
        book(case, caseworker, expected_version=1, starts_at=later(3), ends_at=later(3, 11))
    assert case.talks.count() == 1


def test_no_talks_after_the_admission_decision(nordby, citizen, caseworker):
    admitted = make_case(nordby, citizen, S.ADMITTED)
    with pytest.raises(talks.TalkRefused):
        book(admitted, caseworker)


# --- Changing, cancelling, outcome ---------------------------------------------------------------


def test_moving_a_talk_audits_times_before_and_after_and_tells_the_citizen(
        case, caseworker, consultant, django_capture_on_commit_callbacks):
    talk = book(case, caseworker, staff=[caseworker])
    old_start = talk.starts_at
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        talks.reschedule_talk(talk, caseworker, starts_at=later(5, 13), ends_at=later(5, 14),
                              location="Rådhuset", staff=[caseworker], expected_version=2)
    talk.refresh_from_db()
    assert talk.starts_at == later(5, 13) and talk.location == "Rådhuset"
    entry = entries(case, talks.TALK_RESCHEDULED_ACTION).get()
    assert entry.data["changed"] == ["ends_at", "location", "starts_at"]
    assert dt.datetime.fromisoformat(entry.data["before"]["starts_at"]) == old_start
    assert entry.data["after"]["starts_at"].endswith("+00:00")
    assert "Rådhuset" not in json.dumps(entry.data)
    [email] = mail.outbox
    assert email.subject == "Din samtale med os er ændret" and "Rådhuset" not in email.body

    # Only who takes part changed: nothing for the citizen to know.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        talks.reschedule_talk(talk, caseworker, starts_at=later(5, 13), ends_at=later(5, 14),
                              location="Rådhuset", staff=[caseworker, consultant])
    assert mail.outbox == [] and set(talk.staff.all()) == {caseworker, consultant}
    # Nothing changed: nothing recorded.
    count = entries(case).count()
    talks.reschedule_talk(talk, caseworker, starts_at=later(5, 13), ends_at=later(5, 14),
                          location="Rådhuset", staff=[caseworker, consultant])
    assert entries(case).count() == count


def test_cancelling_notes_the_reason_on_the_case_and_tells_the_citizen(
        case, caseworker, django_capture_on_commit_callbacks):
    talk = book(case, caseworker)
    with pytest.raises(ValidationError):
        talks.cancel_talk(talk, caseworker, "  ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        talks.cancel_talk(talk, caseworker, "Borgeren har ringet og er syg.")
    talk.refresh_from_db()
    assert talk.cancelled_at is not None
    note = JournalNote.objects.get(case=case)
    assert "Borgeren har ringet og er syg." in note.body and note.author == caseworker
    assert note.body.startswith("Samtalen den ")
    entry = entries(case, talks.TALK_CANCELLED_ACTION).get()
    assert entry.data["note"] == note.pk
    assert_no_free_text_in_log(case)
    [email] = mail.outbox
    assert email.subject == "Din samtale med os er aflyst" and "syg" not in email.body

    with pytest.raises(talks.TalkRefused):
        talks.cancel_talk(talk, caseworker, "Igen")
    with pytest.raises(talks.TalkRefused):
        talks.reschedule_talk(talk, caseworker, starts_at=later(4), ends_at=later(4, 11), location="X")


def test_the_outcome_is_written_after_the_talk_and_kept_on_it(case, caseworker):
    talk = book(case, caseworker)
    with pytest.raises(talks.TalkRefused):
        talks.record_talk_outcome(talk, caseworker, SECRET)
    with pytest.raises(ValidationError):
        talks.record_talk_outcome(talk, caseworker, "", now=talk.starts_at)

    talks.record_talk_outcome(talk, caseworker, SECRET, now=talk.ends_at)
    talks.record_talk_outcome(talk, caseworker, SECRET + " og sin familie.", now=talk.ends_at)
    talk.refresh_from_db()
    assert talk.outcome_notes == SECRET + " og sin familie."
    first, second = entries(case, talks.TALK_OUTCOME_ACTION).order_by("pk")
    assert (first.data["corrected"], second.data["corrected"]) == (False, True)
    assert_no_free_text_in_log(case)
    with pytest.raises(talks.TalkRefused):
        talks.reschedule_talk(talk, caseworker, starts_at=later(6), ends_at=later(6, 11), location="X")


def test_changes_by_staff_of_another_municipality_are_refused(case, caseworker, demo):
    talk = book(case, caseworker)
    sydby = user("sagsbehandler@sydby.example")
    with pytest.raises(PermissionDenied):
        talks.reschedule_talk(talk, sydby, starts_at=later(4), ends_at=later(4, 11), location="X")
    with pytest.raises(PermissionDenied):
        talks.cancel_talk(talk, sydby, "Nej")
    with pytest.raises(PermissionDenied):
        talks.record_talk_outcome(talk, sydby, "Nej", now=talk.ends_at)


# --- The calendar file ---------------------------------------------------------------------------


def unfold(data):
    """Content lines of an .ics file, as a reader sees them (RFC 5545 3.1)."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def unescape(value):
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def properties(data):
    lines = unfold(data)
    return {line.split(":", 1)[0]: line.split(":", 1)[1] for line in lines}, lines


def test_the_calendar_file_parses_back_with_utc_times_and_no_personal_data(case, caseworker):
    summer = dt.datetime(2030, 6, 3, 10, 0, tzinfo=CPH)
    talk = ScreeningTalk.objects.create(case=case, starts_at=summer, ends_at=summer + dt.timedelta(hours=1),
                                        location=PLACE, video_url="https://meet.example/abc")
    data = calendar.talk_ics(talk, my_page_url="https://nordby.example/my-page/cases/X/",
                             now=dt.datetime(2030, 5, 1, 12, 0, tzinfo=dt.UTC))
    props, lines = properties(data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == 1 and "END:VEVENT" in lines
    assert props["VERSION"] == "2.0" and props["METHOD"] == "PUBLISH" and props["PRODID"]
    assert props["UID"] == f"screening-talk-{talk.pk}@127.0.0.1"
    assert props["DTSTAMP"] == "20300501T120000Z"
    assert (props["DTSTART"], props["DTEND"]) == ("20300603T080000Z", "20300603T090000Z")
    assert unescape(props["SUMMARY"]) == "Samtale om mikrolån – Nordby Kommune"
    assert unescape(props["LOCATION"]) == PLACE
    assert props["STATUS"] == "CONFIRMED" and props["SEQUENCE"] == "0"
    assert props["URL"] == "https://meet.example/abc"
    description = unescape(props["DESCRIPTION"])
    assert case.reference in description and "https://meet.example/abc" in description
    assert "https://nordby.example/my-page/cases/X/" in description
    text = data.decode()
    for secret in ("Amina", "010190", "Hansen"):
        assert secret not in text


def test_a_video_meeting_without_a_place_uses_the_link_as_location(case):
    start = later(3)
    talk = ScreeningTalk.objects.create(case=case, starts_at=start, ends_at=start + dt.timedelta(minutes=45),
                                        video_url="https://meet.example/x")
    props, _ = properties(calendar.talk_ics(talk))
    assert unescape(props["LOCATION"]) == "https://meet.example/x"


def test_long_lines_are_folded_at_75_octets_without_splitting_characters():
    text = "Æblegrød og ørredsø på Ålandsvej " * 12
    line = "DESCRIPTION:" + calendar.escape_text(text)
    folded = calendar.fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 3
    for index, piece in enumerate(pieces):
        assert len(piece.encode("utf-8")) <= 75
        assert index == 0 or piece.startswith(" ")
    assert folded.replace("\r\n ", "") == line
    assert calendar.fold("SHORT:x") == "SHORT:x"
    exact = "X" * 75
    assert calendar.fold(exact) == exact and calendar.fold(exact + "Y") == exact + "\r\n Y"


def test_text_values_are_escaped_and_read_back():
    raw = "Rådhuset; 2. sal, lokale \\B\\\r\nIndgang fra gården\nBring ID"
    escaped = calendar.escape_text(raw)
    assert escaped == "Rådhuset\\; 2. sal\\, lokale \\\\B\\\\\\nIndgang fra gården\\nBring ID"
    assert unescape(escaped) == raw.replace("\r\n", "\n")
    assert calendar.escape_text("a\x00b\x1fc\td") == "abc\td"


def test_escaping_and_folding_survive_a_whole_file(case):
    start = later(3)
    place = "Rådhuset; 2. sal, lokale \\B\nIndgang fra gården, " + "meget lang vejbeskrivelse " * 5
    talk = ScreeningTalk.objects.create(case=case, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                                        location=place)
    data = calendar.talk_ics(talk)
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")
    props, _ = properties(data)
    assert unescape(props["LOCATION"]) == place


def test_a_cancelled_talk_keeps_its_uid_and_says_cancelled_with_a_higher_sequence(case, caseworker):
    talk = book(case, caseworker)
    before, _ = properties(calendar.talk_ics(talk, sequence=talks.talk_sequence(talk)))
    talks.reschedule_talk(talk, caseworker, starts_at=later(4), ends_at=later(4, 11), location=PLACE)
    talks.cancel_talk(talk, caseworker, "Syg")
    talk.refresh_from_db()
    after, _ = properties(calendar.talk_ics(talk, sequence=talks.talk_sequence(talk)))
    assert before["UID"] == after["UID"]
    assert (before["STATUS"], after["STATUS"]) == ("CONFIRMED", "CANCELLED")
    assert (before["SEQUENCE"], after["SEQUENCE"]) == ("0", "2")
    assert "aflyst" in unescape(after["DESCRIPTION"])


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        calendar.format_utc(dt.datetime(2030, 1, 1, 10, 0))


# --- Staff views ---------------------------------------------------------------------------------

ALLOWED = ["sagsbehandler@nordby.example", "erhvervskonsulent@nordby.example", "koordinator@nordby.example"]
FORBIDDEN = ["styregruppe@nordby.example", "redaktoer@nordby.example"]
HIDDEN = ["sagsbehandler@sydby.example", "erhvervskonsulent@sydby.example", "koordinator@sydby.example"]


@pytest.fixture
def booked(case, caseworker):
    return book(case, caseworker)


def staff_urls(case, talk):
    return {
        "talk_new": reverse("backoffice:talk_new", args=[case.pk]),
        "talk": reverse("backoffice:talk", args=[case.pk, talk.pk]),
        "talk_ics": reverse("backoffice:talk_ics", args=[case.pk, talk.pk]),
    }


def outcome(response):
    """200, 404, or "denied": Wagtail answers a PermissionDenied in the
    admin with a redirect to the dashboard and a message."""
    if response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"):
        return "denied"
    return response.status_code


def post_data(name, case):
    if name == "talk_new":
        day = timezone.localdate() + dt.timedelta(days=7)
        return {"date": day.isoformat(), "start_time": "10:00", "end_time": "11:00", "location": PLACE,
                "version": case.version}
    return {"action": "cancel", "reason": "Borgeren er syg", "version": case.version}


@pytest.mark.parametrize("name", ["talk_new", "talk", "talk_ics"])
@pytest.mark.parametrize(("email", "expected"), [*[(e, 200) for e in ALLOWED],
                                                 *[(e, "denied") for e in FORBIDDEN],
                                                 *[(e, 404) for e in HIDDEN]])
def test_staff_permission_matrix(client, case, booked, name, email, expected):
    client.force_login(user(email))
    url = staff_urls(case, booked)[name]
    case.refresh_from_db()
    response = client.get(url)
    assert outcome(response) == expected
    if expected != 200:
        assert PLACE.encode() not in response.content and b"BEGIN:VCALENDAR" not in response.content
    if name != "talk_ics":
        response = client.post(url, post_data(name, case))
        assert outcome(response) == (302 if expected == 200 else expected)
        booked_now = 2 if name == "talk_new" and expected == 200 else 1
        assert ScreeningTalk.objects.filter(case=case).count() == booked_now
        booked.refresh_from_db()
        assert (booked.cancelled_at is not None) == (name == "talk" and expected == 200)


@pytest.mark.parametrize("name", ["talk_new", "talk", "talk_ics"])
def test_citizens_and_anonymous_visitors_do_not_get_in(client, case, booked, citizen, name):
    url = staff_urls(case, booked)[name]
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(citizen)
    response = client.get(url)
    assert response.status_code == 302 and "/casework/" not in response["Location"]
    assert b"BEGIN:VCALENDAR" not in response.content and PLACE.encode() not in response.content


def test_a_talk_of_another_case_is_not_found(client, nordby, citizen, caseworker, booked):
    other = make_case(nordby, citizen)
    client.force_login(caseworker)
    assert client.get(reverse("backoffice:talk", args=[other.pk, booked.pk])).status_code == 404
    assert client.get(reverse("backoffice:talk_ics", args=[other.pk, booked.pk])).status_code == 404


def test_booking_through_the_form_in_danish_time(client, case, caseworker, consultant,
                                                 django_capture_on_commit_callbacks):
    client.force_login(caseworker)
    page = client.get(reverse("backoffice:talk_new", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="date"' in html and 'type="time"' in html and consultant.get_full_name() in html
    assert "sydby" not in html.lower()
    day = timezone.localdate() + dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("backoffice:talk_new", args=[case.pk]), {
            "date": day.isoformat(), "start_time": "09:30", "end_time": "10:15", "location": PLACE,
            "video_url": "", "staff": [caseworker.pk, consultant.pk], "version": case.version,
        })
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:case", args=[case.pk]) + "#talks-section"
    talk = case.talks.get()
    assert talk.starts_at == dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=CPH)
    assert talk.ends_at - talk.starts_at == dt.timedelta(minutes=45)
    assert set(talk.staff.all()) == {caseworker, consultant}


def test_form_errors_are_shown_next_to_the_fields(client, case, caseworker, demo):
    client.force_login(caseworker)
    day = timezone.localdate() + dt.timedelta(days=7)
    url = reverse("backoffice:talk_new", args=[case.pk])
    data = {"date": day.isoformat(), "start_time": "10:00", "end_time": "11:00", "location": "",
            "video_url": "", "version": case.version}
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    # The service's check, shown in the place field's own error box.
    assert re.search(r'w-field--error.*?Angiv et sted eller et link til et videomøde\.', html, re.S)
    response = client.post(url, {**data, "location": PLACE, "video_url": "http://meet.example/x"})
    assert "begynder med https://" in response.content.decode()
    response = client.post(url, {**data, "location": PLACE, "end_time": "09:00"})
    assert "Samtalen skal slutte, efter den begynder." in response.content.decode()
    outsider = user("sagsbehandler@sydby.example")
    response = client.post(url, {**data, "location": PLACE, "staff": [outsider.pk]})
    assert response.status_code == 400 and "error-message" in response.content.decode()
    assert not case.talks.exists()


def test_a_stale_form_is_refused_with_a_message(client, case, caseworker):
    client.force_login(caseworker)
    day = timezone.localdate() + dt.timedelta(days=7)
    data = {"date": day.isoformat(), "start_time": "10:00", "end_time": "11:00", "location": PLACE,
            "version": case.version}
    Case.objects.filter(pk=case.pk).update(version=5)
    response = client.post(reverse("backoffice:talk_new", args=[case.pk]), data)
    assert response.status_code == 400 and "Genindlæs siden" in response.content.decode()
    assert not case.talks.exists()


def test_the_talk_page_changes_cancels_and_records_the_outcome(client, case, caseworker, booked):
    client.force_login(caseworker)
    url = reverse("backoffice:talk", args=[case.pk, booked.pk])
    page = client.get(url).content.decode()
    assert PLACE in page and 'value="reschedule"' in page and 'value="cancel"' in page
    assert 'value="outcome"' not in page  # the talk has not started

    day = timezone.localdate() + dt.timedelta(days=9)
    response = client.post(url, {"action": "reschedule", "date": day.isoformat(), "start_time": "13:00",
                                 "end_time": "14:00", "location": "Rådhuset", "version": 2})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.location == "Rådhuset" and timezone.localtime(booked.starts_at).hour == 13

    response = client.post(url, {"action": "cancel", "reason": "", "version": 3})
    assert response.status_code == 400 and "error-message" in response.content.decode()
    response = client.post(url, {"action": "cancel", "reason": "Borgeren er syg", "version": 3})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.cancelled_at is not None
    page = client.get(url).content.decode()
    assert 'value="reschedule"' not in page and 'value="cancel"' not in page

    assert client.post(url, {"action": "nonsense"}).status_code == 400


def test_the_outcome_form_appears_once_the_talk_has_started(client, case, caseworker, booked):
    ScreeningTalk.objects.filter(pk=booked.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(caseworker)
    url = reverse("backoffice:talk", args=[case.pk, booked.pk])
    assert 'value="outcome"' in client.get(url).content.decode()
    response = client.post(url, {"action": "outcome", "outcome_notes": SECRET, "version": 2})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.outcome_notes == SECRET


def test_staff_download_the_same_calendar_file(client, case, caseworker, booked):
    client.force_login(caseworker)
    response = client.get(reverse("backoffice:talk_ics", args=[case.pk, booked.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    props, _ = properties(response.content)
    assert props["UID"] == calendar.talk_uid(booked)


def test_the_case_page_sections_render(client, case, caseworker, booked):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = caseworker
    case = Case.objects.prefetch_related("talks__staff", "assessments__assessor").get(pk=case.pk)
    html = render_to_string("backoffice/case/_talks.html", {"case": case, "can_book_talk": True}, request=request)
    assert html.count("<section") == 1 and "<h2" in html and PLACE in html
    assert reverse("backoffice:talk_new", args=[case.pk]) in html
    assert reverse("backoffice:talk", args=[case.pk, booked.pk]) in html

    request.user = user("styregruppe@nordby.example")
    html = render_to_string("backoffice/case/_talks.html", {"case": case, "can_book_talk": True}, request=request)
    assert reverse("backoffice:talk_new", args=[case.pk]) not in html
