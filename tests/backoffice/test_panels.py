"""The case panels on the admin dashboard: what each shows, only to staff
who handle cases, only their own municipality's cases, never a CPR
number, and in the same number of queries however many cases there are."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backoffice import panels
from backoffice.models import Case, Decision, InformationRequest, JournalNote, Message, ScreeningTalk

from .staff_cases import FULL_CPR, open_case

User = get_user_model()
S = Case.Status
PANEL_IDS = ("backoffice-my-open-tasks", "backoffice-new-applications", "backoffice-talks-this-week",
             "backoffice-deadlines")


def _user(email):
    return User.objects.get(email=email)


@pytest.fixture
def caseworker(nordby):
    return _user("sagsbehandler@nordby.example")


@pytest.fixture
def coordinator(nordby):
    return _user("koordinator@nordby.example")


def today_at(hour, minute=0, days=0):
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def assigned_case(municipality, user, status=S.SCREENING, **answers):
    case = open_case(municipality, **answers)
    Case.objects.filter(pk=case.pk).update(assigned_to=user, status=status)
    case.refresh_from_db()
    return case


def add_everything(case, staff):
    """Something waiting of every kind, a talk this week and two deadlines."""
    now = timezone.now()
    Message.objects.create(case=case, from_staff=True, sender=staff, body="Hej",
                           created_at=now - dt.timedelta(days=2))
    Message.objects.create(case=case, body="Jeg har et spørgsmål", created_at=now - dt.timedelta(days=1))
    InformationRequest.objects.create(case=case, question="Budget?",
                                      due_on=timezone.localdate() + dt.timedelta(days=3), created_by=staff)
    answered = InformationRequest.objects.create(case=case, question="CV?", due_on=timezone.localdate(),
                                                 created_by=staff)
    InformationRequest.objects.filter(pk=answered.pk).update(answered_at=now, answer_text="Vedhæftet")
    Decision.objects.create(case=case, kind=Decision.Kind.REFER_TO_ORDINARY_EFFORT,
                            status=Decision.Status.IN_CONSULTATION, reason="Udkast", consultation_sent_at=now,
                            consultation_deadline=timezone.localdate() + dt.timedelta(days=1),
                            consultation_replied_at=now, consultation_reply="Jeg er uenig")
    talk = ScreeningTalk.objects.create(case=case, starts_at=today_at(23), ends_at=today_at(23, 30),
                                        location="Jobcentret")
    talk.staff.add(staff)


# --- What the panels find ---------------------------------------------------------------------------


def test_my_open_tasks_lists_my_open_cases_with_what_waits(nordby, caseworker, coordinator):
    message = assigned_case(nordby, caseworker, full_name="Anna Besked")
    Message.objects.create(case=message, body="Hvornår hører jeg noget?")
    answered = assigned_case(nordby, caseworker, full_name="Bo Svar")
    request = InformationRequest.objects.create(case=answered, question="Budget?",
                                                due_on=timezone.localdate(), created_by=caseworker)
    InformationRequest.objects.filter(pk=request.pk).update(answered_at=timezone.now(), answer_text="Her")
    reply = assigned_case(nordby, caseworker, status=S.CONSULTATION, full_name="Cai Høring")
    Decision.objects.create(case=reply, kind=Decision.Kind.REFER_TO_ORDINARY_EFFORT,
                            status=Decision.Status.IN_CONSULTATION, consultation_sent_at=timezone.now(),
                            consultation_deadline=timezone.localdate(),
                            consultation_replied_at=timezone.now())
    quiet = assigned_case(nordby, caseworker, full_name="Dea Stille")
    assigned_case(nordby, caseworker, status=S.CLOSED, full_name="Eva Lukket")
    assigned_case(nordby, coordinator, full_name="Frank Andens")

    cases, total, waiting = panels.my_open_tasks(caseworker)

    assert (total, waiting) == (4, 3)
    by_name = {case.full_name: case for case in cases}
    assert set(by_name) == {"Anna Besked", "Bo Svar", "Cai Høring", "Dea Stille"}
    assert cases[-1].pk == quiet.pk  # nothing waiting: last
    assert by_name["Anna Besked"].waiting == [panels.WAITING_LABELS[panels.WAITING_MESSAGE]]
    assert by_name["Bo Svar"].waiting == [panels.WAITING_LABELS[panels.WAITING_ANSWER]]
    assert by_name["Cai Høring"].waiting == [panels.WAITING_LABELS[panels.WAITING_CONSULTATION_REPLY]]
    assert by_name["Dea Stille"].waiting == []
    assert by_name["Anna Besked"].url == reverse("backoffice:case", args=[message.pk])


def test_a_staff_answer_or_note_clears_what_was_waiting(nordby, caseworker):
    case = assigned_case(nordby, caseworker)
    Message.objects.create(case=case, body="Spørgsmål", created_at=timezone.now() - dt.timedelta(hours=2))
    request = InformationRequest.objects.create(case=case, question="Budget?", due_on=timezone.localdate(),
                                                created_by=caseworker)
    InformationRequest.objects.filter(pk=request.pk).update(
        answered_at=timezone.now() - dt.timedelta(hours=1))
    assert panels.my_open_tasks(caseworker)[2] == 1

    Message.objects.create(case=case, from_staff=True, sender=caseworker, body="Svar")
    JournalNote.objects.create(case=case, author=caseworker, body="Gennemgået svaret")
    cases, _, waiting = panels.my_open_tasks(caseworker)
    assert waiting == 0 and cases[0].waiting == []


def test_my_open_tasks_is_bounded(nordby, caseworker):
    for _ in range(panels.LIST_LIMIT + 2):
        assigned_case(nordby, caseworker)
    cases, total, _ = panels.my_open_tasks(caseworker)
    assert len(cases) == panels.LIST_LIMIT and total == panels.LIST_LIMIT + 2


def test_new_applications_are_the_unassigned_submitted_ones(nordby, sydby, caseworker):
    new = open_case(nordby, full_name="Ny Ansøger")
    assigned_case(nordby, caseworker, status=S.SUBMITTED, full_name="Allerede Fordelt")
    open_case(sydby, full_name="Sydby Borger")
    cases, total = panels.new_applications(caseworker)
    assert total == 1 and [c.pk for c in cases] == [new.pk] and cases[0].full_name == "Ny Ansøger"


def test_talks_this_week_from_today_to_sunday_not_cancelled(nordby, sydby, caseworker):
    case = open_case(nordby, full_name="Talk Borger")
    tonight = ScreeningTalk.objects.create(case=case, starts_at=today_at(23), ends_at=today_at(23, 30))
    tonight.staff.add(caseworker)
    ScreeningTalk.objects.create(case=case, starts_at=today_at(22), ends_at=today_at(22, 30),
                                 cancelled_at=timezone.now())
    ScreeningTalk.objects.create(case=case, starts_at=today_at(10, days=-1), ends_at=today_at(11, days=-1))
    ScreeningTalk.objects.create(case=case, starts_at=today_at(10, days=8), ends_at=today_at(11, days=8))
    ScreeningTalk.objects.create(case=open_case(sydby), starts_at=today_at(23), ends_at=today_at(23, 30))

    talks, total = panels.talks_this_week(caseworker)

    assert total == 1 and [t.pk for t in talks] == [tonight.pk]
    assert talks[0].is_mine and talks[0].full_name == "Talk Borger"


def test_the_week_ends_on_sunday_in_copenhagen():
    wednesday_evening = dt.datetime(2026, 3, 4, 22, 30, tzinfo=dt.UTC)  # 23:30 in Copenhagen
    start, end = panels.week_bounds(wednesday_evening)
    assert (start.isoformat(), end.isoformat()) == ("2026-03-04T00:00:00+01:00", "2026-03-09T00:00:00+01:00")
    sunday_night = dt.datetime(2026, 3, 8, 23, 30, tzinfo=dt.UTC)  # already Monday in Copenhagen
    assert panels.week_bounds(sunday_night)[0].date() == dt.date(2026, 3, 9)


def test_deadlines_within_a_week_or_passed(nordby, caseworker):
    case = assigned_case(nordby, caseworker, full_name="Frist Borger")
    today = timezone.localdate()

    def request(days, answered=False):
        item = InformationRequest.objects.create(
            case=case, question="?", due_on=today + dt.timedelta(days=days), created_by=caseworker)
        if answered:
            InformationRequest.objects.filter(pk=item.pk).update(answered_at=timezone.now())
        return item

    soon, overdue = request(3), request(-2)
    request(10), request(1, answered=True)
    consultation = Decision.objects.create(
        case=case, kind=Decision.Kind.REFER_TO_ORDINARY_EFFORT, status=Decision.Status.IN_CONSULTATION,
        consultation_sent_at=timezone.now(), consultation_deadline=today + dt.timedelta(days=7))
    Decision.objects.create(case=case, kind=Decision.Kind.ADMIT_TO_COURSE,
                            status=Decision.Status.IN_CONSULTATION, consultation_sent_at=timezone.now(),
                            consultation_deadline=today + dt.timedelta(days=8))
    closed = assigned_case(nordby, caseworker, status=S.CLOSED)
    InformationRequest.objects.create(case=closed, question="?", due_on=today, created_by=caseworker)

    rows, total = panels.deadlines_passing(caseworker)

    assert total == 3
    assert [row["due"] for row in rows] == [overdue.due_on, soon.due_on, consultation.consultation_deadline]
    assert [row["overdue"] for row in rows] == [True, False, False]
    assert rows[0]["full_name"] == "Frist Borger" and rows[0]["assigned_to"]
    assert rows[0]["url"] == reverse("backoffice:case", args=[case.pk])


# --- The dashboard per role ---------------------------------------------------------------------------


def test_the_caseworker_sees_the_panels_with_own_cases_and_no_cpr(client, nordby, sydby, caseworker):
    ours = assigned_case(nordby, caseworker, full_name="Nordby Navn")
    add_everything(ours, caseworker)
    open_case(nordby, full_name="Ny Nordbo")
    theirs = open_case(sydby, full_name="Sydby Navn")
    add_everything(theirs, _user("sagsbehandler@sydby.example"))
    client.force_login(caseworker)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert all(panel_id in html for panel_id in PANEL_IDS)
    assert "Nordby Navn" in html and "Ny Nordbo" in html and ours.reference in html
    assert reverse("backoffice:case", args=[ours.pk]) in html
    assert "Sydby Navn" not in html and theirs.reference not in html
    assert FULL_CPR not in html and FULL_CPR.replace("-", "") not in html


@pytest.mark.parametrize("email", ["koordinator@nordby.example", "erhvervskonsulent@nordby.example"])
def test_other_case_roles_see_the_panels_too(client, nordby, email):
    open_case(nordby, full_name="Ny Nordbo")
    client.force_login(_user(email))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert all(panel_id in html for panel_id in PANEL_IDS) and "Ny Nordbo" in html


@pytest.mark.parametrize("email", ["redaktoer@nordby.example", "styregruppe@nordby.example"])
def test_editors_and_the_steering_group_get_no_case_panels(client, nordby, email):
    open_case(nordby, full_name="Ny Nordbo")
    client.force_login(_user(email))
    response = client.get(reverse("wagtailadmin_home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert not any(panel_id in html for panel_id in PANEL_IDS) and "Ny Nordbo" not in html


def test_the_dashboard_costs_the_same_queries_for_1_and_30_cases(client, nordby, caseworker,
                                                                 django_assert_max_num_queries):
    def one_more():
        case = assigned_case(nordby, caseworker)
        add_everything(case, caseworker)
        open_case(nordby)

    one_more()
    client.force_login(caseworker)
    client.get(reverse("wagtailadmin_home"))  # warm up caches (content types, site)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("wagtailadmin_home")).status_code == 200
    for _ in range(29):
        one_more()
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert html.count('href="/admin/casework/') >= 30  # every panel filled


def test_granted_loans_waiting_for_a_business_account_are_on_the_dashboard(client, nordby, sydby, caseworker):
    waiting = open_case(nordby, full_name="Venter Bank")
    Case.objects.filter(pk=waiting.pk).update(status=Case.Status.LOAN_GRANTED)
    not_yet = open_case(nordby, full_name="Ikke Endnu")
    theirs = open_case(sydby, full_name="Sydby Bank")
    Case.objects.filter(pk=theirs.pk).update(status=Case.Status.LOAN_GRANTED)
    client.force_login(caseworker)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "backoffice-waiting-for-account" in html
    assert waiting.reference in html and reverse("backoffice:business_waiting") in html
    assert theirs.reference not in html
    panel = html[html.index("backoffice-waiting-for-account"):]
    assert not_yet.reference not in panel
