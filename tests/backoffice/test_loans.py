"""The loan services: grant within the policy with an exact schedule, payout
only into the verified business account with four eyes and tranches that
never exceed the loan, an append-only ledger whose balance never goes
negative, write-off with a decision, closure, the CSV import (twice = no
duplicates, errors by line number) and the past-due reminder."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice import roles, selectors_loans
from backoffice.ledger_import import ImportRefused, import_payments, parse_amount_ore
from backoffice.models import (
    Business, BusinessAccount, Case, CaseApplication, Decision, DecisionKind, Disbursement,
    ImmutableRecordError, LedgerEntry, Loan, RepaymentInstalment, StaffMembership,
)
from backoffice.services import loans
from backoffice.services.loans import LoanRefused
from backoffice.services.transitions import StaleCase

from .concurrency import requires_postgres, run_at_once
from .de_minimis_setup import declare_no_other_aid

S = Case.Status
K = LedgerEntry.Kind
User = get_user_model()
CPR = "010190-1234"
CVR = "12345674"
TODAY = dt.date(2026, 3, 15)


def user(email):
    return User.objects.get(email=email)


def make_staff(municipality, role=roles.COORDINATOR, name=None):
    """A second (third) staff member with the role, for four eyes."""
    name = name or f"{role}{User.objects.count()}"
    staff = User.objects.create_user(username=name, email=f"{name}@{municipality.slug}.example", password="x",
                                     is_staff=True)
    staff.groups.add(Group.objects.get(name=roles.ROLE_GROUP_NAMES[role]))
    StaffMembership.objects.create(user=staff, municipality=municipality)
    return User.objects.get(pk=staff.pk)


def make_case(municipality, citizen=None, status=S.COURSE_COMPLETED):
    case = Case.objects.create(
        municipality=municipality, citizen=citizen, status=status, submitted_at=timezone.now(),
        reference=f"{municipality.slug[:3].upper()}-2026-{Case.objects.count() + 70001:05d}")
    CaseApplication.objects.create(case=case, full_name="Amina Hansen", cpr_number=CPR,
                                   email="amina@example.dk")
    return case


def final_decision(case, by, kind=DecisionKind.GRANT_LOAN):
    if kind == DecisionKind.GRANT_LOAN:
        declare_no_other_aid(case, by)  # de minimis is on by default: the loan needs the declaration
    return Decision.objects.create(case=case, kind=kind, status=Decision.Status.FINAL, fully_granted=True,
                                   reason="Begrundelse", decided_by=by, decided_at=timezone.now())


def business_account(case, verified_by=None):
    # Verified: the account is the business NemKonto of its CVR number (the loan is paid to the CVR).
    business = Business.objects.create(case=case, name="Systuen", cvr_number=CVR)
    return BusinessAccount.objects.create(
        business=business, bank_name="Nordbank", requested_on=TODAY - dt.timedelta(days=30),
        opened_on=TODAY - dt.timedelta(days=10), verified_by=verified_by,
        verified_at=timezone.now() if verified_by else None, nemkonto_cvr=CVR if verified_by else "")


def granted_case(municipality, granter, *, status=S.LOAN_GRANTED, amount_ore=4_000_000, verified_by=None,
                 citizen=None, **terms):
    """A case with a final grant decision and a recorded loan."""
    case = make_case(municipality, citizen, status)
    final_decision(case, granter)
    if verified_by is not None:
        business_account(case, verified_by)
    loan = loans.grant_loan(case, granter, amount_ore=amount_ore, today=TODAY - dt.timedelta(days=60),
                            **terms)
    return case, loan


def disburse(loan, requester, approver, amount_ore=None, paid_on=TODAY):
    request = loans.request_disbursement(loan, requester, amount_ore=amount_ore or loan.principal_ore)
    return loans.approve_disbursement(request, approver, paid_on=paid_on)


def entries(case, action=None):
    qs = ModelLogEntry.objects.filter(content_type__model="case", object_id=str(case.pk))
    return qs.filter(action=action) if action else qs


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


@pytest.fixture
def second(nordby):
    return make_staff(nordby, name="anden")


@pytest.fixture
def third(nordby):
    return make_staff(nordby, name="tredje")


@pytest.fixture
def caseworker(demo):
    return user("sagsbehandler@nordby.example")


@pytest.fixture
def citizen(demo):
    return user("borger@nordby.example")


@pytest.fixture
def paid_out(nordby, coordinator, second, third):
    """A loan of 40.000 kr. granted by the coordinator, fully paid out
    (requested by ``second``, approved by ``third``), due monthly from a
    month before TODAY."""
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator)
    disburse(loan, second, third)
    case.refresh_from_db()
    loan.refresh_from_db()
    loan.case = case
    return case, loan


# --- Schedule ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("principal,rate,months", [
    (4_000_000, "0", 48), (3_000_001, "0", 7), (5_000_000, "0", 1), (4_000_000, "5.00", 48),
    (3_333_333, "7.25", 13), (100, "3", 12),
])
def test_schedule_sums_exactly_and_last_instalment_absorbs_rounding(principal, rate, months):
    amounts = loans.schedule_amounts(principal, Decimal(rate), months)
    assert len(amounts) == months and all(isinstance(a, int) and a >= 0 for a in amounts)
    if Decimal(rate) == 0:
        assert sum(amounts) == principal
        assert len(set(amounts[:-1])) <= 1 and amounts[-1] >= amounts[0]
    else:
        assert sum(amounts) >= principal
        assert abs(amounts[-1] - amounts[0]) <= months  # annuity: equal but for rounding


def test_annuity_sum_is_principal_plus_the_interest_charged():
    amounts = loans.schedule_amounts(1_200_000, Decimal("12"), 12)  # 1 % a month
    remaining, interest = 1_200_000, 0
    for amount in amounts:
        month_interest = round(remaining / 100)
        interest += month_interest
        remaining -= amount - month_interest
    assert remaining == 0 and sum(amounts) == 1_200_000 + interest


# --- Grant -------------------------------------------------------------------------------------------


def test_grant_creates_loan_schedule_and_audit_after_the_final_decision(nordby, coordinator):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    decision = final_decision(case, coordinator)
    loan = loans.grant_loan(case, coordinator, amount_ore=4_000_000, expected_version=case.version,
                            today=dt.date(2026, 11, 26))
    loan.refresh_from_db()
    assert loan.decision == decision and loan.granted_by == coordinator and loan.status == Loan.Status.GRANTED
    assert (loan.grace_months, loan.repayment_months, loan.annual_interest_rate) == (12, 48, Decimal("0"))
    instalments = list(loan.instalments.all())
    assert len(instalments) == 48 and sum(i.amount_ore for i in instalments) == 4_000_000
    assert instalments[0].due_on == dt.date(2027, 12, 1) and instalments[-1].due_on == dt.date(2031, 11, 1)
    assert not LedgerEntry.objects.filter(loan=loan).exists()  # nothing owed before a payout
    log = entries(case, loans.LOAN_GRANTED_ACTION).get()
    assert log.data["principal_ore"] == 4_000_000 and log.data["decision"] == decision.pk
    case.refresh_from_db()
    assert case.version == 2 and case.status == S.LOAN_GRANTED


def test_grant_moves_a_case_before_the_grant_status_to_loan_granted(nordby, coordinator):
    case = make_case(nordby, status=S.LOAN_DECLINED)
    final_decision(case, coordinator, DecisionKind.DECLINE_LOAN)
    final_decision(case, coordinator)  # granted after reconsideration
    loans.grant_loan(case, coordinator, amount_ore=3_000_000, grace_months=0, repayment_months=24)
    case.refresh_from_db()
    assert case.status == S.LOAN_GRANTED
    assert entries(case, loans.LOAN_GRANTED_ACTION).get().data["to"] == "loan_granted"


def test_grant_needs_a_final_grant_decision(nordby, coordinator):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    with pytest.raises(LoanRefused) as refused:
        loans.grant_loan(case, coordinator, amount_ore=4_000_000)
    assert refused.value.code == "decision_required"
    final_decision(case, coordinator)
    final_decision(case, coordinator, DecisionKind.DECLINE_LOAN)  # the latest decision declines
    with pytest.raises(LoanRefused):
        loans.grant_loan(case, coordinator, amount_ore=4_000_000)


@pytest.mark.parametrize("amount", [2_999_999, 5_000_001, 0, -5])
def test_grant_outside_the_policy_limits_is_refused(nordby, coordinator, amount):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    final_decision(case, coordinator)
    with pytest.raises(LoanRefused) as refused:
        loans.grant_loan(case, coordinator, amount_ore=amount)
    assert refused.value.code in ("amount_limits", "amount")
    assert not Loan.objects.filter(case=case).exists()


def test_grant_limits_follow_the_municipalitys_policy(nordby, coordinator):
    policy = nordby.loan_policy
    policy.min_amount, policy.max_amount, policy.annual_interest_rate = 10_000, 20_000, Decimal("4.00")
    policy.save()
    case = make_case(nordby, status=S.LOAN_GRANTED)
    final_decision(case, coordinator)
    with pytest.raises(LoanRefused):
        loans.grant_loan(case, coordinator, amount_ore=3_000_000)
    loan = loans.grant_loan(case, coordinator, amount_ore=1_500_000, repayment_months=12)
    assert loan.annual_interest_rate == Decimal("4.00")
    assert sum(loan.instalments.values_list("amount_ore", flat=True)) > 1_500_000


def test_grant_terms_cannot_exceed_the_policy(nordby, coordinator):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    final_decision(case, coordinator)
    with pytest.raises(LoanRefused, match="afdragsfrie"):
        loans.grant_loan(case, coordinator, amount_ore=4_000_000, grace_months=13)
    with pytest.raises(LoanRefused) as refused:
        loans.grant_loan(case, coordinator, amount_ore=4_000_000, repayment_months=49)
    assert refused.value.code == "repayment"


def test_grant_permission_municipality_stale_and_twice(nordby, sydby, coordinator, caseworker):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    final_decision(case, coordinator)
    with pytest.raises(PermissionDenied):
        loans.grant_loan(case, caseworker, amount_ore=4_000_000)
    with pytest.raises(PermissionDenied):
        loans.grant_loan(case, user("koordinator@sydby.example"), amount_ore=4_000_000)
    with pytest.raises(StaleCase):
        loans.grant_loan(case, coordinator, amount_ore=4_000_000, expected_version=case.version + 1)
    loans.grant_loan(case, coordinator, amount_ore=4_000_000)
    with pytest.raises(LoanRefused) as refused:
        loans.grant_loan(case, coordinator, amount_ore=4_000_000)
    assert refused.value.code == "exists"


# --- Disbursement ------------------------------------------------------------------------------------


def test_payout_is_refused_without_a_verified_business_account_and_says_why(nordby, coordinator, second):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP)
    with pytest.raises(LoanRefused) as refused:
        loans.request_disbursement(loan, second, amount_ore=1_000_000)
    assert refused.value.code == "account_not_verified"
    assert "aldrig til en privat konto" in str(refused.value.message)
    business_account(case)  # opened but not verified by staff
    with pytest.raises(LoanRefused):
        loans.request_disbursement(loan, second, amount_ore=1_000_000)
    assert not Disbursement.objects.exists()


def test_database_refuses_a_payout_into_an_unverified_or_other_cases_account(nordby, coordinator, second):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP)
    unverified = business_account(case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(loan=loan, amount_ore=100, business_account=unverified,
                                    requested_by=second)
    other = make_case(nordby)
    others_account = business_account(other, verified_by=coordinator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(loan=loan, amount_ore=100, business_account=others_account,
                                    requested_by=second)


def test_tranches_four_eyes_ledger_and_status(nordby, coordinator, second, third):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator)
    first = loans.request_disbursement(loan, second, amount_ore=2_500_000)
    with pytest.raises(LoanRefused) as refused:
        loans.approve_disbursement(first, second, paid_on=TODAY)  # the requester
    assert refused.value.code == "four_eyes"
    with pytest.raises(LoanRefused):
        loans.approve_disbursement(first, coordinator, paid_on=TODAY)  # the granter
    loans.approve_disbursement(first, third, paid_on=TODAY)
    first.refresh_from_db()
    assert first.approved_by == third and first.paid_on == TODAY
    assert first.ledger_entry.amount_ore == 2_500_000
    assert first.ledger_entry.kind == K.DISBURSEMENT
    case.refresh_from_db()
    assert case.status == S.LOAN_DISBURSED
    assert entries(case, loans.DISBURSEMENT_APPROVED_ACTION).get().data["to"] == "loan_disbursed"

    with pytest.raises(LoanRefused) as refused:
        loans.request_disbursement(loan, second, amount_ore=1_500_001)
    assert refused.value.code == "exceeds_principal"
    rest = loans.request_disbursement(loan, third, amount_ore=1_500_000)
    with pytest.raises(LoanRefused):
        loans.request_disbursement(loan, second, amount_ore=1)  # the pending request counts too
    loans.approve_disbursement(rest, second, paid_on=TODAY)
    case.refresh_from_db()
    assert case.status == S.LOAN_DISBURSED  # the second payout does not move it again
    assert selectors_loans.totals(loan).disbursed_ore == 4_000_000 == loans.balance_ore(loan)
    with pytest.raises(StaleCase):
        loans.approve_disbursement(rest, third, paid_on=TODAY)


def test_payout_on_a_granted_case_passes_business_setup(nordby, coordinator, second, third):
    case, loan = granted_case(nordby, coordinator, verified_by=coordinator)
    disburse(loan, second, third)
    case.refresh_from_db()
    assert case.status == S.LOAN_DISBURSED
    statuses = [e.data.get("to") for e in entries(case).order_by("timestamp", "pk") if e.data.get("to")]
    assert statuses[-2:] == ["business_setup", "loan_disbursed"]


def test_approval_refused_if_account_no_longer_verified_or_future_date(nordby, coordinator, second, third):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator)
    request = loans.request_disbursement(loan, second, amount_ore=1_000_000)
    with pytest.raises(LoanRefused):
        loans.approve_disbursement(request, third, paid_on=timezone.localdate() + dt.timedelta(days=1))
    BusinessAccount.objects.filter(business__case=case).update(verified_at=None, verified_by=None)
    with pytest.raises(LoanRefused) as refused:
        loans.approve_disbursement(request, third, paid_on=TODAY)
    assert refused.value.code == "account_not_verified"
    assert not LedgerEntry.objects.filter(loan=loan).exists()


def test_cancel_a_pending_request_and_only_managers_may_ask(nordby, coordinator, second, caseworker):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator)
    with pytest.raises(PermissionDenied):
        loans.request_disbursement(loan, caseworker, amount_ore=100)
    request = loans.request_disbursement(loan, second, amount_ore=4_000_000)
    loans.cancel_disbursement(request, coordinator)
    assert not Disbursement.objects.filter(loan=loan).exists()
    assert entries(case, loans.DISBURSEMENT_CANCELLED_ACTION).exists()


# --- Ledger ------------------------------------------------------------------------------------------


def test_payments_move_to_repayment_refuse_overpayment_and_close(paid_out, coordinator, second):
    case, loan = paid_out
    with pytest.raises(LoanRefused) as refused:
        loans.record_payment(loan, second, amount_ore=4_000_001, booked_on=TODAY)
    assert refused.value.code == "overpayment" and "40.000,00" in str(refused.value.message)
    loans.record_payment(loan, second, amount_ore=1_000_000, booked_on=TODAY, external_reference="T1")
    case.refresh_from_db()
    loan.refresh_from_db()
    assert case.status == S.IN_REPAYMENT and loan.status == Loan.Status.IN_REPAYMENT
    with pytest.raises(LoanRefused) as refused:
        loans.record_payment(loan, second, amount_ore=100, booked_on=TODAY, external_reference="T1")
    assert refused.value.code == "duplicate"
    loans.record_payment(loan, coordinator, amount_ore=3_000_000, booked_on=TODAY)
    case.refresh_from_db()
    loan.refresh_from_db()
    assert loans.balance_ore(loan) == 0 and loan.status == Loan.Status.REPAID and case.status == S.CLOSED
    assert entries(case, loans.LOAN_CLOSED_ACTION).get().data["loan_status"] == "repaid"
    with pytest.raises(LoanRefused):
        loans.record_payment(loan, coordinator, amount_ore=1, booked_on=TODAY)


def test_payment_before_payout_or_in_the_future_is_refused(nordby, coordinator, second, third):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator)
    with pytest.raises(LoanRefused):
        loans.record_payment(loan, second, amount_ore=100, booked_on=TODAY)
    disburse(loan, second, third)
    with pytest.raises(LoanRefused):
        loans.record_payment(loan, second, amount_ore=100,
                             booked_on=timezone.localdate() + dt.timedelta(days=1))


def test_ledger_entries_are_immutable(paid_out, second):
    case, loan = paid_out
    entry = loans.record_payment(loan, second, amount_ore=500, booked_on=TODAY)
    entry.amount_ore = -1
    with pytest.raises(ImmutableRecordError):
        entry.save()
    with pytest.raises(ImmutableRecordError):
        entry.delete()
    with pytest.raises(ImmutableRecordError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_ore=-2)
    assert LedgerEntry.objects.get(pk=entry.pk).amount_ore == -500


def test_correction_is_a_new_reversing_entry(paid_out, coordinator, second):
    case, loan = paid_out
    wrong = loans.record_payment(loan, second, amount_ore=50_000, booked_on=TODAY)
    correction = loans.correct_entry(wrong, coordinator, "Beløbet var tastet forkert")
    assert correction.kind == K.CORRECTION and correction.amount_ore == 50_000
    assert correction.corrects == wrong
    assert LedgerEntry.objects.get(pk=wrong.pk).amount_ore == -50_000  # the original stays
    assert loans.balance_ore(loan) == 4_000_000
    assert selectors_loans.totals(loan).repaid_ore == 0
    with pytest.raises(LoanRefused):
        loans.correct_entry(wrong, coordinator, "igen")
    with pytest.raises(LoanRefused):
        loans.correct_entry(correction, coordinator, "korrektion af korrektion")
    payout = LedgerEntry.objects.get(loan=loan, kind=K.DISBURSEMENT)
    with pytest.raises(LoanRefused):
        loans.correct_entry(payout, coordinator, "udbetaling")
    with pytest.raises(LoanRefused):
        loans.correct_entry(wrong, coordinator, "  ")
    log = entries(case, loans.ENTRY_CORRECTED_ACTION).get()
    assert "forkert" not in json.dumps(log.data)


def test_write_off_needs_a_final_decision_and_closes_the_loan(paid_out, coordinator, second):
    case, loan = paid_out
    loans.record_payment(loan, second, amount_ore=1_000_000, booked_on=TODAY)
    with pytest.raises(LoanRefused) as refused:
        loans.write_off(loan, coordinator, amount_ore=3_000_000, reason="Konkurs")
    assert refused.value.code == "decision_required"
    decision = final_decision(case, coordinator, DecisionKind.WRITE_OFF_LOAN)
    with pytest.raises(PermissionDenied):
        loans.write_off(loan, second.__class__.objects.get(email="sagsbehandler@nordby.example"),
                        amount_ore=100, reason="x", decision=decision)
    with pytest.raises(LoanRefused) as refused:
        loans.write_off(loan, coordinator, amount_ore=3_000_001, reason="Konkurs", decision=decision)
    assert refused.value.code == "exceeds_balance"
    entry = loans.write_off(loan, coordinator, amount_ore=3_000_000, reason="Konkurs", decision=decision)
    assert entry.decision == decision and entry.note == "Konkurs" and entry.amount_ore == -3_000_000
    loan.refresh_from_db()
    case.refresh_from_db()
    assert loan.status == Loan.Status.WRITTEN_OFF and case.status == S.CLOSED
    totals = selectors_loans.totals(loan)
    assert (totals.disbursed_ore, totals.repaid_ore, totals.written_off_ore, totals.balance_ore) == (
        4_000_000, 1_000_000, 3_000_000, 0)
    assert "Konkurs" not in json.dumps([e.data for e in entries(case)])


def test_partial_write_off_and_decision_used_once(paid_out, coordinator):
    case, loan = paid_out
    decision = final_decision(case, coordinator, DecisionKind.WRITE_OFF_LOAN)
    loans.write_off(loan, coordinator, amount_ore=1_000_000, reason="Delvis eftergivelse", decision=decision)
    with pytest.raises(LoanRefused) as refused:
        loans.write_off(loan, coordinator, amount_ore=1, reason="igen", decision=decision)
    assert refused.value.code == "decision_used"
    loan.refresh_from_db()
    assert loan.status == Loan.Status.GRANTED and loans.balance_ore(loan) == 3_000_000


# --- Selectors ---------------------------------------------------------------------------------------


def test_days_past_due_and_buckets_follow_fifo(nordby, coordinator, second, third):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator,
                              amount_ore=3_000_000, grace_months=0, repayment_months=30)
    disburse(loan, second, third, paid_on=loan.granted_on)
    loan.refresh_from_db()
    first = loan.instalments.order_by("due_on").first()
    assert first.amount_ore == 100_000
    assert selectors_loans.days_past_due(loan, today=first.due_on) == 0
    assert selectors_loans.days_past_due(loan, today=first.due_on + dt.timedelta(days=10)) == 10
    later = first.due_on + dt.timedelta(days=45)  # the second instalment is due too
    assert selectors_loans.arrears_ore(loan, today=later) == 200_000
    loans.record_payment(loan, second, amount_ore=150_000, booked_on=min(later, timezone.localdate()))
    # The payment covers the first instalment and half the second: the second is the oldest unpaid.
    second_due = loan.instalments.order_by("due_on")[1].due_on
    assert selectors_loans.days_past_due(loan, today=later) == (later - second_due).days
    assert selectors_loans.arrears_ore(loan, today=later) == 50_000
    instalment, owed = selectors_loans.next_instalment(loan)
    assert instalment.due_on == second_due and owed == 50_000
    assert [selectors_loans.arrears_bucket(d) for d in (0, 1, 30, 31, 90, 91, 400)] == [
        "", "1–30", "1–30", "31–90", "31–90", "90+", "90+"]


def test_schedule_rows_show_what_is_covered(paid_out, second):
    case, loan = paid_out
    loans.record_payment(loan, second, amount_ore=100_000, booked_on=TODAY)
    rows = selectors_loans.schedule(loan)
    per = rows[0].amount_ore  # 40.000 kr. over 48 months: 833,33 kr.
    assert rows[0].is_paid and rows[1].covered_ore == 100_000 - per and not rows[1].is_paid
    assert rows[-1].cumulative_ore == 4_000_000


def test_loan_panel_runs_a_fixed_number_of_queries(paid_out, second, third, django_assert_max_num_queries):
    case, loan = paid_out
    for n in range(5):
        loans.record_payment(loan, second, amount_ore=1_000 + n, booked_on=TODAY)
    with django_assert_max_num_queries(14):
        panel = selectors_loans.loan_panel(case, third)
    assert len(panel.entries) == 6 and len(panel.schedule) == 48
    assert panel.disbursements[0].may_approve is False


# --- CSV import --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,ore", [
    ("1.234,50", 123450), ("1234,50", 123450), ("1234.50", 123450), ("1.234", 123400), ("500", 50000),
    ("12,5", 1250), (" 1 234,50 kr.", 123450), ("0,01", 1),
])
def test_amounts_in_danish_and_dot_notation(text, ore):
    assert parse_amount_ore(text) == ore


@pytest.mark.parametrize("text", ["", "abc", "1,234.50", "12.345,678", "1.23456", "NaN"])
def test_bad_amounts(text):
    with pytest.raises(ValueError):
        parse_amount_ore(text)


def csv_for(case, *rows, separator=","):
    lines = [separator.join(["reference", "booked_on", "amount_dkk", "transaction_id"])]
    lines += [separator.join([case.reference, *row]) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_import_twice_records_nothing_twice(paid_out, second):
    case, loan = paid_out
    content = csv_for(case, ("2026-03-01", '"1.000,00"', "FIN-1"), ("2026-03-02", "250.50", "FIN-2"))
    first = import_payments(content, case.municipality, second)
    assert (first.new, first.already_recorded) == (2, 0)
    again = import_payments(content, case.municipality, second)
    assert (again.new, again.already_recorded) == (0, 2)
    assert LedgerEntry.objects.filter(loan=loan, kind=K.REPAYMENT).count() == 2
    assert loans.balance_ore(loan) == 4_000_000 - 100_000 - 25_050
    assert entries(case, loans.PAYMENT_RECORDED_ACTION).count() == 2


def test_import_is_all_or_nothing_and_names_the_line(paid_out, second):
    case, loan = paid_out
    content = csv_for(case, ("2026-03-01", "100,00", "A"), ("01-03-2026", "x", "B"), ("2026-03-01", "5", ""),
                      separator=";")
    with pytest.raises(ImportRefused) as refused:
        import_payments(content, case.municipality, second)
    errors = refused.value.errors
    assert len(errors) == 2 and errors[0].startswith("Linje 3:") and errors[1].startswith("Linje 4:")
    assert not LedgerEntry.objects.filter(loan=loan, kind=K.REPAYMENT).exists()


def test_import_overpayment_rolls_back_every_line(paid_out, second):
    case, loan = paid_out
    content = csv_for(case, ("2026-03-01", "100,00", "A"), ("2026-03-01", "40.000,00", "B"), separator=";")
    with pytest.raises(ImportRefused) as refused:
        import_payments(content, case.municipality, second)
    assert refused.value.errors[0].startswith("Linje 3:")
    assert not LedgerEntry.objects.filter(loan=loan, kind=K.REPAYMENT).exists()


def test_a_comma_amount_without_quotes_is_a_column_error_not_a_wrong_booking(paid_out, second):
    case, loan = paid_out
    with pytest.raises(ImportRefused) as refused:
        import_payments(csv_for(case, ("2026-03-01", "1.000,50", "A")), case.municipality, second)
    assert refused.value.errors[0].startswith("Linje 2: 5 kolonner i stedet for 4")
    assert not LedgerEntry.objects.filter(loan=loan, kind=K.REPAYMENT).exists()


def test_import_refuses_other_municipalitys_cases_duplicates_and_conflicts(paid_out, sydby, second):
    case, loan = paid_out
    with pytest.raises(ImportRefused) as refused:
        import_payments(csv_for(case, ("2026-03-01", "1", "A")), sydby, user("koordinator@sydby.example"))
    assert "Linje 2" in refused.value.errors[0]
    with pytest.raises(ImportRefused) as refused:
        import_payments(csv_for(case, ("2026-03-01", "1", "A"), ("2026-03-01", "1", "A")), case.municipality,
                        second)
    assert "linje 2" in refused.value.errors[0]
    import_payments(csv_for(case, ("2026-03-01", "1", "A")), case.municipality, second)
    with pytest.raises(ImportRefused):
        import_payments(csv_for(case, ("2026-03-01", "2", "A")), case.municipality, second)
    with pytest.raises(ImportRefused):
        import_payments(b"reference,amount\nx,1\n", case.municipality, second)


def test_import_command(paid_out, second, tmp_path):
    case, loan = paid_out
    path = tmp_path / "betalinger.csv"
    path.write_bytes(csv_for(case, ("2026-03-01", "1.000,00", "F1"), separator=";"))
    from io import StringIO

    out = StringIO()
    call_command("import_payments", str(path), "--municipality", "nordby", "--user", second.email, stdout=out)
    call_command("import_payments", str(path), "--municipality", "nordby", "--user", second.email, stdout=out)
    assert "1 new, 0 already recorded" in out.getvalue() and "0 new, 1 already recorded" in out.getvalue()
    path.write_bytes(csv_for(case, ("2026-03-01", "nul", "F2")))
    with pytest.raises(CommandError, match="Linje 2"):
        call_command("import_payments", str(path), "--municipality", "nordby", "--user", second.email)
    with pytest.raises(CommandError):
        call_command("import_payments", str(path), "--municipality", "nowhere", "--user", second.email)


# --- Reminders ---------------------------------------------------------------------------------------


def test_reminder_once_per_instalment_without_content(nordby, coordinator, second, third, citizen):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator,
                              citizen=citizen, grace_months=0, repayment_months=48)
    disburse(loan, second, third, paid_on=loan.granted_on)
    loan.refresh_from_db()
    first = loan.instalments.order_by("due_on").first()

    def remind(day):
        return loans.send_payment_reminders(today=day, loans=Loan.objects.filter(pk=loan.pk))

    mail.outbox.clear()
    assert remind(first.due_on) == 0  # due today is not late
    assert remind(first.due_on + dt.timedelta(days=3)) == 1
    assert remind(first.due_on + dt.timedelta(days=4)) == 0
    [email] = mail.outbox
    assert email.to == ["borger@nordby.example"] and "Min side" in email.body
    assert "833" not in email.body and "Amina" not in email.body and CPR[:6] not in email.body
    log = entries(case, loans.REMINDER_SENT_ACTION).get()
    assert log.data["instalment"] == first.pk
    second_due = loan.instalments.order_by("due_on")[1].due_on
    loans.record_payment(loan, second, amount_ore=first.amount_ore, booked_on=loan.granted_on)
    assert remind(second_due + dt.timedelta(days=1)) == 1


def test_reminder_task_is_a_django_task():
    assert loans.payment_reminders_task.name.endswith("payment_reminders_task")


def test_no_instalment_rows_are_changed_by_payments(paid_out, second):
    case, loan = paid_out
    before = list(RepaymentInstalment.objects.filter(loan=loan).values_list("amount_ore", flat=True))
    loans.record_payment(loan, second, amount_ore=12_345, booked_on=TODAY)
    assert list(RepaymentInstalment.objects.filter(loan=loan).values_list("amount_ore", flat=True)) == before


# --- Concurrency (PostgreSQL) -----------------------------------------------------------------------


@requires_postgres
def test_two_payments_at_once_never_overpay(demo, nordby):
    """Both pay 30.000 kr. of a balance of 40.000 kr.; the case lock makes
    the second wait and then refuses it, so the balance never goes below 0."""
    coordinator = user("koordinator@nordby.example")
    second, third = make_staff(nordby, name="anden"), make_staff(nordby, name="tredje")
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator)
    disburse(loan, second, third)
    staff = iter([second, third])

    def pay():
        me = next(staff)
        mine = Loan.objects.select_related("case").get(pk=loan.pk)
        try:
            loans.record_payment(mine, me, amount_ore=3_000_000, booked_on=TODAY)
        except LoanRefused as refused:
            return refused.code
        return "paid"

    assert sorted(run_at_once(pay)) == ["overpayment", "paid"]
    assert loans.balance_ore(loan) == 1_000_000


@requires_postgres
def test_two_approvals_at_once_book_one_payout(demo, nordby):
    coordinator = user("koordinator@nordby.example")
    second, third, fourth = (make_staff(nordby, name=name) for name in ("anden", "tredje", "fjerde"))
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator)
    request = loans.request_disbursement(loan, second, amount_ore=4_000_000)
    staff = iter([third, fourth])

    def approve():
        me = next(staff)
        mine = Disbursement.objects.select_related("loan__case").get(pk=request.pk)
        try:
            loans.approve_disbursement(mine, me, paid_on=TODAY)
        except StaleCase:
            return "stale"
        return "approved"

    assert sorted(run_at_once(approve)) == ["approved", "stale"]
    assert LedgerEntry.objects.filter(loan=loan, kind=K.DISBURSEMENT).count() == 1


def test_reminder_command_sends_through_the_task(nordby, coordinator, second, third, citizen):
    from io import StringIO

    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator,
                              citizen=citizen, grace_months=0, repayment_months=12)
    disburse(loan, second, third, paid_on=loan.granted_on)
    mail.outbox.clear()
    out = StringIO()
    call_command("send_payment_reminders", stdout=out)
    call_command("send_payment_reminders", "--now", stdout=out)
    assert [m.to for m in mail.outbox].count(["borger@nordby.example"]) == 1
    assert out.getvalue().count("0 reminders sent.") == 1 and "Queued" in out.getvalue()


# --- Interest ----------------------------------------------------------------------------------------


def with_interest(municipality, rate="12.00"):
    policy = municipality.loan_policy
    policy.annual_interest_rate = Decimal(rate)
    policy.save()


@pytest.mark.parametrize("principal,rate,months", [
    (4_000_000, "0", 48), (3_000_001, "0", 7), (4_000_000, "5.00", 48), (3_333_333, "7.25", 13), (100, "3", 12),
    (1_200_000, "12", 12),
])
def test_schedule_split_principal_adds_up_and_interest_is_on_what_is_owed(principal, rate, months):
    split = loans.schedule_split(principal, Decimal(rate), months)
    assert [p + i for p, i in split] == loans.schedule_amounts(principal, Decimal(rate), months)
    assert sum(p for p, _ in split) == principal and all(p >= 0 and i >= 0 for p, i in split)
    remaining = principal
    for part, interest in split:
        assert interest == int((Decimal(remaining) * Decimal(rate) / 1200).quantize(Decimal(1), "ROUND_HALF_UP"))
        remaining -= part
    if Decimal(rate) == 0:
        assert all(i == 0 for _, i in split)


def test_grant_with_interest_stores_each_instalments_principal_and_interest(nordby, coordinator):
    with_interest(nordby)
    case, loan = granted_case(nordby, coordinator, amount_ore=3_000_000, grace_months=0, repayment_months=12)
    rows = list(loan.instalments.order_by("due_on"))
    assert all(row.amount_ore == row.principal_ore + row.interest_ore for row in rows)
    assert sum(row.principal_ore for row in rows) == 3_000_000
    assert rows[0].interest_ore == 30_000  # 1 % a month on 30.000 kr.
    assert rows[-1].interest_ore < rows[0].interest_ore
    with pytest.raises(IntegrityError), transaction.atomic():
        RepaymentInstalment.objects.filter(pk=rows[0].pk).update(interest_ore=1)


def interest_loan(nordby, coordinator, second, third, amount_ore=None, citizen=None):
    """12 % a year, 12 instalments from the 1st of the month after the
    grant (TODAY - 60 days = 14 January 2026), paid out on the grant day."""
    with_interest(nordby)
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator,
                              amount_ore=3_000_000, grace_months=0, repayment_months=12, citizen=citizen)
    disburse(loan, second, third, amount_ore=amount_ore, paid_on=loan.granted_on)
    case.refresh_from_db()
    loan.refresh_from_db()
    loan.case = case
    return case, loan


def test_interest_is_booked_once_when_each_instalment_falls_due(nordby, coordinator, second, third):
    case, loan = interest_loan(nordby, coordinator, second, third)
    first, second_row = loan.instalments.order_by("due_on")[:2]
    assert loans.book_interest(loan, today=first.due_on - dt.timedelta(days=1)) == []
    [entry] = loans.book_interest(loan, today=first.due_on)
    assert (entry.kind, entry.amount_ore, entry.booked_on, entry.instalment_id, entry.created_by_id) == (
        K.INTEREST, first.interest_ore, first.due_on, first.pk, None)
    assert loans.book_interest(loan, today=first.due_on) == []  # idempotent
    booked = loans.book_interest(loan, today=second_row.due_on + dt.timedelta(days=3))
    assert [e.instalment_id for e in booked] == [second_row.pk]
    totals = selectors_loans.totals(loan)
    assert totals.interest_ore == first.interest_ore + second_row.interest_ore
    assert totals.balance_ore == 3_000_000 + totals.interest_ore == loans.balance_ore(loan)
    assert totals.repaid_ore == 0
    logs = entries(case, loans.INTEREST_BOOKED_ACTION).order_by("pk")
    assert [log.data["amount_ore"] for log in logs] == [first.interest_ore, second_row.interest_ore]
    assert logs[0].user_id is None
    with pytest.raises(IntegrityError), transaction.atomic():  # the database books it once too
        LedgerEntry.objects.create(loan=loan, kind=K.INTEREST, amount_ore=1, booked_on=TODAY, instalment=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(loan=loan, kind=K.INTEREST, amount_ore=1, booked_on=TODAY)


def test_a_payment_books_the_due_interest_first_and_paying_early_saves_the_rest(
        nordby, coordinator, second, third):
    case, loan = interest_loan(nordby, coordinator, second, third)
    today = timezone.localdate()
    due = list(loan.instalments.filter(due_on__lte=today))
    assert due, "the schedule starts in February 2026"
    interest = sum(row.interest_ore for row in due)
    assert loans.balance_ore(loan) == 3_000_000  # not booked yet: the task has not run
    with pytest.raises(LoanRefused) as refused:
        loans.record_payment(loan, second, amount_ore=3_000_000 + interest + 1, booked_on=TODAY)
    assert refused.value.code == "overpayment"
    loans.record_payment(loan, second, amount_ore=3_000_000 + interest, booked_on=TODAY)
    assert LedgerEntry.objects.filter(loan=loan, kind=K.INTEREST).count() == len(due)
    loan.refresh_from_db()
    assert loans.balance_ore(loan) == 0 and loan.status == Loan.Status.REPAID
    # The interest of the instalments not yet due is never charged.
    assert selectors_loans.totals(loan).interest_ore == interest < sum(
        loan.instalments.values_list("interest_ore", flat=True))


def test_interest_is_charged_on_the_share_paid_out(nordby, coordinator, second, third):
    case, loan = interest_loan(nordby, coordinator, second, third, amount_ore=1_000_000)  # a third
    first = loan.instalments.order_by("due_on").first()
    [entry] = loans.book_interest(loan, today=first.due_on)
    assert entry.amount_ore == 10_000 == round(first.interest_ore / 3)


def test_no_interest_before_the_payout_or_at_zero_percent(nordby, coordinator, second, third):
    with_interest(nordby)
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator,
                              amount_ore=3_000_000, grace_months=0, repayment_months=12)
    first, second_row = loan.instalments.order_by("due_on")[:2]
    disburse(loan, second, third, paid_on=first.due_on + dt.timedelta(days=1))  # after the first due date
    loan.refresh_from_db()
    booked = loans.book_interest(loan, today=second_row.due_on)
    assert [e.instalment_id for e in booked] == [second_row.pk]

    with_interest(nordby, "0")
    case, free = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator,
                              grace_months=0, repayment_months=12)
    disburse(free, second, third, paid_on=free.granted_on)
    free.refresh_from_db()
    assert loans.book_interest(free, today=TODAY) == []
    assert not free.instalments.filter(interest_ore__gt=0).exists()


def test_write_off_books_due_interest_first(nordby, coordinator, second, third):
    case, loan = interest_loan(nordby, coordinator, second, third)
    decision = final_decision(case, coordinator, DecisionKind.WRITE_OFF_LOAN)
    loans.write_off(loan, coordinator, amount_ore=1_000, reason="Delvis", decision=decision)
    due = loan.instalments.filter(due_on__lte=timezone.localdate())
    assert selectors_loans.totals(loan).interest_ore == sum(due.values_list("interest_ore", flat=True)) > 0


def test_interest_and_fifo_cover_principal_and_interest(nordby, coordinator, second, third):
    case, loan = interest_loan(nordby, coordinator, second, third)
    first, second_row = loan.instalments.order_by("due_on")[:2]
    loans.record_payment(loan, second, amount_ore=first.amount_ore, booked_on=TODAY)
    rows = selectors_loans.schedule(loan)
    assert rows[0].is_paid and rows[1].covered_ore == 0
    instalment, owed = selectors_loans.next_instalment(loan)
    assert instalment.pk == second_row.pk and owed == second_row.amount_ore
    panel = selectors_loans.loan_panel(case, third)
    assert panel.has_interest and panel.totals.interest_ore > 0
    assert panel.kr["scheduled_interest"] == loans.kroner(sum(r.interest_ore for r in rows))


def test_the_migration_split_matches_the_schedule(nordby, coordinator):
    import importlib

    from django.apps import apps

    with_interest(nordby, "7.25")
    case, loan = granted_case(nordby, coordinator, amount_ore=3_333_300, grace_months=0, repayment_months=13)
    before = list(loan.instalments.order_by("due_on").values_list("principal_ore", "interest_ore"))
    migration = importlib.import_module("backoffice.migrations.0009_loan_interest_allowance_approval")
    migration.split_instalments(apps, None)
    assert list(loan.instalments.order_by("due_on").values_list("principal_ore", "interest_ore")) == before


def test_interest_command_books_through_the_task(nordby, coordinator, second, third):
    from io import StringIO

    case, loan = interest_loan(nordby, coordinator, second, third)
    out = StringIO()
    call_command("book_loan_interest", stdout=out)
    call_command("book_loan_interest", "--now", stdout=out)
    call_command("book_loan_interest", "--now", stdout=out)
    due = loan.instalments.filter(due_on__lte=timezone.localdate()).count()
    assert LedgerEntry.objects.filter(loan=loan, kind=K.INTEREST).count() == due
    assert "Queued" in out.getvalue() and out.getvalue().count("0 interest entries booked.") >= 1


def test_the_staff_loan_section_shows_interest_booked_and_the_split(client, nordby, coordinator, second, third):
    case, loan = interest_loan(nordby, coordinator, second, third)
    loans.book_interest(loan, today=TODAY)
    client.force_login(coordinator)
    html = client.get(f"/admin/casework/{case.pk}/").content.decode()
    interest = selectors_loans.totals(loan).interest_ore
    first = loan.instalments.order_by("due_on").first()
    assert "Rente bogført" in html and f"{loans.kroner(interest)} kr. (afdragsplanen har" in html
    assert "Heraf rente (kr.)" in html and f"<td>{loans.kroner(first.interest_ore)}</td>" in html
    assert "Bogført automatisk, da afdraget forfaldt" in html and "Rente" in html


def test_the_staff_loan_section_at_zero_percent_says_nothing_about_interest(client, paid_out, coordinator):
    case, loan = paid_out
    client.force_login(coordinator)
    html = client.get(f"/admin/casework/{case.pk}/").content.decode()
    assert "Heraf rente" not in html and "Rente bogført" not in html
