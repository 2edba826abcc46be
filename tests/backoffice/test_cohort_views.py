"""The cohort screens in the admin: who may read and who may write, the
forms that call the course services, the attendance register as one form,
another municipality's cohort as a 404, and a cohort page whose query count
does not grow with the number of participants. Also the case page's course
section, rendered from the prefetches the case page is asked to make."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backoffice.models import (
    Attendance, Case, CaseApplication, CoachingNote, Cohort, CourseSession, Enrolment,
)
from backoffice.services import courses

S = Case.Status
E = Enrolment.Status
User = get_user_model()
CPH = ZoneInfo("Europe/Copenhagen")
REFUSED = {302, 403}


def refused(response):
    """Wagtail turns a PermissionDenied into a redirect to the dashboard with a message."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def user(email):
    return User.objects.get(email=email)


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


@pytest.fixture
def consultant(demo):
    return user("erhvervskonsulent@nordby.example")


@pytest.fixture
def caseworker(demo):
    return user("sagsbehandler@nordby.example")


_refs = iter(range(60001, 99999))


def make_case(municipality, status=S.ADMITTED, name="Amina Hansen"):
    case = Case.objects.create(
        municipality=municipality, status=status, submitted_at=timezone.now(),
        reference=f"{municipality.slug[:3].upper()}-2026-{next(_refs):05d}")
    CaseApplication.objects.create(case=case, full_name=name, cpr_number="010190-1234")
    return case


def make_cohort(municipality, by, name="Hold forår", capacity=20):
    today = timezone.localdate()
    return courses.create_cohort(municipality, by, name=name, capacity=capacity,
                                 starts_on=today - dt.timedelta(days=10),
                                 ends_on=today + dt.timedelta(days=170), place="Erhvervshuset, lokale 4")


def past_session(cohort, by, days_ago=2):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return courses.add_session(cohort, by, starts_at=dt.datetime(day.year, day.month, day.day, 9, tzinfo=CPH),
                               ends_at=dt.datetime(day.year, day.month, day.day, 12, tzinfo=CPH),
                               module=CourseSession.Module.BUDGET, teacher="Revisor Jensen")


@pytest.fixture
def cohort(nordby, coordinator):
    return make_cohort(nordby, coordinator)


# --- Reading ----------------------------------------------------------------------------------------


def test_the_list_shows_only_the_own_municipality(client, nordby, sydby, cohort, caseworker):
    other = make_cohort(sydby, user("koordinator@sydby.example"), name="Sydby-holdet")
    client.force_login(caseworker)
    response = client.get(reverse("backoffice:cohorts"))
    assert response.status_code == 200
    assert cohort.name in response.content.decode() and other.name not in response.content.decode()
    # A caseworker reads but does not create.
    assert reverse("backoffice:cohort_new") not in response.content.decode()


@pytest.mark.parametrize("email", ["koordinator@nordby.example", "erhvervskonsulent@nordby.example",
                                   "sagsbehandler@nordby.example"])
def test_case_staff_read_the_cohort_page(client, cohort, email):
    client.force_login(user(email))
    response = client.get(reverse("backoffice:cohort", args=[cohort.pk]))
    assert response.status_code == 200
    assert "Erhvervshuset, lokale 4" in response.content.decode()


def test_another_municipality_gets_404_everywhere(client, cohort, coordinator, nordby):
    session = past_session(cohort, coordinator)
    enrolment = courses.enrol(make_case(nordby), coordinator, cohort)
    client.force_login(user("koordinator@sydby.example"))
    for name, args in [("cohort", [cohort.pk]), ("cohort_edit", [cohort.pk]),
                       ("cohort_session_new", [cohort.pk]), ("cohort_session", [cohort.pk, session.pk]),
                       ("cohort_attendance", [cohort.pk, session.pk])]:
        assert client.get(reverse(f"backoffice:{name}", args=args)).status_code == 404, name
    for name, args in [("cohort_enrol", [cohort.pk]), ("cohort_note", [cohort.pk]),
                       ("cohort_end_enrolment", [cohort.pk, enrolment.pk]),
                       ("cohort_attendance", [cohort.pk, session.pk])]:
        assert client.post(reverse(f"backoffice:{name}", args=args), {}).status_code == 404, name
    assert Enrolment.objects.get(pk=enrolment.pk).status == E.ENROLLED


def test_roles_without_cases_citizens_and_anonymous_are_refused(client, cohort):
    url = reverse("backoffice:cohort", args=[cohort.pk])
    for email in ("redaktoer@nordby.example", "styregruppe@nordby.example", "borger@nordby.example"):
        client.force_login(user(email))
        assert client.get(url).status_code in REFUSED, email
        assert client.get(reverse("backoffice:cohorts")).status_code in REFUSED, email
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_caseworker_without_manage_course_may_not_write(client, cohort, caseworker, coordinator, nordby):
    session = past_session(cohort, coordinator)
    case = make_case(nordby)
    enrolment = courses.enrol(make_case(nordby), coordinator, cohort)
    client.force_login(caseworker)
    assert refused(client.get(reverse("backoffice:cohort_new")))
    assert refused(client.post(reverse("backoffice:cohort_new"), {"name": "X"}))
    assert refused(client.get(reverse("backoffice:cohort_edit", args=[cohort.pk])))
    assert refused(client.get(reverse("backoffice:cohort_session_new", args=[cohort.pk])))
    assert refused(client.post(reverse("backoffice:cohort_enrol", args=[cohort.pk]), {"case": case.pk}))
    assert refused(client.post(reverse("backoffice:cohort_end_enrolment", args=[cohort.pk, enrolment.pk]),
                       {"outcome": "dropped_out"}))
    assert refused(client.post(reverse("backoffice:cohort_note", args=[cohort.pk]), {"body": "x"}))
    url = reverse("backoffice:cohort_attendance", args=[cohort.pk, session.pk])
    assert client.get(url).status_code == 200  # reads the register
    assert refused(client.post(url, {f"present-{enrolment.pk}": "on"}))
    assert not Attendance.objects.exists()
    assert Case.objects.get(pk=case.pk).status == S.ADMITTED


# --- Writing ----------------------------------------------------------------------------------------


def test_a_coordinator_creates_and_changes_a_cohort(client, nordby, coordinator, consultant):
    client.force_login(coordinator)
    response = client.get(reverse("backoffice:cohort_new"))
    assert response.status_code == 200 and 'value="20"' in response.content.decode()
    response = client.post(reverse("backoffice:cohort_new"), {
        "name": "Hold efterår 2026", "starts_on": "2026-09-01", "ends_on": "2027-02-28", "capacity": "18",
        "place": "Jobcentret", "responsible": [consultant.pk]})
    cohort = Cohort.objects.get(name="Hold efterår 2026")
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:cohort", args=[cohort.pk])
    assert cohort.municipality == nordby and cohort.capacity == 18
    assert list(cohort.responsible.all()) == [consultant]
    response = client.post(reverse("backoffice:cohort_edit", args=[cohort.pk]), {
        "name": "Hold efterår 2026", "starts_on": "2026-09-01", "ends_on": "2026-08-01", "capacity": "18"})
    assert response.status_code == 400
    response = client.post(reverse("backoffice:cohort_edit", args=[cohort.pk]), {
        "name": "Hold efterår 2026", "starts_on": "2026-09-01", "ends_on": "2027-02-28", "capacity": "22",
        "place": "Jobcentret", "responsible": [consultant.pk, coordinator.pk]})
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.capacity == 22 and cohort.responsible.count() == 2


def test_the_same_name_twice_is_shown_on_the_form(client, cohort, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("backoffice:cohort_new"), {
        "name": cohort.name, "starts_on": "2026-09-01", "ends_on": "2027-02-28", "capacity": "20"})
    assert response.status_code == 400
    assert "already has a cohort" in response.content.decode() or "allerede" in response.content.decode()


def test_sessions_are_added_and_changed(client, cohort, consultant):
    client.force_login(consultant)
    day = cohort.starts_on + dt.timedelta(days=20)
    response = client.post(reverse("backoffice:cohort_session_new", args=[cohort.pk]), {
        "date": day.isoformat(), "start_time": "09:00", "end_time": "12:00", "module": "marketing",
        "title": "Sociale medier", "teacher": "Lone Berg"})
    assert response.status_code == 302
    session = CourseSession.objects.get(cohort=cohort)
    assert session.starts_at == dt.datetime(day.year, day.month, day.day, 9, tzinfo=CPH)
    response = client.post(reverse("backoffice:cohort_session", args=[cohort.pk, session.pk]), {
        "date": day.isoformat(), "start_time": "10:00", "end_time": "13:00", "module": "marketing",
        "title": "Sociale medier", "teacher": "Lone Berg"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at.astimezone(CPH).hour == 10
    # Outside the course's dates: shown on the form, nothing saved.
    late = cohort.ends_on + dt.timedelta(days=3)
    response = client.post(reverse("backoffice:cohort_session_new", args=[cohort.pk]), {
        "date": late.isoformat(), "start_time": "09:00", "end_time": "12:00", "module": "budget"})
    assert response.status_code == 400 and CourseSession.objects.filter(cohort=cohort).count() == 1


def test_enrol_end_and_waiting_list_from_the_cohort_page(client, nordby, coordinator):
    cohort = make_cohort(nordby, coordinator, name="Lille hold", capacity=1)
    first, second = make_case(nordby, name="Første Deltager"), make_case(nordby, name="Anden Deltager")
    not_admitted = make_case(nordby, status=S.SCREENING, name="Ikke Optaget")
    client.force_login(coordinator)
    page = client.get(reverse("backoffice:cohort", args=[cohort.pk])).content.decode()
    assert first.reference in page and second.reference in page and not_admitted.reference not in page
    enrol_url = reverse("backoffice:cohort_enrol", args=[cohort.pk])
    assert client.post(enrol_url, {"case": first.pk}).status_code == 302
    assert client.post(enrol_url, {"case": second.pk}).status_code == 302
    assert client.post(enrol_url, {"case": not_admitted.pk}).status_code == 302  # refused with a message
    assert not Enrolment.objects.filter(case=not_admitted).exists()
    assert Case.objects.get(pk=first.pk).status == S.IN_COURSE
    waiting = Enrolment.objects.get(case=second)
    assert (waiting.status, waiting.waiting_position) == (E.WAITING, 1)

    placed = Enrolment.objects.get(case=first)
    response = client.post(reverse("backoffice:cohort_end_enrolment", args=[cohort.pk, placed.pk]),
                           {"outcome": "left_for_employment"}, follow=True)
    assert response.status_code == 200
    assert Case.objects.get(pk=first.pk).status == S.LEFT_FOR_EMPLOYMENT
    assert Enrolment.objects.get(case=second).status == E.ENROLLED
    assert Case.objects.get(pk=second.pk).status == S.IN_COURSE
    assert second.reference in "".join(str(m) for m in response.context["messages"])


def test_the_attendance_register_is_one_form(client, nordby, cohort, coordinator):
    session = past_session(cohort, coordinator)
    a = courses.enrol(make_case(nordby, name="Anne"), coordinator, cohort)
    b = courses.enrol(make_case(nordby, name="Bo"), coordinator, cohort)
    client.force_login(coordinator)
    url = reverse("backoffice:cohort_attendance", args=[cohort.pk, session.pk])
    page = client.get(url).content.decode()
    assert f'name="present-{a.pk}"' in page and f'name="present-{b.pk}"' in page
    response = client.post(url, {f"present-{a.pk}": "on", f"note-{b.pk}": "Syg"})
    assert response.status_code == 302
    assert {(x.enrolment_id, x.present, x.note) for x in Attendance.objects.filter(session=session)} == {
        (a.pk, True, ""), (b.pk, False, "Syg")}
    page = client.get(reverse("backoffice:cohort", args=[cohort.pk])).content.decode()
    assert "1 of 2" in page or "1 af 2" in page


def test_a_coaching_note_for_one_participant_and_for_the_group(client, nordby, cohort, consultant):
    a = courses.enrol(make_case(nordby), consultant, cohort)
    client.force_login(consultant)
    url = reverse("backoffice:cohort_note", args=[cohort.pk])
    assert client.post(url, {"enrolment": a.pk, "body": "Budgettet er realistisk nu."}).status_code == 302
    assert client.post(url, {"enrolment": "", "body": "Fælles: prissætning."}).status_code == 302
    assert CoachingNote.objects.get(case=a.case).body == "Budgettet er realistisk nu."
    assert CoachingNote.objects.get(cohort=cohort).body == "Fælles: prissætning."
    assert client.post(url, {"enrolment": "", "body": ""}).status_code == 400


# --- Query counts -------------------------------------------------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_cohort_page_runs_as_many_queries_for_15_participants_as_for_1(client, nordby, coordinator):
    small = make_cohort(nordby, coordinator, name="Et", capacity=1)
    big = make_cohort(nordby, coordinator, name="Femten", capacity=14)
    for cohort, count in ((small, 2), (big, 15)):  # the last one of each waits
        session = past_session(cohort, coordinator)
        enrolments = [courses.enrol(make_case(nordby), coordinator, cohort) for _ in range(count)]
        marks = {e.pk: True for e in enrolments if e.status == E.ENROLLED}
        courses.record_attendance(session, coordinator, marks)
        courses.add_coaching_note(cohort, coordinator, "Gruppe")
        make_case(nordby)  # an admitted case without a place, for the enrol form
    client.force_login(coordinator)
    url = lambda c: reverse("backoffice:cohort", args=[c.pk])  # noqa: E731
    _count_queries(client, url(small))  # warm caches (content types, permissions)
    assert _count_queries(client, url(small)) == _count_queries(client, url(big))
    def register(c):
        return reverse("backoffice:cohort_attendance", args=[c.pk, c.sessions.get().pk])

    assert _count_queries(client, register(small)) == _count_queries(client, register(big))


# --- The case page's section ---------------------------------------------------------------------


# What the case page should prefetch for the course section.
COURSE_PREFETCHES = (
    Prefetch("enrolments", queryset=Enrolment.objects.select_related("cohort").annotate(
        attended=Count("attendance", filter=Q(attendance__present=True)), registered=Count("attendance"))),
    Prefetch("coaching_notes", queryset=CoachingNote.objects.select_related("author")),
)


def test_the_case_section_shows_course_attendance_and_notes_without_extra_queries(
        rf, nordby, cohort, coordinator):
    case = make_case(nordby)
    enrolment = courses.enrol(case, coordinator, cohort)
    session = past_session(cohort, coordinator)
    past_session(cohort, coordinator, days_ago=1)
    courses.record_attendance(session, coordinator, {enrolment.pk: True})
    courses.add_coaching_note(case, coordinator, "Godt i gang med budgettet.")
    loaded = Case.objects.prefetch_related(*COURSE_PREFETCHES).get(pk=case.pk)
    request = rf.get("/")
    request.user = coordinator
    from django.contrib.auth.context_processors import PermWrapper

    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("backoffice/case/_course.html",
                                {"case": loaded, "perms": PermWrapper(coordinator)}, request=request)
    permission_queries = [q for q in queries if "auth_" in q["sql"] or "permission" in q["sql"]]
    assert len(queries) == len(permission_queries)
    assert cohort.name in html and reverse("backoffice:cohort", args=[cohort.pk]) in html
    assert "Godt i gang med budgettet." in html
    assert "1 of 1" in html or "1 af 1" in html


def test_the_forms_open_filled_in(client, cohort, coordinator):
    session = past_session(cohort, coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("backoffice:cohort_edit", args=[cohort.pk])).content.decode()
    assert f'value="{cohort.name}"' in page and 'value="20"' in page
    page = client.get(reverse("backoffice:cohort_session", args=[cohort.pk, session.pk])).content.decode()
    assert 'value="09:00"' in page and 'value="Revisor Jensen"' in page
    assert client.get(reverse("backoffice:cohort_session_new", args=[cohort.pk])).status_code == 200


def test_the_menu_shows_cohorts_to_case_staff_only(client, demo):
    client.force_login(user("sagsbehandler@nordby.example"))
    assert reverse("backoffice:cohorts") in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(user("redaktoer@nordby.example"))
    assert reverse("backoffice:cohorts") not in client.get(reverse("wagtailadmin_home")).content.decode()
