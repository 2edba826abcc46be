"""The course services: cohorts and sessions, places and the waiting list
(moved up automatically when a place frees), how the course ends (with the
case's status and the person-group marker), attendance and coaching notes.
Every change to a case is on the case's audit log without free text; other
municipalities and roles without ``manage_course`` are refused."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice.models import (
    Attendance, Case, CaseApplication, CoachingNote, Cohort, CourseSession, Enrolment,
)
from backoffice.services import courses
from backoffice.services.courses import CourseRefused

from .concurrency import requires_postgres, run_at_once

S = Case.Status
E = Enrolment.Status
User = get_user_model()
CPH = ZoneInfo("Europe/Copenhagen")
SECRET = "Deltageren fortalte om sin gæld"


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


@pytest.fixture
def sydby_coordinator(demo):
    return user("koordinator@sydby.example")


_refs = iter(range(50001, 99999))


def make_case(municipality, status=S.ADMITTED, citizen=None):
    case = Case.objects.create(
        municipality=municipality, citizen=citizen, status=status, submitted_at=timezone.now(),
        reference=f"{municipality.slug[:3].upper()}-2026-{next(_refs):05d}")
    CaseApplication.objects.create(case=case, full_name="Amina Hansen", cpr_number="010190-1234")
    return case


def make_cohort(municipality, by, capacity=20, name="Hold forår", **extra):
    today = timezone.localdate()
    fields = {"starts_on": today - dt.timedelta(days=10), "ends_on": today + dt.timedelta(days=170)}
    fields.update(extra)
    return courses.create_cohort(municipality, by, name=name, capacity=capacity, **fields)


def at(day, hour):
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CPH)


def entries(obj, action=None):
    qs = ModelLogEntry.objects.filter(content_type__model=obj._meta.model_name, object_id=str(obj.pk))
    return qs.filter(action=action) if action else qs


@pytest.fixture
def cohort(nordby, coordinator):
    return make_cohort(nordby, coordinator, capacity=2)


# --- Cohorts and sessions -------------------------------------------------------------------------


def test_a_coordinator_creates_a_cohort_with_responsible_staff(nordby, coordinator, consultant):
    cohort = make_cohort(nordby, coordinator, place="Erhvervshuset", responsible=[consultant, coordinator])
    assert cohort.capacity == 20 and cohort.municipality == nordby and cohort.place == "Erhvervshuset"
    assert set(cohort.responsible.all()) == {consultant, coordinator}
    assert entries(cohort, courses.COHORT_CREATED_ACTION).count() == 1


def test_cohort_checks(nordby, sydby, coordinator, caseworker, sydby_coordinator):
    make_cohort(nordby, coordinator, name="Hold 1")
    with pytest.raises(ValidationError) as error:
        make_cohort(nordby, coordinator, name="hold 1")
    assert "name" in error.value.message_dict
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        make_cohort(nordby, coordinator, name="Hold 2", starts_on=today, ends_on=today - dt.timedelta(days=1))
    assert "ends_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_cohort(nordby, coordinator, name="Hold 3", responsible=[sydby_coordinator])
    assert "responsible" in error.value.message_dict
    # A caseworker does not run courses; another municipality's coordinator not here.
    with pytest.raises(PermissionDenied):
        make_cohort(nordby, caseworker, name="Hold 4")
    with pytest.raises(PermissionDenied):
        make_cohort(nordby, sydby_coordinator, name="Hold 5")
    # The same name is fine in another municipality.
    assert make_cohort(sydby, sydby_coordinator, name="Hold 1").municipality == sydby


def test_sessions_are_added_and_changed_within_the_course_dates(cohort, coordinator, sydby_coordinator):
    day = cohort.starts_on + dt.timedelta(days=3)
    session = courses.add_session(cohort, coordinator, starts_at=at(day, 9), ends_at=at(day, 12),
                                  module=CourseSession.Module.BUDGET, teacher="Revisor Jensen")
    assert session.cohort == cohort and session.teacher == "Revisor Jensen"
    courses.update_session(session, coordinator, module=CourseSession.Module.TAX_AND_VAT, title="Moms")
    session.refresh_from_db()
    assert session.module == "tax_and_vat" and session.title == "Moms"
    log = entries(cohort, courses.SESSION_CHANGED_ACTION).get()
    assert log.data["changed"] == ["module", "title"]
    with pytest.raises(ValidationError) as error:
        courses.add_session(cohort, coordinator, starts_at=at(cohort.ends_on + dt.timedelta(days=1), 9),
                            ends_at=at(cohort.ends_on + dt.timedelta(days=1), 10))
    assert "starts_at" in error.value.message_dict
    with pytest.raises(ValidationError):
        courses.add_session(cohort, coordinator, starts_at=at(day, 12), ends_at=at(day, 9))
    with pytest.raises(PermissionDenied):
        courses.add_session(cohort, sydby_coordinator, starts_at=at(day, 9), ends_at=at(day, 10))


# --- Places and the waiting list ------------------------------------------------------------------


def test_enrolment_gives_a_place_moves_the_case_into_the_course_and_marks_it(nordby, cohort, coordinator):
    case = make_case(nordby)
    version = case.version
    enrolment = courses.enrol(case, coordinator, cohort)
    assert enrolment.status == E.ENROLLED and enrolment.enrolled_on == timezone.localdate()
    case.refresh_from_db()
    assert case.status == S.IN_COURSE and case.version > version
    assert case.marked_from == timezone.localdate() and case.marked_until is None
    actions = list(entries(case).order_by("pk").values_list("action", flat=True))
    assert actions == [courses.ENROLLED_ACTION, "backoffice.case.status_changed"]
    assert entries(case, courses.ENROLLED_ACTION).get().data["cohort"] == cohort.pk


def test_an_existing_marker_is_kept(nordby, cohort, coordinator):
    case = make_case(nordby)
    Case.objects.filter(pk=case.pk).update(marked_from=dt.date(2026, 1, 5))
    courses.enrol(case, coordinator, cohort)
    case.refresh_from_db()
    assert case.marked_from == dt.date(2026, 1, 5)


def test_a_full_cohort_puts_cases_on_the_waiting_list_in_order(nordby, cohort, consultant):
    placed = [courses.enrol(make_case(nordby), consultant, cohort) for _ in range(2)]
    assert [e.status for e in placed] == [E.ENROLLED, E.ENROLLED]
    first, second = make_case(nordby), make_case(nordby)
    w1 = courses.enrol(first, consultant, cohort)
    w2 = courses.enrol(second, consultant, cohort)
    assert (w1.status, w1.waiting_position) == (E.WAITING, 1)
    assert (w2.status, w2.waiting_position) == (E.WAITING, 2)
    first.refresh_from_db()
    assert first.status == S.ADMITTED and first.marked_from is None
    assert entries(first, courses.WAITING_ACTION).get().data["position"] == 1
    assert courses.places_taken(cohort) == 2


def test_a_freed_place_moves_the_first_on_the_waiting_list_up(nordby, cohort, coordinator):
    placed = [courses.enrol(make_case(nordby), coordinator, cohort) for _ in range(2)]
    first, second = make_case(nordby), make_case(nordby)
    courses.enrol(first, coordinator, cohort)
    courses.enrol(second, coordinator, cohort)

    moved = courses.end_enrolment(placed[0], coordinator, E.DROPPED_OUT)

    assert [e.case_id for e in moved] == [first.pk]
    up = Enrolment.objects.get(case=first)
    assert up.status == E.ENROLLED and up.waiting_position is None and up.enrolled_on == timezone.localdate()
    first.refresh_from_db()
    assert first.status == S.IN_COURSE and first.marked_from == timezone.localdate()
    assert entries(first, courses.MOVED_UP_ACTION).get().data["position"] == 1
    assert Enrolment.objects.get(case=second).waiting_position == 1
    dropped = placed[0].case
    dropped.refresh_from_db()
    assert dropped.status == S.DROPPED_OUT and dropped.marked_until == timezone.localdate()
    assert entries(dropped, courses.ENDED_ACTION).get().data["outcome"] == "dropped_out"


def test_a_completed_participant_keeps_the_place(nordby, cohort, coordinator):
    placed = [courses.enrol(make_case(nordby), coordinator, cohort) for _ in range(2)]
    waiting = make_case(nordby)
    courses.enrol(waiting, coordinator, cohort)
    assert courses.end_enrolment(placed[0], coordinator, E.COMPLETED) == []
    case = placed[0].case
    case.refresh_from_db()
    assert case.status == S.COURSE_COMPLETED and case.marked_until is None  # the loan period follows
    assert Enrolment.objects.get(case=waiting).status == E.WAITING


def test_leaving_for_a_job_is_an_ending_that_frees_the_place(nordby, cohort, coordinator):
    placed = [courses.enrol(make_case(nordby), coordinator, cohort) for _ in range(2)]
    waiting = make_case(nordby)
    courses.enrol(waiting, coordinator, cohort)
    courses.end_enrolment(placed[1], coordinator, E.LEFT_FOR_EMPLOYMENT)
    assert Case.objects.get(pk=placed[1].case_id).status == S.LEFT_FOR_EMPLOYMENT
    assert Enrolment.objects.get(case=waiting).status == E.ENROLLED


def test_a_waiting_case_that_is_no_longer_admitted_is_skipped(nordby, cohort, coordinator):
    placed = [courses.enrol(make_case(nordby), coordinator, cohort) for _ in range(2)]
    gone, next_ = make_case(nordby), make_case(nordby)
    courses.enrol(gone, coordinator, cohort)
    courses.enrol(next_, coordinator, cohort)
    Case.objects.filter(pk=gone.pk).update(status=S.WITHDRAWN)
    moved = courses.end_enrolment(placed[0], coordinator, E.DROPPED_OUT)
    assert [e.case_id for e in moved] == [next_.pk]
    assert Enrolment.objects.get(case=gone).status == E.WAITING


def test_leaving_the_waiting_list_for_a_job_closes_the_gap(nordby, cohort, coordinator):
    for _ in range(2):
        courses.enrol(make_case(nordby), coordinator, cohort)
    w1 = courses.enrol(make_case(nordby), coordinator, cohort)
    w2 = courses.enrol(make_case(nordby), coordinator, cohort)
    with pytest.raises(CourseRefused):
        courses.end_enrolment(w1, coordinator, E.DROPPED_OUT)
    assert courses.end_enrolment(w1, coordinator, E.LEFT_FOR_EMPLOYMENT) == []
    assert Case.objects.get(pk=w1.case_id).status == S.LEFT_FOR_EMPLOYMENT
    w2.refresh_from_db()
    assert w2.waiting_position == 1
    with pytest.raises(CourseRefused):
        courses.end_enrolment(w1, coordinator, E.LEFT_FOR_EMPLOYMENT)


def test_more_places_move_people_up(nordby, cohort, coordinator):
    for _ in range(2):
        courses.enrol(make_case(nordby), coordinator, cohort)
    waiting = [courses.enrol(make_case(nordby), coordinator, cohort) for _ in range(2)]
    courses.update_cohort(cohort, coordinator, capacity=3)
    statuses = [Enrolment.objects.get(pk=e.pk).status for e in waiting]
    assert statuses == [E.ENROLLED, E.WAITING]
    assert Enrolment.objects.get(pk=waiting[1].pk).waiting_position == 1
    with pytest.raises(ValidationError) as error:
        courses.update_cohort(cohort, coordinator, capacity=2)
    assert "capacity" in error.value.message_dict
    assert entries(cohort, courses.COHORT_CHANGED_ACTION).get().data["changed"] == ["capacity"]


@pytest.mark.parametrize("status", [S.SUBMITTED, S.SCREENING, S.NOT_ADMITTED, S.IN_COURSE, S.WITHDRAWN])
def test_only_admitted_cases_get_a_place(nordby, cohort, coordinator, status):
    case = make_case(nordby, status=status)
    with pytest.raises(CourseRefused):
        courses.enrol(case, coordinator, cohort)
    assert not Enrolment.objects.filter(case=case).exists()
    assert not entries(case).exists()


def test_one_active_place_per_case(nordby, cohort, coordinator):
    other = make_cohort(nordby, coordinator, name="Hold efterår", capacity=1)
    courses.enrol(make_case(nordby), coordinator, other)
    case = make_case(nordby)
    courses.enrol(case, coordinator, other)  # waiting on the full one
    with pytest.raises(CourseRefused):
        courses.enrol(case, coordinator, cohort)


def test_an_ended_course_takes_nobody(nordby, coordinator):
    today = timezone.localdate()
    old = make_cohort(nordby, coordinator, name="Gammelt hold", starts_on=today - dt.timedelta(days=200),
                      ends_on=today - dt.timedelta(days=20))
    with pytest.raises(CourseRefused):
        courses.enrol(make_case(nordby), coordinator, old)


def test_other_municipalities_and_roles_are_refused(nordby, sydby, cohort, caseworker, sydby_coordinator,
                                                     coordinator):
    case = make_case(nordby)
    with pytest.raises(PermissionDenied):
        courses.enrol(case, caseworker, cohort)
    with pytest.raises(PermissionDenied):
        courses.enrol(case, sydby_coordinator, cohort)
    # A Sydby case cannot be put on a Nordby cohort, even by a superuser.
    admin = User.objects.filter(is_superuser=True).first()
    with pytest.raises(PermissionDenied):
        courses.enrol(make_case(sydby), admin, cohort)
    enrolment = courses.enrol(case, coordinator, cohort)
    with pytest.raises(PermissionDenied):
        courses.end_enrolment(enrolment, sydby_coordinator, E.COMPLETED)
    with pytest.raises(PermissionDenied):
        courses.add_coaching_note(case, sydby_coordinator, "Sparring")
    with pytest.raises(PermissionDenied):
        courses.add_coaching_note(cohort, caseworker, "Sparring")
    assert Case.objects.get(pk=case.pk).status == S.IN_COURSE


def test_a_stale_page_is_refused(nordby, cohort, coordinator):
    from backoffice.services.transitions import StaleCase

    case = make_case(nordby)
    with pytest.raises(StaleCase):
        courses.enrol(case, coordinator, cohort, expected_version=case.version + 1)
    assert not Enrolment.objects.filter(case=case).exists()


# --- Attendance and coaching ----------------------------------------------------------------------


@pytest.fixture
def class_of_two(nordby, cohort, coordinator):
    day = timezone.localdate() - dt.timedelta(days=2)
    session = courses.add_session(cohort, coordinator, starts_at=at(day, 9), ends_at=at(day, 12),
                                  module=CourseSession.Module.BUSINESS_PLAN)
    enrolments = [courses.enrol(make_case(nordby), coordinator, cohort) for _ in range(2)]
    return session, enrolments


def test_attendance_is_saved_and_audited_per_case(class_of_two, coordinator):
    session, (a, b) = class_of_two
    changed = courses.record_attendance(session, coordinator, {a.pk: True, str(b.pk): False},
                                        {b.pk: "Syg, meldt afbud"})
    assert changed == 2
    assert {(x.enrolment_id, x.present, x.note) for x in Attendance.objects.filter(session=session)} == {
        (a.pk, True, ""), (b.pk, False, "Syg, meldt afbud")}
    log = entries(b.case, courses.ATTENDANCE_ACTION).get()
    assert log.data["present"] is False and log.data["session"] == session.pk
    assert "Syg" not in str(log.data)
    # The same register again changes nothing and logs nothing.
    assert courses.record_attendance(session, coordinator, {a.pk: True, b.pk: False}) == 0
    # A correction.
    assert courses.record_attendance(session, coordinator, {b.pk: True}) == 1
    assert Attendance.objects.get(session=session, enrolment=b).present is True
    assert Attendance.objects.get(session=session, enrolment=b).note == "Syg, meldt afbud"
    assert entries(b.case, courses.ATTENDANCE_ACTION).latest("pk").data["corrected"] is True


def test_attendance_only_for_participants_and_not_in_advance(nordby, cohort, class_of_two, coordinator,
                                                             sydby_coordinator):
    session, (a, _b) = class_of_two
    waiting = courses.enrol(make_case(nordby), coordinator, cohort)
    with pytest.raises(ValidationError):
        courses.record_attendance(session, coordinator, {waiting.pk: True})
    other = make_cohort(nordby, coordinator, name="Andet hold")
    stranger = courses.enrol(make_case(nordby), coordinator, other)
    with pytest.raises(ValidationError):
        courses.record_attendance(session, coordinator, {stranger.pk: True})
    with pytest.raises(PermissionDenied):
        courses.record_attendance(session, sydby_coordinator, {a.pk: True})
    future_day = timezone.localdate() + dt.timedelta(days=5)
    future = courses.add_session(cohort, coordinator, starts_at=at(future_day, 9), ends_at=at(future_day, 10))
    with pytest.raises(CourseRefused):
        courses.record_attendance(future, coordinator, {a.pk: True})
    assert not Attendance.objects.exists()


def test_coaching_notes_for_one_participant_and_for_the_group(class_of_two, cohort, consultant, nordby):
    _session, (a, b) = class_of_two
    note = courses.add_coaching_note(a.case, consultant, SECRET)
    assert note.case == a.case and note.author == consultant and note.cohort is None
    log = entries(a.case, courses.COACHING_ACTION).get()
    assert log.data == {"reference": a.case.reference, "cohort": cohort.pk, "enrolment": a.pk,
                        "note": note.pk, "group": False}
    group = courses.add_coaching_note(cohort, consultant, "Fælles sparring om prissætning")
    assert group.cohort == cohort and group.case is None
    for enrolment in (a, b):
        assert entries(enrolment.case, courses.COACHING_ACTION).filter(data__group=True).count() == 1
    assert entries(cohort, courses.GROUP_COACHING_ACTION).count() == 1
    assert SECRET not in str(list(ModelLogEntry.objects.values_list("data", flat=True)))
    with pytest.raises(ValidationError):
        courses.add_coaching_note(a.case, consultant, "   ")
    with pytest.raises(CourseRefused):
        courses.add_coaching_note(make_case(nordby), consultant, "Ingen plads")
    assert CoachingNote.objects.count() == 2


def test_cohort_needs_a_municipality_in_common(cohort):
    assert Cohort.objects.filter(pk=cohort.pk).exists()


# --- Two staff at once (PostgreSQL) ---------------------------------------------------------------


@requires_postgres
def test_two_staff_filling_the_last_place_at_once(demo):
    nordby = demo["nordby"]
    coordinator, consultant = user("koordinator@nordby.example"), user("erhvervskonsulent@nordby.example")
    cohort = make_cohort(nordby, coordinator, capacity=1, name="Et sidste hold")
    cases = iter([(make_case(nordby), coordinator), (make_case(nordby), consultant)])

    def enrol_one():
        case, by = next(cases)
        return courses.enrol(Case.objects.get(pk=case.pk), by, Cohort.objects.get(pk=cohort.pk)).status

    assert sorted(run_at_once(enrol_one)) == sorted([E.ENROLLED, E.WAITING])
    assert courses.places_taken(cohort) == 1
