"""The person-group marker (persongruppemarkering): a case carries it from
the course place through the end of the loan period, and statistics select
on it. Every way in and out is tested here: a place on a cohort starts it
(the waiting list does not); dropping out, leaving for a job, withdrawing
and a declined loan end it on that day; a repaid or written-off loan ends
it on the day of the booking that settled it; a declined loan granted after
all (appeal) opens it again, and closing a case keeps an earlier end."""

import datetime as dt

import pytest
from django.utils import timezone

from backoffice.models import Case, DecisionKind, Enrolment
from backoffice.services import citizen as citizen_services
from backoffice.services import courses, decisions, loans, transitions

from .test_loans import TODAY, disburse, final_decision, granted_case, make_case, make_staff

S = Case.Status
E = Enrolment.Status
MARKED_FROM = dt.date(2025, 9, 1)


@pytest.fixture
def coordinator(demo):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email="koordinator@nordby.example")


@pytest.fixture
def citizen(demo):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email="borger@nordby.example")


@pytest.fixture
def second(nordby):
    return make_staff(nordby, name="anden")


@pytest.fixture
def third(nordby):
    return make_staff(nordby, name="tredje")


@pytest.fixture
def cohort(nordby, coordinator):
    today = timezone.localdate()
    return courses.create_cohort(nordby, coordinator, name="Markørholdet", capacity=1,
                                 starts_on=today - dt.timedelta(days=5), ends_on=today + dt.timedelta(days=150))


def marked(case, since=MARKED_FROM):
    """As if the case had got its course place on ``since``."""
    Case.objects.filter(pk=case.pk).update(marked_from=since)
    case.refresh_from_db()
    return case


def marker(case):
    return tuple(Case.objects.filter(pk=case.pk).values_list("marked_from", "marked_until").get())


# --- Start: the course place ---------------------------------------------------------------------------


def test_a_place_on_a_cohort_starts_the_marker_and_the_waiting_list_does_not(nordby, coordinator, cohort):
    today = timezone.localdate()
    first, waiting = make_case(nordby, status=S.ADMITTED), make_case(nordby, status=S.ADMITTED)
    courses.enrol(first, coordinator, cohort)
    courses.enrol(waiting, coordinator, cohort)
    assert marker(first) == (today, None)
    assert marker(waiting) == (None, None)
    # The waiting case that leaves the list for a job was never in the group.
    courses.end_enrolment(Enrolment.objects.get(case=waiting), coordinator, E.LEFT_FOR_EMPLOYMENT)
    assert marker(waiting) == (None, None)


# --- End without a loan ----------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [E.DROPPED_OUT, E.LEFT_FOR_EMPLOYMENT])
def test_leaving_the_course_ends_the_marker_on_that_day(nordby, coordinator, cohort, outcome):
    case = make_case(nordby, status=S.ADMITTED)
    enrolment = courses.enrol(case, coordinator, cohort)
    ended_on = timezone.localdate() + dt.timedelta(days=2)
    courses.end_enrolment(enrolment, coordinator, outcome, ended_on=ended_on)
    assert marker(case) == (timezone.localdate(), ended_on)


def test_completing_the_course_keeps_the_marker_for_the_loan_period(nordby, coordinator, cohort):
    case = make_case(nordby, status=S.ADMITTED)
    enrolment = courses.enrol(case, coordinator, cohort)
    courses.end_enrolment(enrolment, coordinator, E.COMPLETED)
    assert marker(case) == (timezone.localdate(), None)


def _decide(case, user, kind):
    case.refresh_from_db()
    decision = decisions.draft_decision(case, user, kind, reason="Begrundelse for afgørelsen.",
                                        expected_version=case.version)
    case.refresh_from_db()
    return decisions.finalise_decision(decision, user, expected_version=case.version,
                                       consultation_waived_reason="Borgeren kender oplysningerne.")


def test_a_declined_loan_ends_the_marker_and_a_grant_on_appeal_opens_it_again(nordby, coordinator):
    case = marked(make_case(nordby, status=S.COURSE_COMPLETED))
    _decide(case, coordinator, DecisionKind.DECLINE_LOAN)
    case.refresh_from_db()
    assert case.status == S.LOAN_DECLINED
    assert marker(case) == (MARKED_FROM, timezone.localdate())
    # Reconsidered (or appealed) and granted: the loan period lies ahead.
    _decide(case, coordinator, DecisionKind.GRANT_LOAN)
    case.refresh_from_db()
    assert case.status == S.LOAN_GRANTED
    assert marker(case) == (MARKED_FROM, None)


def test_withdrawing_after_the_course_ends_the_marker(nordby, citizen):
    case = marked(make_case(nordby, citizen, status=S.COURSE_COMPLETED))
    citizen_services.withdraw_case(case, citizen)
    assert marker(case) == (MARKED_FROM, timezone.localdate())


def test_leaving_for_a_job_after_the_grant_ends_the_marker(nordby, coordinator):
    case = marked(make_case(nordby, status=S.LOAN_GRANTED))
    transitions.transition(case, S.LEFT_FOR_EMPLOYMENT, user=coordinator)
    assert marker(case) == (MARKED_FROM, timezone.localdate())
    # Closing the case later keeps the day the case left the scheme.
    Case.objects.filter(pk=case.pk).update(marked_until=dt.date(2026, 1, 10))
    transitions.transition(case, S.CLOSED, user=coordinator)
    assert marker(case) == (MARKED_FROM, dt.date(2026, 1, 10))


def test_the_marker_never_ends_before_it_started(nordby, coordinator):
    future_start = timezone.localdate() + dt.timedelta(days=3)
    case = marked(make_case(nordby, status=S.LOAN_GRANTED), since=future_start)
    transitions.transition(case, S.WITHDRAWN, user=coordinator)
    assert marker(case) == (future_start, future_start)


def test_a_case_outside_the_group_gets_no_marker(nordby, citizen):
    case = make_case(nordby, citizen, status=S.SCREENING)
    citizen_services.withdraw_case(case, citizen)
    assert marker(case) == (None, None)


# --- End of the loan period ----------------------------------------------------------------------------


def test_a_repaid_loan_ends_the_marker_on_the_day_of_the_last_payment(nordby, coordinator, second, third):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator)
    marked(case)
    disburse(loan, second, third, paid_on=TODAY - dt.timedelta(days=20))
    loan.refresh_from_db()
    loans.record_payment(loan, second, amount_ore=1_000_000, booked_on=TODAY - dt.timedelta(days=10))
    assert marker(case) == (MARKED_FROM, None)  # still paying: the loan period goes on
    loans.record_payment(loan, second, amount_ore=loan.principal_ore - 1_000_000, booked_on=TODAY)
    case.refresh_from_db()
    loan.refresh_from_db()
    assert loan.status == loan.Status.REPAID and case.status == S.CLOSED
    assert marker(case) == (MARKED_FROM, TODAY)


def test_a_written_off_loan_ends_the_marker_on_the_day_of_the_write_off(nordby, coordinator, second, third):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator)
    marked(case)
    disburse(loan, second, third, paid_on=TODAY - dt.timedelta(days=20))
    loan.refresh_from_db()
    decision = final_decision(case, coordinator, kind=DecisionKind.WRITE_OFF_LOAN)
    written_off_on = TODAY - dt.timedelta(days=5)
    loans.write_off(loan, coordinator, amount_ore=loan.principal_ore, reason="Virksomheden er lukket.",
                    decision=decision, booked_on=written_off_on)
    loan.refresh_from_db()
    assert loan.status == loan.Status.WRITTEN_OFF
    assert marker(case) == (MARKED_FROM, written_off_on)


def test_a_loan_without_a_course_marker_stays_unmarked(nordby, coordinator, second, third):
    """An imported loan whose case never had a course place: closing it
    does not invent a marker period."""
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator)
    disburse(loan, second, third, paid_on=TODAY - dt.timedelta(days=20))
    loan.refresh_from_db()
    loans.record_payment(loan, second, amount_ore=loan.principal_ore, booked_on=TODAY)
    assert marker(case) == (None, None)


def test_statistics_select_the_cases_marked_in_a_period(nordby, coordinator):
    case = marked(make_case(nordby, status=S.LOAN_GRANTED))
    transitions.transition(case, S.WITHDRAWN, user=coordinator)
    today = timezone.localdate()
    assert Case.objects.marked_during(MARKED_FROM, MARKED_FROM).filter(pk=case.pk).exists()
    assert Case.objects.marked_during(today, today + dt.timedelta(days=30)).filter(pk=case.pk).exists()
    assert not Case.objects.marked_during(today + dt.timedelta(days=1), today + dt.timedelta(days=30)).filter(
        pk=case.pk).exists()
