"""The dashboard panels for the money and the follow-up: loans in arrears
by bucket (the same days past due as the loan section, interest included)
and businesses missing last month's self-report; only the own
municipality's cases, only for the roles that handle them, and in the same
number of queries however many cases there are."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backoffice import panels, selectors_loans
from backoffice.models import Business, Case, SelfReport
from backoffice.services import followup, loans

from .test_loans import TODAY, disburse, granted_case, make_case, make_staff, user

S = Case.Status
LATER = dt.date(2026, 6, 15)  # instalments from 1 February 2026: four are past due


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


@pytest.fixture
def staff(nordby):
    return make_staff(nordby, name="anden"), make_staff(nordby, name="tredje")


def loan_paying(municipality, granter, staff, instalments_paid, rate=None):
    """A loan of 30.000 kr. over 30 months from 1 February 2026 (12 % a
    year with ``rate``), paid out on the grant day, with the first
    ``instalments_paid`` instalments paid."""
    if rate is not None:
        policy = municipality.loan_policy
        policy.annual_interest_rate = rate
        policy.save()
    case, loan = granted_case(municipality, granter, status=S.BUSINESS_SETUP, verified_by=granter,
                              amount_ore=3_000_000, grace_months=0, repayment_months=30)
    disburse(loan, *staff, paid_on=loan.granted_on)
    loan.refresh_from_db()
    amount = sum(loan.instalments.order_by("due_on").values_list("amount_ore", flat=True)[:instalments_paid])
    if amount:
        loans.book_interest(loan, today=TODAY)  # what is due so far, so the payment fits the balance
        loans.record_payment(loan, staff[0], amount_ore=amount, booked_on=TODAY)
    loan.refresh_from_db()
    return loan


def test_arrears_buckets_and_the_longest_in_arrears(nordby, sydby, coordinator, staff):
    unpaid = loan_paying(nordby, coordinator, staff, 0)        # due 1 Feb: 134 days at LATER
    two = loan_paying(nordby, coordinator, staff, 2)           # due 1 Apr: 75 days
    four = loan_paying(nordby, coordinator, staff, 4)          # due 1 Jun: 14 days
    loan_paying(nordby, coordinator, staff, 5)                 # due 1 Jul: not late
    theirs_granter = user("koordinator@sydby.example")
    loan_paying(sydby, theirs_granter, (make_staff(sydby, name="s2"), make_staff(sydby, name="s3")), 0)

    buckets, rows, total = panels.arrears_overview(coordinator, today=LATER)

    assert [(b["label"], b["count"]) for b in buckets] == [("1–30", 1), ("31–90", 1), ("90+", 1)]
    assert total == 3
    assert [row.pk for row in rows] == [unpaid.pk, two.pk, four.pk]
    for row, loan in zip(rows, (unpaid, two, four)):
        assert row.days_past_due == selectors_loans.days_past_due(loan, today=LATER)
        assert row.arrears_ore == selectors_loans.arrears_ore(loan, today=LATER)
        assert row.url == reverse("backoffice:case", args=[loan.case_id]) + "#loan-section"
    assert rows[0].days_past_due == (LATER - dt.date(2026, 2, 1)).days and rows[0].full_name == "Amina Hansen"
    assert rows[1].arrears_kr == "3.000,00"  # April, May and June, 1.000 kr. each


def test_arrears_follow_fifo_with_interest(nordby, coordinator, staff):
    loan = loan_paying(nordby, coordinator, staff, 1, rate="12.00")
    [row] = panels.arrears_overview(coordinator, today=LATER)[1]
    assert row.pk == loan.pk
    assert row.days_past_due == selectors_loans.days_past_due(loan, today=LATER) == (
        LATER - dt.date(2026, 3, 1)).days
    assert row.arrears_ore == selectors_loans.arrears_ore(loan, today=LATER)


def test_closed_or_not_paid_out_loans_are_not_in_arrears(nordby, coordinator, staff):
    granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator, grace_months=0,
                 repayment_months=30, amount_ore=3_000_000)  # not paid out
    repaid = loan_paying(nordby, coordinator, staff, 0)
    loans.record_payment(repaid, staff[0], amount_ore=3_000_000, booked_on=TODAY)
    assert panels.arrears_overview(coordinator, today=LATER)[2] == 0


def test_arrears_cost_two_queries_for_one_or_many_loans(nordby, coordinator, staff, django_assert_num_queries):
    loan_paying(nordby, coordinator, staff, 0)
    panels.arrears_overview(coordinator, today=LATER)  # the user's permissions and municipality, cached
    with django_assert_num_queries(2):
        assert panels.arrears_overview(coordinator, today=LATER)[2] == 1
    for paid in (0, 1, 2, 3):
        loan_paying(nordby, coordinator, staff, paid)
    with django_assert_num_queries(2):
        assert panels.arrears_overview(coordinator, today=LATER)[2] == 5


# --- Missing self-reports ------------------------------------------------------------------------------


def business_case(municipality, started_on, reported=(), status=S.IN_REPAYMENT, name="Systuen"):
    case = make_case(municipality, status=status)
    Business.objects.create(case=case, name=name, cvr_number="", started_on=started_on)
    for month in reported:
        SelfReport.objects.create(case=case, month=month, revenue_ore=100)
    return case


def months_ago(count, day=10):
    return followup.add_months(timezone.localdate().replace(day=1), -count).replace(day=day)


def last_month():
    return followup.add_months(timezone.localdate().replace(day=1), -1)


def test_missing_last_months_report(nordby, sydby, coordinator):
    missing = business_case(nordby, months_ago(3), reported=[months_ago(3, 1)])
    never = business_case(nordby, months_ago(1), status=S.LOAN_DISBURSED)
    reported = business_case(nordby, months_ago(2), reported=[last_month()])
    business_case(nordby, months_ago(0))  # started this month: nothing due yet
    business_case(nordby, months_ago(13))  # beyond the first year of reports
    business_case(nordby, months_ago(2), status=S.CLOSED)  # no longer in follow-up
    business_case(sydby, months_ago(2))

    rows, total, month = panels.missing_last_months_report(coordinator)

    assert month == last_month() and total == 2
    assert [case.pk for case in rows] == [missing.pk, never.pk]
    assert rows[0].last_report == months_ago(3, 1) and rows[1].last_report is None
    assert rows[0].url == reverse("backoffice:case", args=[missing.pk]) + "#followup-section"
    # The same rule as the case page's list of missing months.
    for case in (missing, never, reported):
        expected = last_month() in followup.missing_self_reports(Case.objects.get(pk=case.pk))
        assert expected == (case.pk in {row.pk for row in rows})


def test_missing_reports_cost_the_same_queries_for_one_or_many(nordby, coordinator, django_assert_num_queries):
    business_case(nordby, months_ago(2))
    panels.missing_last_months_report(coordinator)  # the user's permissions and municipality, cached
    with django_assert_num_queries(2):
        assert panels.missing_last_months_report(coordinator)[1] == 1
    for count in range(6):
        business_case(nordby, months_ago(2 + count), reported=[months_ago(2 + count, 1)])
    with django_assert_num_queries(2):
        assert panels.missing_last_months_report(coordinator)[1] == 7


# --- On the dashboard ----------------------------------------------------------------------------------


def test_the_coordinator_sees_both_panels_with_links(client, nordby, coordinator, staff):
    loan = loan_paying(nordby, coordinator, staff, 0)
    case = business_case(nordby, months_ago(2))
    client.force_login(coordinator)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "backoffice-loans-in-arrears" in html and "backoffice-missing-self-reports" in html
    assert reverse("backoffice:case", args=[loan.case_id]) + "#loan-section" in html
    assert reverse("backoffice:case", args=[case.pk]) + "#followup-section" in html
    assert "Lån i restance" in html and "Manglende månedlige indberetninger" in html


def test_the_caseworker_sees_missing_reports_but_not_the_arrears(client, nordby, coordinator, staff):
    loan_paying(nordby, coordinator, staff, 0)
    client.force_login(user("sagsbehandler@nordby.example"))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "backoffice-missing-self-reports" in html and "backoffice-loans-in-arrears" not in html


@pytest.mark.parametrize("email", ["styregruppe@nordby.example", "redaktoer@nordby.example",
                                   "koordinator@sydby.example"])
def test_others_do_not_see_nordbys_loans_or_reports(client, nordby, coordinator, staff, email):
    loan = loan_paying(nordby, coordinator, staff, 0)
    case = business_case(nordby, months_ago(2))
    client.force_login(user(email))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert loan.case.reference not in html and case.reference not in html


def test_the_dashboard_costs_the_same_queries_for_1_and_8_loans(client, nordby, coordinator, staff,
                                                                 django_assert_max_num_queries):
    def one_more():
        loan_paying(nordby, coordinator, staff, 0)
        business_case(nordby, months_ago(2))

    one_more()
    client.force_login(coordinator)
    client.get(reverse("wagtailadmin_home"))  # warm up caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("wagtailadmin_home")).status_code == 200
    for _ in range(7):
        one_more()
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert html.count("#loan-section") == panels.ARREARS_LIMIT and html.count("#followup-section") == 8
