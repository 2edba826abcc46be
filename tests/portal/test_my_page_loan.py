"""The citizen's loan on My page: amount and terms, payouts, the repayment
plan with each instalment's state in words, the balance, the next
instalment and how to pay, days late in kind words, and the next
follow-up; Danish amounts ("42.345,67 kr."). Only the case's own citizen on
their municipality's site; anybody else gets a 404, anonymous visitors are
sent to log in. The case page links to the loan and tells the course and
loan steps on its timeline."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import formats, timezone, translation

from backoffice import selectors_loans
from backoffice.models import (
    Case, CaseApplication, CourseSession, DecisionKind, Document, Enrolment, FollowUp,
)
from backoffice.services import business, courses, loans

from ..backoffice.test_loans import TODAY, business_account, disburse, final_decision, granted_case, make_staff

User = get_user_model()
S = Case.Status
SYDBY_HOST = "localhost:8000"
AMOUNT_ORE = 4_234_567  # 42.345,67 kr.

pytestmark = pytest.mark.usefixtures("danish_without_scanner")


@pytest.fixture
def coordinator(demo):
    return User.objects.get(email="koordinator@nordby.example")


@pytest.fixture
def second(nordby):
    return make_staff(nordby, name="anden")


@pytest.fixture
def third(nordby):
    return make_staff(nordby, name="tredje")


def serviced(nordby, citizen, coordinator, second, third, *, months=12, paid_instalments=0):
    """The citizen's case with a loan paid out on TODAY, repaid monthly from
    1 February 2026 (no grace period), ``paid_instalments`` of them paid."""
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator,
                              citizen=citizen, amount_ore=AMOUNT_ORE, grace_months=0, repayment_months=months)
    disburse(loan, second, third, paid_on=TODAY)
    loan.refresh_from_db()
    if paid_instalments:
        amount = sum(loan.instalments.order_by("due_on").values_list("amount_ore", flat=True)[:paid_instalments])
        loans.record_payment(loan, second, amount_ore=amount, booked_on=TODAY)
    case.refresh_from_db()
    return case, loan


def loan_url(case):
    return reverse("my_page_loan", kwargs={"reference": case.reference})


def case_url(case):
    return reverse("my_page_case", kwargs={"reference": case.reference})


def text(response):
    assert response.status_code == 200
    return response.content.decode()


def test_the_citizen_sees_amount_terms_payouts_plan_and_balance(client, citizen, nordby, coordinator, second,
                                                                 third):
    case, loan = serviced(nordby, citizen, coordinator, second, third, months=12, paid_instalments=2)
    client.force_login(citizen)
    html = text(client.get(loan_url(case)))
    instalment = AMOUNT_ORE // 12  # 352.880 øre; the last one takes the rest
    assert "42.345,67 kr." in html  # the loan, and what was paid out
    assert f"{loans.kroner(instalment)} kr." == "3.528,80 kr."
    assert "3.528,80 kr." in html
    assert f"{loans.kroner(AMOUNT_ORE - 2 * instalment)} kr." in html  # the balance
    assert "0 % om året" in html and "12 måneder" in html
    assert TODAY.strftime("%-d.") in html and "15. marts 2026" in html  # paid out on
    # One row per instalment, each with its state in words.
    assert html.count('class="repayment-plan__row ') == 12
    assert html.count("repayment-plan__row--paid") == 2
    assert html.count(">Betalt<") == 2
    assert "<caption>12 afdrag." in html and 'scope="col"' in html and 'scope="row"' in html
    assert "Rente indtil nu" not in html and "Afdrag på lånet" not in html  # 0 %: nothing about interest


def test_with_interest_the_citizen_sees_interest_so_far_and_each_instalments_split(
        client, citizen, nordby, coordinator, second, third):
    nordby.loan_policy.annual_interest_rate = "12.00"
    nordby.loan_policy.save()
    case, loan = serviced(nordby, citizen, coordinator, second, third, months=12)
    booked = loans.book_interest(loan, today=dt.date(2026, 5, 1))
    # Paid out on 15 March: the February and March instalments carry no interest, April and May do.
    assert [entry.booked_on for entry in booked] == [dt.date(2026, 4, 1), dt.date(2026, 5, 1)]
    interest = sum(entry.amount_ore for entry in booked)
    client.force_login(citizen)
    html = text(client.get(loan_url(case)))
    assert "12 % om året" in html
    assert "Rente indtil nu" in html and f"{loans.kroner(interest)} kr." in html
    assert f"{loans.kroner(AMOUNT_ORE + interest)} kr." in html  # what is owed: paid out plus interest
    first = loan.instalments.order_by("due_on").first()
    assert first.interest_ore == 42_346  # 1 % a month of 42.345,67 kr.
    assert "Afdrag på lånet" in html and ">Rente<" in html
    assert f"<td>{loans.kroner(first.principal_ore)} kr.</td><td>{loans.kroner(first.interest_ore)} kr.</td>" in html


def test_a_late_payment_is_told_kindly_with_days_and_amount(client, citizen, nordby, coordinator, second, third):
    case, loan = serviced(nordby, citizen, coordinator, second, third, months=12, paid_instalments=1)
    client.force_login(citizen)
    html = text(client.get(loan_url(case)))
    days = (timezone.localdate() - dt.date(2026, 3, 1)).days  # the second instalment is the oldest unpaid
    assert days == selectors_loans.days_past_due(loan)
    assert f"En betaling er {days} dage for sent." in html
    assert "Det kan ske." in html and "finder vi en løsning sammen" in html
    assert "Ikke betalt endnu – datoen er passeret" in html
    assert "Sådan betaler du" in html and case.reference in html
    assert "status-box--action" in html


def test_nothing_late_before_the_payout_and_no_plan_rows_overdue(client, citizen, nordby, coordinator):
    case, loan = granted_case(nordby, coordinator, citizen=citizen, amount_ore=AMOUNT_ORE, grace_months=0,
                              repayment_months=3)
    client.force_login(citizen)
    html = text(client.get(loan_url(case)))
    assert "ikke udbetalt endnu" in html
    assert "for sent" not in html and "repayment-plan__row--overdue" not in html
    assert html.count("Ikke forfaldet endnu") == 3
    assert "Der er ikke udbetalt noget endnu." in html
    assert "Dit næste afdrag" not in html  # nothing to pay before the payout


def test_a_repaid_loan_says_nothing_is_owed(client, citizen, nordby, coordinator, second, third):
    case, loan = serviced(nordby, citizen, coordinator, second, third, months=2, paid_instalments=2)
    loan.refresh_from_db()
    assert loan.status == loan.Status.REPAID
    # A follow-up left in the plan of a closed case is not announced.
    FollowUp.objects.create(case=case, planned_on=timezone.localdate() + dt.timedelta(days=5))
    client.force_login(citizen)
    html = text(client.get(loan_url(case)))
    assert "Du har betalt dit lån tilbage." in html and "0,00 kr." in html
    assert "Dit næste afdrag" not in html
    assert "Der er ikke planlagt nogen opfølgning lige nu." in html


def test_the_next_follow_up_not_held_yet_is_shown(client, citizen, nordby, coordinator, second, third):
    case, _loan = serviced(nordby, citizen, coordinator, second, third)
    today = timezone.localdate()
    FollowUp.objects.create(case=case, planned_on=today - dt.timedelta(days=20), done_on=today,
                            kind=FollowUp.Kind.CALL)
    FollowUp.objects.create(case=case, planned_on=today + dt.timedelta(days=40), kind=FollowUp.Kind.MEETING)
    FollowUp.objects.create(case=case, planned_on=today + dt.timedelta(days=10), kind=FollowUp.Kind.VISIT)
    client.force_login(citizen)
    with translation.override("da"):
        when = formats.date_format(today + dt.timedelta(days=10))
    html = text(client.get(loan_url(case)))
    assert f"Besøg den {when}." in html
    case_html = text(client.get(case_url(case)))
    assert f"Næste opfølgning: Besøg den {when}." in case_html
    assert loan_url(case) in case_html


def test_anonymous_visitors_are_sent_to_log_in(client, citizen, nordby, coordinator):
    case, _loan = granted_case(nordby, coordinator, citizen=citizen, amount_ore=AMOUNT_ORE)
    response = client.get(loan_url(case))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_everybody_else_gets_a_404(client, citizen, nordby, coordinator):
    case, _loan = granted_case(nordby, coordinator, citizen=citizen, amount_ore=AMOUNT_ORE)
    other = User.objects.create_user(username="anden@nordby.example", email="anden@nordby.example",
                                     password="x")
    client.force_login(other)
    assert client.get(loan_url(case)).status_code == 404
    client.force_login(coordinator)
    assert client.get(loan_url(case)).status_code == 404
    client.force_login(citizen)
    assert client.get(loan_url(case), HTTP_HOST=SYDBY_HOST).status_code == 404
    # Their own case without a loan.
    no_loan = Case.objects.create(municipality=nordby, citizen=citizen, reference="NOR-2026-09001",
                                  status=S.COURSE_COMPLETED, submitted_at=timezone.now())
    CaseApplication.objects.create(case=no_loan, full_name="Bo Borger", cpr_number="010190-1234")
    assert client.get(loan_url(no_loan)).status_code == 404
    assert client.get(loan_url(case)).status_code == 200
    Case.objects.filter(pk=case.pk).update(status=S.ANONYMISED, anonymised_at=timezone.now())
    assert client.get(loan_url(case)).status_code == 404


def test_the_page_needs_the_same_queries_for_1_and_48_instalments(
        client, citizen, nordby, coordinator, second, third, django_assert_max_num_queries):
    short, _ = serviced(nordby, citizen, coordinator, second, third, months=1)
    long, _ = serviced(nordby, citizen, coordinator, second, third, months=48, paid_instalments=5)
    client.force_login(citizen)
    client.get(loan_url(short))  # warm per-process caches (site, content types)
    with django_assert_max_num_queries(40) as one:
        assert client.get(loan_url(short)).status_code == 200
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = text(client.get(loan_url(long)))
    assert html.count('class="repayment-plan__row ') == 48
    # The case page too: its loan part does not grow with the plan.
    client.get(case_url(short))
    with django_assert_max_num_queries(40) as one:
        assert client.get(case_url(short)).status_code == 200
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(case_url(long)).status_code == 200


# --- The case page's timeline and next steps -------------------------------------------------------------


def test_the_timeline_tells_the_course_and_loan_steps(client, citizen, nordby, coordinator, second, third):
    today = timezone.localdate()
    cohort = courses.create_cohort(nordby, coordinator, name="Forårsholdet", capacity=1,
                                   starts_on=today - dt.timedelta(days=10), ends_on=today + dt.timedelta(days=90))
    courses.add_session(cohort, coordinator, module=CourseSession.Module.BUDGET,
                        starts_at=timezone.now() - dt.timedelta(days=2),
                        ends_at=timezone.now() - dt.timedelta(days=2, hours=-2))
    first = Case.objects.create(municipality=nordby, reference="NOR-2026-09010", status=S.ADMITTED,
                                submitted_at=timezone.now())
    case = Case.objects.create(municipality=nordby, citizen=citizen, reference="NOR-2026-09011",
                               status=S.ADMITTED, submitted_at=timezone.now())
    CaseApplication.objects.create(case=case, full_name="Bo Borger", cpr_number="010190-1234")
    courses.enrol(first, coordinator, cohort)
    courses.enrol(case, coordinator, cohort)  # the cohort is full: waiting list
    client.force_login(citizen)
    html = text(client.get(case_url(case)))
    assert "Du kom på venteliste til forløbet" in html and "nummer 1 på ventelisten" in html

    courses.end_enrolment(Enrolment.objects.get(case=first), coordinator, Enrolment.Status.DROPPED_OUT)
    courses.end_enrolment(Enrolment.objects.get(case=case), coordinator, Enrolment.Status.COMPLETED)
    case.refresh_from_db()
    final_decision(case, coordinator, kind=DecisionKind.GRANT_LOAN)
    loan = loans.grant_loan(case, coordinator, amount_ore=AMOUNT_ORE, grace_months=0, repayment_months=12,
                            today=TODAY - dt.timedelta(days=60))
    account = business_account(case)
    proof = Document.objects.create(case=case, kind=Document.Kind.BANK_CONFIRMATION, file="documents/x",
                                    scan_status=Document.ScanStatus.CLEAN)
    account.proof, account.registration_number, account.account_number = proof, "9070", "1234567890"
    account.save()
    case.refresh_from_db()
    business.verify_business_account(account, coordinator, expected_version=case.version)
    case.refresh_from_db()
    disburse(loan, second, third, paid_on=TODAY)
    loan.refresh_from_db()
    loans.record_payment(loan, second, amount_ore=100_000, booked_on=TODAY)

    html = text(client.get(case_url(case)))
    for title in ("Du fik en plads på forløbet", "En plads blev ledig", "Du har gennemført forløbet",
                  "Dit lån og din afdragsplan er klar", "Vi har tjekket din erhvervskonto",
                  "Vi har udbetalt dit lån", "42.345,67 kr. til din erhvervskonto.",
                  "Du er begyndt at betale dit lån tilbage"):
        assert title in html, title
    assert html.count("Du er begyndt at betale dit lån tilbage") == 1
    # The next instalment is a next step, with the way to pay.
    assert "Betal dit næste afdrag" in html and f'{loan_url(case)}#next-instalment' in html

    # The rest paid: the loan is closed and the timeline says so.
    loan.refresh_from_db()
    loans.record_payment(loan, second, amount_ore=AMOUNT_ORE - 100_000, booked_on=TODAY)
    html = text(client.get(case_url(case)))
    assert "Du har betalt dit lån tilbage" in html and "Du skylder ikke mere." in html
    assert "Betal dit næste afdrag" not in html
