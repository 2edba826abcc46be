"""Property-based test of the ledger: for any yearly interest rate and any
sequence of payouts, interest bookings, repayments, write-offs and
corrections (and the business account being verified or not), the balance
equals paid out + interest booked − repaid − written off, is never
negative, each instalment's interest is booked at most once and never above
the scheduled interest (none at 0 %), the payouts never exceed the grant,
and nothing is paid into an account that was not verified at the time."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice import selectors_loans
from backoffice.models import BusinessAccount, Case, DecisionKind, Disbursement, LedgerEntry, Loan
from backoffice.services import collection, loans
from backoffice.services.loans import LoanRefused

from .test_loans import TODAY, final_decision, granted_case, make_staff

S = Case.Status
K = LedgerEntry.Kind

amounts = st.one_of(st.integers(min_value=1, max_value=5_000_000), st.sampled_from([1, 100, 1_000_000]))
operations = st.lists(st.one_of(
    st.tuples(st.just("request"), amounts),
    st.tuples(st.just("approve"), st.integers(min_value=0, max_value=5)),
    st.tuples(st.just("pay"), amounts),
    st.tuples(st.just("pay_all"), st.just(0)),
    st.tuples(st.just("write_off"), amounts),
    st.tuples(st.just("correct"), st.integers(min_value=0, max_value=10)),
    st.tuples(st.just("unverify"), st.just(0)),
    st.tuples(st.just("verify"), st.just(0)),
    st.tuples(st.just("book_interest"), st.integers(min_value=0, max_value=400)),
    # Schedule changes by decision (services.collection): the plan changes, the debt does not.
    st.tuples(st.just("reschedule"), st.integers(min_value=1, max_value=24)),
    st.tuples(st.just("defer"), st.integers(min_value=0, max_value=11)),
), min_size=1, max_size=25)
rates = st.sampled_from(["0", "0.00", "2.50", "5", "12", "19.99"])


class Rollback(Exception):
    pass


@pytest.fixture
def people(nordby):
    from django.contrib.auth import get_user_model

    granter = get_user_model().objects.get(email="koordinator@nordby.example")
    return granter, make_staff(nordby, name="anden"), make_staff(nordby, name="tredje")


def check_invariants(loan):
    sums = LedgerEntry.objects.filter(loan=loan).aggregate(total=Sum("amount_ore"))
    totals = selectors_loans.totals(loan)
    balance = sums["total"] or 0
    assert balance == totals.balance_ore == loans.balance_ore(loan)
    assert balance == totals.disbursed_ore + totals.interest_ore - totals.repaid_ore - totals.written_off_ore
    assert balance >= 0
    interest = LedgerEntry.objects.filter(loan=loan, kind=K.INTEREST).select_related("instalment")
    assert totals.interest_ore == sum(entry.amount_ore for entry in interest) >= 0
    assert len({entry.instalment_id for entry in interest}) == len(interest)
    assert all(0 < entry.amount_ore <= entry.instalment.interest_ore for entry in interest)
    assert all(entry.booked_on == entry.instalment.due_on for entry in interest)
    # Deferral and rescheduling never replace an instalment with interest booked, and the
    # current schedule always holds exactly the loan's principal.
    assert all(entry.instalment.replaced_by_id is None for entry in interest)
    assert collection.schedule_principal_ore(loan) == loan.principal_ore
    if loan.annual_interest_rate == 0:
        assert not interest
    assert totals.repaid_ore >= 0 and totals.written_off_ore >= 0
    assert totals.disbursed_ore <= loan.principal_ore
    committed = Disbursement.objects.filter(loan=loan).aggregate(total=Sum("amount_ore"))["total"] or 0
    assert committed <= loan.principal_ore
    paid = Disbursement.objects.filter(loan=loan, approved_at__isnull=False)
    assert (paid.aggregate(total=Sum("amount_ore"))["total"] or 0) == totals.disbursed_ore
    assert all(d.ledger_entry_id for d in paid)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, rate=rates)
def test_ledger_invariants_hold_for_any_sequence(nordby, people, ops, rate):
    granter, requester, approver = people
    try:
        with transaction.atomic():
            run(nordby, granter, requester, approver, ops, rate)
            raise Rollback
    except Rollback:
        pass


def run(nordby, granter, requester, approver, ops, rate="0"):
    nordby.loan_policy.annual_interest_rate = Decimal(rate)
    nordby.loan_policy.save()
    # No grace period: instalments (and their interest) fall due from February 2026.
    case, loan = granted_case(nordby, granter, status=S.BUSINESS_SETUP, verified_by=granter, grace_months=0,
                              repayment_months=12)
    assert sum(loan.instalments.values_list("principal_ore", flat=True)) == loan.principal_ore
    account = BusinessAccount.objects.get(business__case=case)
    verified = True
    for op, value in ops:
        loan.refresh_from_db()
        case.refresh_from_db()
        loan.case = case
        try:
            if op == "request":
                before = Disbursement.objects.filter(loan=loan).count()
                loans.request_disbursement(loan, requester, amount_ore=value)
                assert verified, "a payout was requested into an unverified account"
                assert Disbursement.objects.filter(loan=loan).count() == before + 1
            elif op == "approve":
                pending = list(
                    Disbursement.objects.filter(loan=loan, approved_at__isnull=True).order_by("pk"))
                if pending:
                    target = pending[value % len(pending)]
                    target.loan = loan
                    loans.approve_disbursement(target, approver, paid_on=TODAY)
                    assert verified, "a payout was approved into an unverified account"
            elif op == "pay":
                loans.record_payment(loan, requester, amount_ore=value, booked_on=TODAY)
            elif op == "pay_all":
                loans.record_payment(loan, requester, amount_ore=loans.balance_ore(loan), booked_on=TODAY)
            elif op == "write_off":
                decision = final_decision(case, granter, DecisionKind.WRITE_OFF_LOAN)
                loans.write_off(loan, granter, amount_ore=value, reason="Eftergivelse", decision=decision)
            elif op == "correct":
                candidates = list(LedgerEntry.objects.filter(loan=loan).order_by("pk"))
                if candidates:
                    target = candidates[value % len(candidates)]
                    target.loan = loan
                    loans.correct_entry(target, requester, "Fejl")
            elif op == "unverify":
                BusinessAccount.objects.filter(pk=account.pk).update(verified_at=None, verified_by=None)
                verified = False
            elif op == "book_interest":
                loans.book_interest(loan, today=loan.granted_on + dt.timedelta(days=value))
            elif op in ("reschedule", "defer"):
                before = loans.balance_ore(loan)
                later = timezone.localdate() + dt.timedelta(days=20 + value)
                if op == "reschedule":
                    decision = final_decision(case, granter, DecisionKind.RESCHEDULE_LOAN)
                    collection.reschedule(loan, granter, decision=decision, reason="Ny plan", months=value,
                                          first_due_on=later)
                else:
                    decision = final_decision(case, granter, DecisionKind.DEFER_LOAN)
                    unpaid = [row for row in selectors_loans.schedule(loan) if not row.is_paid]
                    if unpaid:
                        collection.defer(loan, granter, decision=decision, reason="Henstand", until=later,
                                         instalment_ids=[unpaid[value % len(unpaid)].pk])
                assert loans.balance_ore(loan) == before
            elif op == "verify":
                BusinessAccount.objects.filter(pk=account.pk).update(verified_at=timezone.now(),
                                                                     verified_by=granter)
                verified = True
        except LoanRefused:
            pass
        check_invariants(loan)
    loan.refresh_from_db()
    if loan.status in (Loan.Status.REPAID, Loan.Status.WRITTEN_OFF):
        assert loans.balance_ore(loan) == 0
        case.refresh_from_db()
        assert case.status == S.CLOSED


def test_the_date_used_is_not_in_the_future():
    assert TODAY <= timezone.localdate() and isinstance(TODAY, dt.date)
