"""The funnel, the business-account barrier, break-even and the budget:
definitions on hand-built cases (period ends included), the coordinator's
parameters (own municipality only, audited), the pages and their downloads,
and query counts that do not grow with the number of cases."""

import datetime as dt
import io
from decimal import Decimal
from itertools import count

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice import charts
from backoffice.models import (
    Allowance, AllowancePayment, BreakEvenParameters, BudgetLine, Business, BusinessAccount, Case, Cohort,
    Decision, DecisionKind, Enrolment, Expense, LedgerEntry, Loan, Outcome, ScreeningTalk, YearlyTarget,
)
from backoffice.services import statistics_settings as settings_services
from backoffice.statistics.barrier import NO_BANK, barrier
from backoffice.statistics.break_even import break_even, parameters_for
from backoffice.statistics.budget import budget
from backoffice.statistics.funnel import by_cohort, funnel, outcomes_by_quarter, targets
from backoffice.statistics.periods import Period

from .staff_cases import staff as user

S = Case.Status
R = Outcome.Result
C = Outcome.Checkpoint
YEAR_2025 = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
_numbers = count(1)


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


@pytest.fixture
def steering(demo):
    return user("styregruppe@nordby.example")


def make_case(municipality, **fields):
    return Case.objects.create(municipality=municipality, reference=f"T-{next(_numbers):05d}", **fields)


def held_talk(case, *, cancelled=False, days_ago=10):
    start = timezone.now() - dt.timedelta(days=days_ago)
    return ScreeningTalk.objects.create(case=case, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                                        cancelled_at=timezone.now() if cancelled else None)


def admit(case, decided_by):
    return Decision.objects.create(case=case, kind=DecisionKind.ADMIT_TO_COURSE, status=Decision.Status.FINAL,
                                   fully_granted=True, decided_by=decided_by, decided_at=timezone.now())


def outcome(case, checkpoint, result, recorded_on):
    return Outcome.objects.create(case=case, checkpoint=checkpoint, result=result, recorded_on=recorded_on)


def business(case, *, started_on=None, bank=None, requested_on=None, opened_on=None, fees_ore=0):
    firm = Business.objects.create(case=case, name=f"Firma {case.pk}", started_on=started_on)
    if bank:
        BusinessAccount.objects.create(business=firm, bank_name=bank, requested_on=requested_on,
                                       opened_on=opened_on, fees_paid_ore=fees_ore)
    return firm


def loan(case, granted_by, granted_on=dt.date(2025, 1, 1)):
    return Loan.objects.create(case=case, principal_ore=5_000_000, annual_interest_rate=Decimal("0"),
                               grace_months=6, repayment_months=24, granted_on=granted_on, granted_by=granted_by)


# --- the funnel --------------------------------------------------------------------------------


@pytest.fixture
def funnel_cases(nordby, sydby, coordinator):
    m = nordby
    cases = {
        "c1": make_case(m, referred_on=dt.date(2025, 1, 1)),  # first day of the period
        "c2": make_case(m, received_on=dt.date(2025, 12, 31)),  # last day
        "c3": make_case(m, received_on=dt.date(2025, 3, 1)),
        "c4": make_case(m, received_on=dt.date(2025, 3, 1)),
        "c5": make_case(m, referred_on=dt.date(2025, 2, 1), imported=True, course_started_on=dt.date(2025, 2, 3),
                        course_completed_on=dt.date(2025, 6, 30), loan_granted_on=dt.date(2025, 7, 10)),
        "c6": make_case(m, referred_on=dt.date(2025, 2, 1), course_started_on=dt.date(2025, 2, 3),
                        loan_granted_on=dt.date(2025, 7, 1)),
        "c7": make_case(m, received_on=dt.date(2024, 12, 31), course_started_on=dt.date(2024, 10, 1),
                        course_completed_on=dt.date(2025, 3, 1)),  # intake before the period
        "c8": make_case(sydby, received_on=dt.date(2025, 5, 1), course_started_on=dt.date(2025, 5, 2)),
        "c9": make_case(m, received_on=dt.date(2025, 5, 1), course_started_on=dt.date(2025, 5, 2)),
    }
    held_talk(cases["c2"])
    held_talk(cases["c3"], cancelled=True)
    held_talk(cases["c9"])
    admit(cases["c4"], coordinator)
    business(cases["c5"], started_on=dt.date(2025, 8, 1))
    business(cases["c6"])  # registered, not started
    outcome(cases["c5"], C.MONTHS_12, R.SELF_SUFFICIENT_BUSINESS, dt.date(2026, 2, 1))
    outcome(cases["c6"], C.MONTHS_12, R.BUSINESS_AND_SMALL_JOBS, dt.date(2026, 2, 1))
    outcome(cases["c9"], C.MONTHS_12, R.PUBLIC_SUPPORT, dt.date(2026, 5, 1))
    outcome(cases["c9"], C.MONTHS_6, R.EDUCATION, dt.date(2025, 11, 1))
    outcome(cases["c7"], C.COURSE_END, R.SELF_SUFFICIENT_EMPLOYMENT, dt.date(2025, 3, 1))
    return cases


def test_funnel_counts_each_step_with_later_steps_implying_earlier_ones(funnel_cases, nordby):
    steps = {step.key: step for step in funnel(nordby, YEAR_2025)}
    # From the course on a step counts what happened: c6 got a loan and is self-sufficient after 12
    # months without a completion date or a started business, so it counts at neither of those.
    assert {key: step.count for key, step in steps.items()} == {
        "referred": 7, "talk": 5, "admitted": 4, "completed": 1, "loan": 2, "business": 1, "self_sufficient": 2,
    }
    assert steps["referred"].conversion is None
    assert steps["talk"].conversion == pytest.approx(5 / 7)
    assert steps["admitted"].conversion == pytest.approx(4 / 5)
    assert steps["completed"].conversion == pytest.approx(1 / 4)
    assert steps["self_sufficient"].share_of_first == pytest.approx(2 / 7)


def test_funnel_someone_who_left_for_a_job_counts_as_a_success_but_not_as_a_loan(nordby):
    case = make_case(nordby, received_on=dt.date(2025, 1, 10), course_started_on=dt.date(2025, 2, 1))
    outcome(case, C.MONTHS_12, R.SELF_SUFFICIENT_EMPLOYMENT, dt.date(2026, 2, 1))
    counts = {step.key: step.count for step in funnel(nordby, YEAR_2025)}
    assert counts == {"referred": 1, "talk": 1, "admitted": 1, "completed": 0, "loan": 0, "business": 0,
                      "self_sufficient": 1}


def test_funnel_period_boundaries_and_empty_period(funnel_cases, nordby):
    first_day = funnel(nordby, Period(dt.date(2025, 1, 1), dt.date(2025, 1, 1)))
    assert first_day[0].count == 1 and first_day[1].count == 0
    last_day = funnel(nordby, Period(dt.date(2025, 12, 31), dt.date(2025, 12, 31)))
    assert [s.count for s in last_day[:3]] == [1, 1, 0]
    empty = funnel(nordby, Period(dt.date(2030, 1, 1), dt.date(2030, 12, 31)))
    assert all(s.count == 0 and s.conversion is None for s in empty)


def test_funnel_per_cohort_with_the_expected_successes(funnel_cases, nordby):
    cohort = Cohort.objects.create(municipality=nordby, name="Hold forår 2025", starts_on=dt.date(2025, 2, 3),
                                   ends_on=dt.date(2025, 6, 30), capacity=20)
    Cohort.objects.create(municipality=nordby, name="Hold 2023", starts_on=dt.date(2023, 2, 1),
                          ends_on=dt.date(2023, 6, 30))
    for key, status in (("c5", Enrolment.Status.COMPLETED), ("c6", Enrolment.Status.ENROLLED),
                        ("c9", Enrolment.Status.DROPPED_OUT)):
        Enrolment.objects.create(case=funnel_cases[key], cohort=cohort, status=status)
    Enrolment.objects.create(case=funnel_cases["c4"], cohort=cohort, status=Enrolment.Status.WAITING,
                             waiting_position=1)
    rows = by_cohort(nordby, YEAR_2025)
    assert len(rows) == 1
    row = rows[0]
    assert (row.name, row.places, row.started, row.completed, row.loans, row.businesses, row.self_sufficient) == (
        "Hold forår 2025", 20, 3, 1, 2, 1, 2)
    assert (row.expected_low, row.expected_high) == (4, 5)


def test_targets_default_and_edited(funnel_cases, nordby, coordinator):
    period = Period(dt.date(2024, 7, 1), dt.date(2025, 12, 31))
    rows = targets(nordby, period)
    assert [(r.year, r.participants_target, r.businesses_target, r.is_default) for r in rows] == [
        (2024, 40, 20, True), (2025, 40, 20, True)]
    assert [(r.participants, r.businesses) for r in rows] == [(1, 0), (3, 1)]
    settings_services.save_yearly_target(coordinator, year=2025, participants_target=30, businesses_target=12)
    rows = targets(nordby, period)
    assert (rows[1].participants_target, rows[1].businesses_target, rows[1].is_default) == (30, 12, False)
    assert rows[1].participants_share == pytest.approx(3 / 30)
    # A second save of the same year changes the row.
    settings_services.save_yearly_target(coordinator, year=2025, participants_target=35, businesses_target=15)
    assert YearlyTarget.objects.get(municipality=nordby, year=2025).participants_target == 35


def test_outcomes_over_time_per_quarter(funnel_cases, nordby):
    rows = outcomes_by_quarter(nordby, Period(dt.date(2025, 1, 1), dt.date(2026, 6, 30)))
    assert [(r.quarter, r.self_sufficient, r.education, r.not_self_sufficient) for r in rows] == [
        (dt.date(2025, 1, 1), 1, 0, 0), (dt.date(2025, 10, 1), 0, 1, 0),
        (dt.date(2026, 1, 1), 2, 0, 0), (dt.date(2026, 4, 1), 0, 0, 1)]


# --- the business-account barrier ----------------------------------------------------------------


@pytest.fixture
def barrier_cases(nordby, coordinator):
    m = nordby
    b1 = make_case(m, status=S.LOAN_DISBURSED, loan_granted_on=dt.date(2025, 1, 1))
    business(b1, bank="Danske Bank", requested_on=dt.date(2025, 1, 2), opened_on=dt.date(2025, 1, 11),
             fees_ore=50_000)
    b2 = make_case(m, status=S.IN_REPAYMENT, loan_granted_on=dt.date(2025, 2, 1))
    business(b2, bank="Danske Bank", requested_on=dt.date(2025, 2, 1), opened_on=dt.date(2025, 3, 3),
             fees_ore=150_000)
    b3 = make_case(m, status=S.LOAN_DISBURSED, loan_granted_on=dt.date(2025, 3, 1))
    business(b3, bank="Nordea", opened_on=dt.date(2025, 3, 21))
    b4 = make_case(m, status=S.BUSINESS_SETUP, loan_granted_on=dt.date(2025, 4, 1))
    business(b4, bank="Nordea", requested_on=dt.date(2025, 4, 2))
    b5 = make_case(m, status=S.LOAN_GRANTED, loan_granted_on=dt.date(2024, 12, 1))  # before the period
    business(b5, bank="Nordea")
    b6 = make_case(m, status=S.LOAN_GRANTED, loan_granted_on=dt.date(2025, 5, 1))  # no business yet
    return {"b1": b1, "b2": b2, "b3": b3, "b4": b4, "b5": b5, "b6": b6}


def test_barrier_median_quartiles_fees_per_bank_and_waiting_now(barrier_cases, nordby):
    result = barrier(nordby, YEAR_2025, today=dt.date(2025, 6, 1))
    assert (result.loans, result.opened) == (5, 3)
    assert (result.days.q1, result.days.median, result.days.q3, result.days.longest) == (15, 20, 25, 30)
    assert result.fees_total_dkk == Decimal("2000.00")
    assert result.fees_average_dkk == Decimal("500.00")  # four accounts
    banks = {bank.bank: bank for bank in result.banks}
    assert (banks["Danske Bank"].loans, banks["Danske Bank"].opened, banks["Danske Bank"].days.median) == (2, 2, 20)
    assert banks["Danske Bank"].fees_average_dkk == Decimal("1000.00")
    assert (banks["Nordea"].loans, banks["Nordea"].opened, banks["Nordea"].waiting) == (2, 1, 1)
    assert banks[str(NO_BANK)].loans == 1 and banks[str(NO_BANK)].days.count == 0
    assert result.waiting_now == 3
    assert [(w.case_pk, w.days_waiting, w.bank, w.requested) for w in result.longest_waiting] == [
        (barrier_cases["b5"].pk, 182, "Nordea", False),
        (barrier_cases["b4"].pk, 61, "Nordea", True),
        (barrier_cases["b6"].pk, 31, str(NO_BANK), False),
    ]


def test_barrier_empty_period_and_municipality_without_cases(barrier_cases, sydby, nordby):
    empty = barrier(sydby, YEAR_2025)
    assert (empty.loans, empty.waiting_now, empty.days.median, empty.fees_average_dkk) == (0, 0, None, None)
    later = barrier(nordby, Period(dt.date(2030, 1, 1), dt.date(2030, 1, 31)))
    assert later.loans == 0 and later.waiting_now == 3  # waiting now does not depend on the period


# --- break-even ------------------------------------------------------------------------------------


def test_break_even_defaults_reproduce_about_six_percent(nordby):
    parameters = parameters_for(nordby)
    assert parameters.pk is None
    share = parameters.break_even_share(40)
    assert share == Decimal(1_550_000) / Decimal(40 * 5 * 130_000)
    assert round(float(share) * 100, 1) == 6.0


@pytest.fixture
def break_even_cases(nordby, coordinator):
    p1 = make_case(nordby, course_started_on=dt.date(2025, 2, 1))
    outcome(p1, C.MONTHS_6, R.PUBLIC_SUPPORT, dt.date(2025, 8, 1))
    outcome(p1, C.MONTHS_12, R.SELF_SUFFICIENT_BUSINESS, dt.date(2026, 2, 1))  # after the period
    p2 = make_case(nordby, course_started_on=dt.date(2025, 3, 1), loan_granted_on=dt.date(2025, 7, 1))
    outcome(p2, C.MONTHS_6, R.SELF_SUFFICIENT_EMPLOYMENT, dt.date(2025, 9, 1))
    make_case(nordby, course_started_on=dt.date(2025, 12, 31))
    p4 = make_case(nordby, course_started_on=dt.date(2024, 1, 1))
    outcome(p4, C.MONTHS_6, R.SELF_SUFFICIENT_BUSINESS, dt.date(2024, 8, 1))
    written = loan(p2, coordinator)
    LedgerEntry.objects.create(created_by=coordinator, loan=written, kind=LedgerEntry.Kind.DISBURSEMENT, amount_ore=5_000_000,
                               booked_on=dt.date(2025, 7, 5))
    LedgerEntry.objects.create(created_by=coordinator, loan=written, kind=LedgerEntry.Kind.WRITE_OFF, amount_ore=-1_000_000,
                               booked_on=dt.date(2025, 12, 31))
    LedgerEntry.objects.create(created_by=coordinator, loan=written, kind=LedgerEntry.Kind.WRITE_OFF, amount_ore=-500_000,
                               booked_on=dt.date(2026, 1, 1))


def test_break_even_actual_share_and_write_offs(break_even_cases, nordby, coordinator):
    result = break_even(nordby, YEAR_2025)
    assert (result.participants, result.self_sufficient) == (3, 1)
    assert result.actual_share == Decimal(1) / Decimal(3)
    assert (result.loans_written_off, result.written_off_dkk) == (1, Decimal("10000.00"))
    year = result.years[0]
    assert (year.year, year.participants_target, year.breaks_even) == (2025, 40, True)
    settings_services.save_break_even_parameters(coordinator, {
        "yearly_project_cost_dkk": 2_600_000, "coordinator_dkk": 600_000, "consultant_dkk": 300_000,
        "courses_and_external_dkk": 1_700_000})
    settings_services.save_yearly_target(coordinator, year=2025, participants_target=20, businesses_target=10)
    result = break_even(nordby, YEAR_2025)
    # The headline uses the municipality's own target (20 participants), like the year rows.
    assert (result.participants_per_year, result.required_share_default) == (20, Decimal("0.2"))
    assert result.years[0].required_share == Decimal("0.2")
    assert BreakEvenParameters.objects.get(municipality=nordby).yearly_project_cost_dkk == 2_600_000


# --- the budget ------------------------------------------------------------------------------------


@pytest.fixture
def budget_data(nordby, sydby, coordinator):
    for category, amount in (("loans", 100_000), ("allowances", 50_000), ("courses_and_external", 200_000)):
        BudgetLine.objects.create(municipality=nordby, year=2025, category=category, budget_dkk=amount)
    BudgetLine.objects.create(municipality=sydby, year=2025, category="loans", budget_dkk=999)
    case = make_case(nordby, loan_granted_on=dt.date(2025, 2, 1))
    granted = loan(case, coordinator)
    payout = LedgerEntry.objects.create(created_by=coordinator, loan=granted, kind=LedgerEntry.Kind.DISBURSEMENT,
                                        amount_ore=4_000_000, booked_on=dt.date(2025, 3, 1))
    # A payout booked 10,000 kr. too high, corrected: the correction counts with the payouts.
    LedgerEntry.objects.create(created_by=coordinator, loan=granted, kind=LedgerEntry.Kind.CORRECTION,
                               corrects=payout, amount_ore=-1_000_000, booked_on=dt.date(2025, 3, 5))
    LedgerEntry.objects.create(created_by=coordinator, loan=granted, kind=LedgerEntry.Kind.REPAYMENT, amount_ore=-100_000,
                               booked_on=dt.date(2025, 4, 1))
    old = loan(make_case(nordby), coordinator, granted_on=dt.date(2024, 1, 1))
    LedgerEntry.objects.create(created_by=coordinator, loan=old, kind=LedgerEntry.Kind.DISBURSEMENT, amount_ore=7_000_000,
                               booked_on=dt.date(2024, 12, 31))
    allowance = Allowance.objects.create(case=case, monthly_amount_ore=1_000_000, months=6,
                                         starts_on=dt.date(2025, 2, 1))
    AllowancePayment.objects.create(allowance=allowance, month=dt.date(2025, 2, 1), amount_ore=1_000_000,
                                    paid_on=dt.date(2025, 2, 1), recorded_by=coordinator,
                                    approved_by=user("sagsbehandler@nordby.example"), approved_at=timezone.now())
    AllowancePayment.objects.create(allowance=allowance, month=dt.date(2025, 4, 1), amount_ore=1_000_000,
                                    paid_on=dt.date(2025, 4, 1), recorded_by=coordinator)  # not approved: not paid
    AllowancePayment.objects.create(allowance=allowance, month=dt.date(2025, 3, 1), amount_ore=1_000_000,
                                    paid_on=None, recorded_by=coordinator)  # not paid yet
    Expense.objects.create(municipality=nordby, spent_on=dt.date(2025, 4, 1), category="courses_and_external",
                           amount_dkk=30_000, note="Kursusforløb forår")
    Expense.objects.create(municipality=nordby, spent_on=dt.date(2025, 12, 31), category="other", amount_dkk=500)
    Expense.objects.create(municipality=sydby, spent_on=dt.date(2025, 4, 1), category="other", amount_dkk=7)


def test_budget_lines_against_actual_spend(budget_data, nordby):
    (year,) = budget(nordby, YEAR_2025)
    assert [(r.category, r.budget_dkk, r.spent_dkk) for r in year.rows] == [
        ("courses_and_external", 200_000, Decimal("30000")),
        ("allowances", 50_000, Decimal("10000.00")),
        ("loans", 100_000, Decimal("30000.00")),
        ("other", 0, Decimal("500")),
    ]
    assert (year.budget_dkk, year.spent_dkk) == (350_000, Decimal("70500.00"))
    assert year.rows[2].used_share == Decimal("0.3")
    assert year.rows[3].over_budget


# --- the coordinator's parameters ------------------------------------------------------------------


def test_parameters_belong_to_the_users_municipality_and_are_audited(nordby, sydby, coordinator, steering):
    line = settings_services.save_budget_line(coordinator, {"year": 2025, "category": "loans", "budget_dkk": 5})
    assert line.municipality == nordby
    assert ModelLogEntry.objects.filter(action=settings_services.BUDGET_LINE_SAVED_ACTION,
                                        object_id=str(line.pk), user=coordinator).exists()
    expense = settings_services.save_expense(coordinator, {"spent_on": dt.date(2025, 1, 2), "category": "other",
                                                           "amount_dkk": 10})
    assert (expense.municipality, expense.created_by) == (nordby, coordinator)
    other = user("koordinator@sydby.example")
    with pytest.raises(Http404):
        settings_services.save_budget_line(other, {"budget_dkk": 1}, pk=line.pk)
    with pytest.raises(Http404):
        settings_services.delete_expense(other, expense.pk)
    with pytest.raises(PermissionDenied):
        settings_services.save_budget_line(steering, {"year": 2025, "category": "loans", "budget_dkk": 5})
    settings_services.delete_expense(coordinator, expense.pk)
    assert not Expense.objects.filter(pk=expense.pk).exists()
    assert ModelLogEntry.objects.filter(action=settings_services.EXPENSE_DELETED_ACTION).exists()


def test_forms_take_the_municipality_from_the_user(client, nordby, sydby, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("backoffice:statistics_budget_line_new"), {
        "line-year": 2025, "line-category": "consultant", "line-budget_dkk": 250_000,
        "line-municipality": sydby.pk, "municipality": sydby.pk})
    assert response.status_code == 302
    assert BudgetLine.objects.get(category="consultant").municipality == nordby
    response = client.post(reverse("backoffice:statistics_target_save"),
                           {"year": 2026, "participants_target": 44, "businesses_target": 22})
    assert response.status_code == 302
    assert YearlyTarget.objects.get(year=2026).municipality == nordby
    parameters = {"yearly_project_cost_dkk": 1_000_000, "coordinator_dkk": 1, "consultant_dkk": 1,
                  "courses_and_external_dkk": 1, "yearly_support_saved_per_citizen_dkk": 100_000, "horizon_years": 5}
    # The total must be the sum of its parts: the form says so and nothing is saved.
    response = client.post(reverse("backoffice:statistics_break_even_parameters"), parameters)
    assert response.status_code == 200 and "summen af de tre dele: 3 kr." in response.content.decode()
    assert not BreakEvenParameters.objects.filter(municipality=nordby).exists()
    response = client.post(reverse("backoffice:statistics_break_even_parameters"), {
        **parameters, "coordinator_dkk": 500_000, "consultant_dkk": 250_000, "courses_and_external_dkk": 250_000})
    assert response.status_code == 302
    assert BreakEvenParameters.objects.get(municipality=nordby).yearly_project_cost_dkk == 1_000_000
    response = client.post(reverse("backoffice:statistics_expense_new"), {
        "expense-spent_on": "2025-02-03", "expense-category": "courses_and_external", "expense-amount_dkk": 1200,
        "expense-note": "Lokaleleje"})
    assert response.status_code == 302
    expense = Expense.objects.get(note="Lokaleleje")
    response = client.post(reverse("backoffice:statistics_expense", args=[expense.pk]), {
        "expense-spent_on": "2025-02-04", "expense-category": "courses_and_external", "expense-amount_dkk": 1300,
        "expense-note": "Lokaleleje"})
    assert response.status_code == 302
    expense.refresh_from_db()
    assert (expense.amount_dkk, expense.spent_on) == (1300, dt.date(2025, 2, 4))
    sydby_line = BudgetLine.objects.create(municipality=sydby, year=2025, category="loans", budget_dkk=1)
    assert client.get(reverse("backoffice:statistics_budget_line", args=[sydby_line.pk])).status_code == 404
    assert client.post(reverse("backoffice:statistics_budget_line_delete", args=[sydby_line.pk])).status_code == 404
    assert BudgetLine.objects.filter(pk=sydby_line.pk).exists()


# --- pages, downloads, charts ------------------------------------------------------------------------

PAGES = ("statistics_index", "statistics_funnel", "statistics_accounts", "statistics_break_even",
         "statistics_budget")
PERIOD = {"start": "2025-01-01", "end": "2025-12-31"}


def test_pages_show_the_figures(client, funnel_cases, barrier_cases, budget_data, coordinator):
    client.force_login(coordinator)
    funnel_page = client.get(reverse("backoffice:statistics_funnel"), PERIOD).content.decode()
    assert 'role="img"' in funnel_page and 'aria-labelledby="funnel-chart-title funnel-chart-desc"' in funnel_page
    assert "<table" in funnel_page
    accounts = client.get(reverse("backoffice:statistics_accounts"), PERIOD).content.decode()
    assert "stats-alert" in accounts and "Danske Bank" in accounts
    # The coordinator may follow a link to the waiting case.
    assert reverse("backoffice:case", args=[barrier_cases["b5"].pk]) in accounts
    index = client.get(reverse("backoffice:statistics_index"), PERIOD).content.decode()
    for name in (*PAGES, "statistics_evaluation"):
        assert reverse(f"backoffice:{name}") in index


def test_steering_group_sees_days_but_no_case_links(client, barrier_cases, steering):
    client.force_login(steering)
    accounts = client.get(reverse("backoffice:statistics_accounts"), PERIOD).content.decode()
    assert reverse("backoffice:case", args=[barrier_cases["b5"].pk]) not in accounts
    assert barrier_cases["b5"].reference not in accounts
    assert "Set the targets" not in client.get(reverse("backoffice:statistics_funnel")).content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_exports(client, funnel_cases, barrier_cases, budget_data, coordinator, name):
    client.force_login(coordinator)
    response = client.get(reverse(f"backoffice:{name}"), {**PERIOD, "export": "csv"})
    if name == "statistics_index":
        assert response["Content-Type"].startswith("text/html")  # the overview has no table to download
        return
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and "nordby-2025-01-01-2025-12-31" in response[
        "Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert len(text.splitlines()) >= 2
    response = client.get(reverse(f"backoffice:{name}"), {**PERIOD, "export": "xlsx"})
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.worksheets[0].max_row >= 2


def test_budget_export_has_the_figures(client, budget_data, coordinator):
    client.force_login(coordinator)
    text = client.get(reverse("backoffice:statistics_budget"), {**PERIOD, "export": "csv"}).content.decode(
        "utf-8-sig")
    lines = text.splitlines()
    assert lines[0].count(",") == 5
    assert "2025,Lån,100000,30000.00,70000.00,30.0" in lines
    assert "2025,I alt,350000,70500.00,279500.00,20.1" in lines


@pytest.mark.parametrize("email, shown", [("styregruppe@nordby.example", True),
                                          ("koordinator@nordby.example", True),
                                          ("sagsbehandler@nordby.example", False),
                                          ("redaktoer@nordby.example", False)])
def test_statistics_menu_only_with_the_permission(client, demo, email, shown):
    client.force_login(user(email))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    for name in (*PAGES, "statistics_evaluation"):
        assert (reverse(f"backoffice:{name}") in html) == shown, name


def test_charts_are_labelled_and_carry_text():
    chart = charts.bar_chart("c", "Title", "Description", [("A", [10]), ("B", [0])], ["Cases"])
    assert chart.rows[0].bars[0].text == "10" and chart.rows[1].bars[0].width == 0
    grouped = charts.bar_chart("g", "T", "D", [("A", [10, 5])], ["Budget", "Spent"])
    assert [bar.text for bar in grouped.rows[0].bars] == ["Budget: 10", "Spent: 5"]
    assert len(grouped.legend) == 2
    columns = charts.column_chart("q", "T", "D", [("Q1", [3, 1, 0])], ["Self-sufficient", "Education", "Other"])
    assert columns.columns[0]["total"] == "4" and len(columns.columns[0]["segments"]) == 2


def _contrast(hex_a, hex_b):
    def luminance(hex_colour):
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(hex_a), luminance(hex_b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_palette_contrast():
    for colour in charts.PALETTE:
        assert _contrast(colour, "#ffffff") >= 4.5, colour


# --- query counts --------------------------------------------------------------------------------------


def full_case(municipality, coordinator, cohort, index):
    day = dt.date(2025, 1, 1) + dt.timedelta(days=index)
    case = make_case(municipality, referred_on=day, course_started_on=day, course_completed_on=day,
                     loan_granted_on=day, status=S.BUSINESS_SETUP if index % 2 else S.IN_REPAYMENT)
    held_talk(case)
    admit(case, coordinator)
    business(case, started_on=day, bank=f"Bank {index % 3}", requested_on=day,
             opened_on=day + dt.timedelta(days=index % 7) if index % 2 == 0 else None, fees_ore=10_000 * index)
    outcome(case, C.MONTHS_12, R.SELF_SUFFICIENT_BUSINESS if index % 2 else R.PUBLIC_SUPPORT, day)
    Enrolment.objects.create(case=case, cohort=cohort, status=Enrolment.Status.COMPLETED)
    granted = loan(case, coordinator, granted_on=day)
    LedgerEntry.objects.create(created_by=coordinator, loan=granted, kind=LedgerEntry.Kind.DISBURSEMENT, amount_ore=1_000_000,
                               booked_on=day)
    if index % 5 == 0:
        LedgerEntry.objects.create(created_by=coordinator, loan=granted, kind=LedgerEntry.Kind.WRITE_OFF, amount_ore=-100_000,
                                   booked_on=day)
    allowance = Allowance.objects.create(case=case, monthly_amount_ore=100_000, starts_on=dt.date(2025, 1, 1))
    AllowancePayment.objects.create(allowance=allowance, month=dt.date(2025, 1, 1), amount_ore=100_000,
                                    paid_on=day, recorded_by=coordinator)
    Expense.objects.create(municipality=municipality, spent_on=day, category="other", amount_dkk=index + 1)
    return case


READS = {
    "funnel": lambda m: funnel(m, YEAR_2025),
    "by_cohort": lambda m: by_cohort(m, YEAR_2025),
    "targets": lambda m: targets(m, YEAR_2025),
    "outcomes_by_quarter": lambda m: outcomes_by_quarter(m, YEAR_2025),
    "barrier": lambda m: barrier(m, YEAR_2025),
    "break_even": lambda m: break_even(m, YEAR_2025),
    "budget": lambda m: budget(m, YEAR_2025),
}


def _queries(call):
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_query_counts_do_not_grow_with_the_number_of_cases(client, nordby, coordinator):
    cohort = Cohort.objects.create(municipality=nordby, name="Hold", starts_on=dt.date(2025, 1, 1),
                                   ends_on=dt.date(2025, 12, 31))
    BudgetLine.objects.create(municipality=nordby, year=2025, category="loans", budget_dkk=1_000_000)
    full_case(nordby, coordinator, cohort, 0)
    client.force_login(coordinator)
    one = {name: _queries(lambda read=read: read(nordby)) for name, read in READS.items()}
    pages_one = {name: _queries(lambda name=name: client.get(reverse(f"backoffice:{name}"), PERIOD))
                 for name in PAGES}
    for index in range(1, 30):
        full_case(nordby, coordinator, cohort, index)
    thirty = {name: _queries(lambda read=read: read(nordby)) for name, read in READS.items()}
    pages_thirty = {name: _queries(lambda name=name: client.get(reverse(f"backoffice:{name}"), PERIOD))
                    for name in PAGES}
    assert one == thirty
    assert pages_one == pages_thirty
    assert one == {"funnel": 1, "by_cohort": 1, "targets": 2, "outcomes_by_quarter": 1, "barrier": 4,
                   "break_even": 4, "budget": 4}
    assert funnel(nordby, YEAR_2025)[0].count == 30
    assert barrier(nordby, YEAR_2025).loans == 30
