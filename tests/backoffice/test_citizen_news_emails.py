"""E-mails to the citizen when they get a course place (also when moved up
from the waiting list) and when staff verify their business account: sent
after the transaction commits, saying only that there is news on My page,
with a link, and nothing personal (no name, CPR, CVR or account number)."""

import pytest

from backoffice.models import BusinessAccount, Case, Enrolment
from backoffice.services import business as business_services
from backoffice.services import courses

from .test_business import (  # noqa: F401 (citizen, coordinator, no_scanner: fixtures)
    ACCOUNT_NUMBER, CVR, citizen, coordinator, no_scanner, registered,
)
from .test_business import make_case as business_case
from .test_courses import make_case as course_case
from .test_courses import make_cohort

E = Enrolment.Status


def assert_content_free(email, case):
    body = email.body + "".join(content for content, _type in email.alternatives)
    assert email.to == ["borger@nordby.example"]
    assert case.reference in body and "http" in body  # the link to the case on My page
    for secret in ("Amina", "Hansen", "010190", CVR, ACCOUNT_NUMBER, "Sparekasse", "Systue"):
        assert secret not in body and secret not in email.subject


def test_a_course_place_is_e_mailed_after_commit(nordby, coordinator, citizen, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    case = course_case(nordby, citizen=citizen)
    cohort = make_cohort(nordby, coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        courses.enrol(case, coordinator, cohort)
    assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    [email] = mailoutbox
    assert email.subject == "Nyt om dit forløb på Min side"
    assert "Der er nyt om forløbet på din sag" in email.body
    assert_content_free(email, case)


def test_moving_up_from_the_waiting_list_is_e_mailed(nordby, coordinator, citizen, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    cohort = make_cohort(nordby, coordinator, capacity=1)
    first = course_case(nordby)
    waiting = course_case(nordby, citizen=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        place = courses.enrol(first, coordinator, cohort)
        courses.enrol(waiting, coordinator, cohort)
    assert mailoutbox == []  # a place on the waiting list is no place yet; the first has no e-mail address
    with django_capture_on_commit_callbacks(execute=True):
        courses.end_enrolment(place, coordinator, E.DROPPED_OUT)
    [email] = mailoutbox
    assert Enrolment.objects.get(case=waiting).status == E.ENROLLED
    assert_content_free(email, waiting)


def test_no_e_mail_when_the_enrolment_is_refused(nordby, coordinator, citizen, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    case = course_case(nordby, citizen=citizen, status=Case.Status.IN_COURSE)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(courses.CourseRefused):
        courses.enrol(case, coordinator, make_cohort(nordby, coordinator))
    assert mailoutbox == []


def test_a_verified_business_account_is_e_mailed_after_commit(nordby, coordinator, citizen, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    case = business_case(nordby, citizen)
    account = registered(case, citizen)
    mailoutbox.clear()  # the staff e-mails about the registration
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        business_services.verify_business_account(account, coordinator, expected_version=case.version)
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    [email] = mailoutbox
    assert email.subject == "Nyt om din erhvervskonto på Min side"
    assert_content_free(email, case)
    assert BusinessAccount.objects.get(pk=account.pk).is_verified


def test_a_refused_verification_sends_nothing(nordby, coordinator, citizen, mailoutbox,
                                              django_capture_on_commit_callbacks):
    case = business_case(nordby, citizen)
    account = registered(case, citizen, with_proof=False)
    mailoutbox.clear()
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(business_services.BusinessRefused):
        business_services.verify_business_account(account, coordinator, expected_version=case.version)
    assert mailoutbox == []
