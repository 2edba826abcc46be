"""Property-based test of the ledger: for any sequence of payouts,
repayments, write-offs and corrections (and the business account being
verified or not), the balance equals paid out − repaid − written off, is
never negative, the payouts never exceed the grant, and nothing is paid
into an account that was not verified at the time."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice import selectors_loans
from backoffice.models import BusinessAccount, Case, DecisionKind, Disbursement, LedgerEntry, Loan
from backoffice.services import loans
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
), min_size=1, max_size=25)


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
    assert balance == totals.disbursed_ore - totals.repaid_ore - totals.written_off_ore
    assert balance >= 0
    assert totals.repaid_ore >= 0 and totals.written_off_ore >= 0
    assert totals.disbursed_ore <= loan.principal_ore
    committed = Disbursement.objects.filter(loan=loan).aggregate(total=Sum("amount_ore"))["total"] or 0
    assert committed <= loan.principal_ore
    paid = Disbursement.objects.filter(loan=loan, approved_at__isnull=False)
    assert (paid.aggregate(total=Sum("amount_ore"))["total"] or 0) == totals.disbursed_ore
    assert all(d.ledger_entry_id for d in paid)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_ledger_invariants_hold_for_any_sequence(nordby, people, ops):
    granter, requester, approver = people
    try:
        with transaction.atomic():
            run(nordby, granter, requester, approver, ops)
            raise Rollback
    except Rollback:
        pass


def run(nordby, granter, requester, approver, ops):
    case, loan = granted_case(nordby, granter, status=S.BUSINESS_SETUP, verified_by=granter)
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
