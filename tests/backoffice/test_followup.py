"""Follow-up after start-up and outcomes: staff plan monthly contacts and
write them down; the citizen reports once a month (a second report for the
month corrects the first); staff see the months without a report; outcomes
are recorded per checkpoint with who and when, and the screens answer each
role as they should."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice.models import Business, Case, CaseApplication, FollowUp, Outcome, SelfReport
from backoffice.services import followup, outcomes
from backoffice.services.business import BusinessRefused
from backoffice.services.transitions import StaleCase

S = Case.Status
User = get_user_model()
SECRET = "Borgeren fortalte om sin gæld"
TODAY = dt.date(2026, 11, 26)


def user(email):
    return User.objects.get(email=email)


@pytest.fixture
def citizen(demo):
    return user("borger@nordby.example")


@pytest.fixture
def consultant(demo):
    return user("erhvervskonsulent@nordby.example")


def make_case(municipality, citizen=None, status=S.BUSINESS_SETUP, started_on=dt.date(2026, 6, 10)):
    case = Case.objects.create(
        municipality=municipality, citizen=citizen, status=status, submitted_at=timezone.now(),
        reference=f"{municipality.slug[:3].upper()}-2026-{Case.objects.count() + 70001:05d}")
    CaseApplication.objects.create(case=case, full_name="Amina Hansen", cpr_number="010190-1234",
                                   email="amina@example.dk")
    if started_on:
        Business.objects.create(case=case, name="Aminas Systue", started_on=started_on)
    return case


@pytest.fixture
def case(nordby, citizen):
    return make_case(nordby, citizen)


def entries(case, action=None):
    qs = ModelLogEntry.objects.filter(content_type__model="case", object_id=str(case.pk))
    return qs.filter(action=action) if action else qs


def assert_no_free_text_in_log(case):
    dumped = json.dumps([e.data for e in entries(case)], ensure_ascii=False)
    assert SECRET not in dumped and "Det går godt" not in dumped


def report(case, citizen, month, revenue=1250000, **kwargs):
    return followup.submit_self_report(
        case, citizen, month, revenue, kwargs.get("hours", 120), kwargs.get("small_jobs_income", 0),
        kwargs.get("how_it_goes", "Det går godt"), today=kwargs.get("today", TODAY))


# --- Planning and writing follow-ups --------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert followup.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert followup.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert followup.add_months(dt.date(2026, 12, 1), 0) == dt.date(2026, 12, 1)


def test_follow_ups_are_planned_monthly_for_six_months(case, consultant):
    planned = followup.plan_follow_ups(case, consultant, start=dt.date(2026, 7, 31), kind=FollowUp.Kind.VISIT,
                                       expected_version=1)
    # The 31st becomes the month's last day; one on a weekend or a closing
    # day moves to the next working day: 31 October 2026 is a Saturday, and
    # 31 December (closed), 1 January (holiday) and the weekend after give
    # Monday 4 January 2027.
    assert [f.planned_on for f in planned] == [
        dt.date(2026, 7, 31), dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 11, 2),
        dt.date(2026, 11, 30), dt.date(2027, 1, 4)]
    kinds = {(f.kind, f.staff) for f in FollowUp.objects.filter(case=case)}
    assert kinds == {(FollowUp.Kind.VISIT, consultant)}
    logged = entries(case, followup.FOLLOW_UPS_PLANNED_ACTION).get()
    assert logged.user == consultant and logged.data["count"] == 6 and logged.data["last"] == "2027-01-04"
    case.refresh_from_db()
    assert case.version == 2


def test_planning_is_checked(case, consultant, nordby):
    with pytest.raises(ValidationError):
        followup.plan_follow_ups(case, consultant, start=dt.date(2026, 7, 1), months=0)
    with pytest.raises(StaleCase):
        followup.plan_follow_ups(case, consultant, start=dt.date(2026, 7, 1), expected_version=99)
    early = make_case(nordby, status=S.IN_COURSE)
    with pytest.raises(BusinessRefused):
        followup.plan_follow_ups(early, consultant, start=dt.date(2026, 7, 1))
    for somebody in ("erhvervskonsulent@sydby.example", "styregruppe@nordby.example"):
        with pytest.raises(PermissionDenied):
            followup.plan_follow_ups(case, user(somebody), start=dt.date(2026, 7, 1))
    assert not FollowUp.objects.exists()


def test_a_held_follow_up_is_written_with_notes_out_of_the_log(case, consultant):
    [item, *_rest] = followup.plan_follow_ups(case, consultant, start=dt.date(2026, 7, 1))
    caseworker = user("sagsbehandler@nordby.example")
    followup.record_follow_up(item, caseworker, done_on=dt.date(2026, 7, 2), notes=SECRET, today=TODAY)
    item.refresh_from_db()
    assert (item.done_on, item.notes, item.staff) == (dt.date(2026, 7, 2), SECRET, caseworker)
    followup.record_follow_up(item, caseworker, done_on=dt.date(2026, 7, 2), notes=SECRET + ".", today=TODAY)
    logged = list(entries(case, followup.FOLLOW_UP_RECORDED_ACTION).order_by("pk"))
    assert [e.data["corrected"] for e in logged] == [False, True]
    assert_no_free_text_in_log(case)
    with pytest.raises(ValidationError):
        followup.record_follow_up(item, caseworker, done_on=TODAY + dt.timedelta(days=1), notes="x",
                                  today=TODAY)
    with pytest.raises(ValidationError):
        followup.record_follow_up(item, caseworker, done_on=TODAY, notes=" ", today=TODAY)


# --- Self-reports ---------------------------------------------------------------------------------


def test_the_citizen_reports_a_month_in_ore(case, citizen):
    saved, created = report(case, citizen, dt.date(2026, 7, 17), revenue=1250050, small_jobs_income=300000)
    assert created and saved.month == dt.date(2026, 7, 1)
    saved.refresh_from_db()
    assert (saved.revenue_ore, saved.hours_worked, saved.small_jobs_income_ore) == (1250050, 120, 300000)
    logged = entries(case, followup.SELF_REPORT_ACTION).get()
    assert logged.user == citizen and logged.data == {
        "reference": case.reference, "self_report": saved.pk, "month": "2026-07-01", "corrected": False}
    assert_no_free_text_in_log(case)


def test_a_second_report_for_the_same_month_replaces_the_first(case, citizen):
    first, _ = report(case, citizen, dt.date(2026, 7, 1), revenue=100)
    second, created = report(case, citizen, dt.date(2026, 7, 31), revenue=200, hours=0)
    assert not created and second.pk == first.pk
    assert SelfReport.objects.filter(case=case).count() == 1
    second.refresh_from_db()
    assert second.revenue_ore == 200 and second.hours_worked == 0
    assert entries(case, followup.SELF_REPORT_ACTION).filter(data__corrected=True).count() == 1


def test_only_the_own_citizen_reports(case, consultant):
    other = User.objects.create_user(username="anden", email="anden@nordby.example", password="x")
    for somebody in (other, consultant):
        with pytest.raises(PermissionDenied):
            report(case, somebody, dt.date(2026, 7, 1))
    assert not SelfReport.objects.exists()


@pytest.mark.parametrize("month, kwargs, field", [
    (dt.date(2026, 12, 1), {}, "month"),            # not begun
    (dt.date(2026, 5, 1), {}, "month"),             # before the business started
    (dt.date(2026, 7, 1), {"revenue": -1}, "revenue"),
    (dt.date(2026, 7, 1), {"hours": 1000}, "hours"),
])
def test_a_report_is_checked(case, citizen, month, kwargs, field):
    with pytest.raises(ValidationError) as error:
        report(case, citizen, month, **kwargs)
    assert field in error.value.message_dict
    assert not SelfReport.objects.exists()


def test_reports_need_a_started_business_at_the_right_stage(nordby, citizen):
    with pytest.raises(BusinessRefused):
        report(make_case(nordby, citizen, started_on=None), citizen, dt.date(2026, 7, 1))
    with pytest.raises(BusinessRefused):
        report(make_case(nordby, citizen, status=S.LOAN_GRANTED), citizen, dt.date(2026, 7, 1))


def test_missing_reports_are_the_ended_months_since_the_start_without_a_report(case, citizen):
    report(case, citizen, dt.date(2026, 7, 1))
    report(case, citizen, dt.date(2026, 9, 1))
    report(case, citizen, dt.date(2026, 11, 1))  # the running month: not due, but welcome
    case = Case.objects.select_related("business").prefetch_related("self_reports").get(pk=case.pk)
    assert followup.missing_self_reports(case, today=TODAY) == [
        dt.date(2026, 6, 1), dt.date(2026, 8, 1), dt.date(2026, 10, 1)]


def test_missing_reports_stop_after_a_year_and_at_closing(nordby):
    case = make_case(nordby, started_on=dt.date(2024, 1, 15))
    assert len(followup.missing_self_reports(case, today=TODAY)) == followup.REPORT_MONTHS
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.make_aware(dt.datetime(2024, 3, 5, 12)))
    case.refresh_from_db()
    assert followup.missing_self_reports(case, today=TODAY) == [
        dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)]
    assert followup.missing_self_reports(make_case(nordby, started_on=None), today=TODAY) == []


# --- Outcomes -------------------------------------------------------------------------------------


def test_an_outcome_is_recorded_with_who_and_when_and_corrected_with_history(case, consultant):
    saved, created = outcomes.record_outcome(
        case, consultant, checkpoint=Outcome.Checkpoint.MONTHS_6,
        result=Outcome.Result.BUSINESS_AND_SMALL_JOBS,
        recorded_on=dt.date(2026, 11, 1), note=SECRET, expected_version=1)
    assert created
    saved.refresh_from_db()
    assert (saved.recorded_by, saved.recorded_on, saved.note) == (consultant, dt.date(2026, 11, 1), SECRET)
    coordinator = user("koordinator@nordby.example")
    again, created = outcomes.record_outcome(
        case, coordinator, checkpoint=Outcome.Checkpoint.MONTHS_6,
        result=Outcome.Result.SELF_SUFFICIENT_BUSINESS,
        recorded_on=dt.date(2026, 11, 2), note="")
    assert not created and again.pk == saved.pk and Outcome.objects.filter(case=case).count() == 1
    again.refresh_from_db()
    assert again.recorded_by == coordinator and again.is_self_sufficient
    logged = list(entries(case, outcomes.OUTCOME_RECORDED_ACTION).order_by("pk"))
    assert [(e.user, e.data["result"], e.data["previous_result"]) for e in logged] == [
        (consultant, "business_and_small_jobs", None),
        (coordinator, "self_sufficient_business", "business_and_small_jobs")]
    assert_no_free_text_in_log(case)


def test_outcomes_are_checked(case, consultant, nordby):
    kwargs = {"checkpoint": Outcome.Checkpoint.MONTHS_12, "result": Outcome.Result.EDUCATION,
              "recorded_on": dt.date(2026, 11, 1)}
    with pytest.raises(ValidationError):
        outcomes.record_outcome(case, consultant, **{**kwargs, "checkpoint": "months_7"})
    with pytest.raises(ValidationError):
        outcomes.record_outcome(case, consultant, **{**kwargs, "recorded_on": timezone.localdate()
                                                     + dt.timedelta(days=1)})
    with pytest.raises(PermissionDenied):
        outcomes.record_outcome(case, user("koordinator@sydby.example"), **kwargs)
    with pytest.raises(BusinessRefused):
        outcomes.record_outcome(make_case(nordby, status=S.SCREENING, started_on=None), consultant, **kwargs)
    assert not Outcome.objects.exists()


# --- Views ----------------------------------------------------------------------------------------


def test_staff_plan_write_and_record_through_the_screens(client, case, consultant):
    client.force_login(consultant)
    url = reverse("backoffice:follow_up_plan", args=[case.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"version": 1, "start": "2026-07-01", "months": 6, "kind": "meeting"})
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:case", args=[case.pk]) + "#followup-section"
    item = FollowUp.objects.filter(case=case).first()
    case.refresh_from_db()

    url = reverse("backoffice:follow_up", args=[case.pk, item.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"version": case.version, "done_on": "2026-07-01", "notes": SECRET})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.notes == SECRET

    case.refresh_from_db()
    url = reverse("backoffice:outcome_record", args=[case.pk])
    response = client.post(url, {"version": case.version, "checkpoint": "course_end",
                                 "result": "self_sufficient_employment", "recorded_on": "2026-07-01"})
    assert response.status_code == 302
    assert Outcome.objects.get(case=case).recorded_by == consultant


def test_an_outdated_or_invalid_form_saves_nothing(client, case, consultant):
    client.force_login(consultant)
    url = reverse("backoffice:outcome_record", args=[case.pk])
    response = client.post(url, {"version": 99, "checkpoint": "course_end", "result": "education",
                                 "recorded_on": "2026-07-01"})
    assert response.status_code == 400
    response = client.post(url, {"version": 1, "checkpoint": "course_end", "result": "education",
                                 "recorded_on": "2099-07-01"})
    assert response.status_code == 400
    assert not Outcome.objects.exists()


@pytest.mark.parametrize("email, status", [
    ("erhvervskonsulent@nordby.example", 200), ("sagsbehandler@nordby.example", 200),
    ("koordinator@nordby.example", 200), ("erhvervskonsulent@sydby.example", 404),
    ("styregruppe@nordby.example", 404), ("redaktoer@nordby.example", 404),
])
def test_the_screens_answer_each_role(client, case, email, status):
    item = FollowUp.objects.create(case=case, planned_on=dt.date(2026, 7, 1))
    client.force_login(user(email))
    for url in (reverse("backoffice:follow_up_plan", args=[case.pk]),
                reverse("backoffice:follow_up", args=[case.pk, item.pk]),
                reverse("backoffice:outcome_record", args=[case.pk])):
        assert client.get(url).status_code == status, url


def test_the_citizen_has_no_access_to_the_staff_screens(client, case, citizen):
    client.force_login(citizen)
    response = client.get(reverse("backoffice:outcome_record", args=[case.pk]))
    assert response.status_code in (302, 403, 404)
    assert not Outcome.objects.exists()


def test_a_follow_up_of_another_case_is_404(client, case, nordby, consultant):
    other = make_case(nordby)
    item = FollowUp.objects.create(case=other, planned_on=dt.date(2026, 7, 1))
    client.force_login(consultant)
    assert client.get(reverse("backoffice:follow_up", args=[case.pk, item.pk])).status_code == 404


def test_the_case_section_shows_follow_ups_missing_reports_and_outcomes_without_queries(
        case, citizen, consultant, django_assert_num_queries):
    from django.db.models import Prefetch
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    followup.plan_follow_ups(case, consultant, start=dt.date(2026, 7, 1), months=2)
    report(case, citizen, dt.date(2026, 7, 1), revenue=1250050)
    outcomes.record_outcome(case, consultant, checkpoint="course_end", result="education",
                            recorded_on=dt.date(2026, 5, 1))
    loaded = Case.objects.select_related("business").prefetch_related(
        Prefetch("follow_ups", queryset=FollowUp.objects.select_related("staff")), "self_reports",
        Prefetch("outcomes", queryset=Outcome.objects.select_related("recorded_by"))).get(pk=case.pk)
    with django_assert_num_queries(0):
        section = followup.section(loaded, today=TODAY)
    assert dt.date(2026, 6, 1) in section["missing_reports"] and len(section["follow_ups"]) == 2
    request = RequestFactory().get("/")
    request.user = consultant
    html = render_to_string("backoffice/case/_followup.html",
                            {"case": loaded, "followup_section": section}, request=request)
    assert 'id="followup-section"' in html or "followup" in html
    assert "12.500,50" in html and reverse("backoffice:outcome_record", args=[case.pk]) in html
    assert reverse("backoffice:follow_up_plan", args=[case.pk]) in html
