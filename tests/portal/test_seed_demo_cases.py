"""`seed_demo_cases`: the demo applicants' cases and their history, made
through the services, once however often the command runs."""

import datetime as dt
import io
import os
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice.models import (Assessment, Attendance, Case, Cohort, Decision, DecisionKind, Disbursement,
                               Document, Enrolment, FollowUp, InformationRequest, LedgerEntry, Loan, Outcome,
                               RepaymentInstalment, ScreeningTalk, SelfReport)
from portal.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

S = Case.Status
K = LedgerEntry.Kind

STATUSES = {
    S.SUBMITTED: 1, S.SCREENING: 1, S.AWAITING_INFORMATION: 1,  # today's applicants
    S.CONSULTATION: 1, S.NOT_ADMITTED: 1, S.WITHDRAWN: 1,  # recent applications
    S.ADMITTED: 1, S.IN_COURSE: 2,  # the ongoing cohort and its waiting list
    S.DROPPED_OUT: 1, S.LOAN_CONSULTATION: 1, S.BUSINESS_SETUP: 1,  # the finished cohort ...
    S.LOAN_DISBURSED: 1, S.IN_REPAYMENT: 1, S.CLOSED: 2,  # ... written off, and left for a job
}

# Everything the command makes: a second run must not add to any of them.
COUNTED = [Case, get_user_model(), Cohort, Enrolment, Attendance, Decision, Document, Loan, LedgerEntry,
           Disbursement, FollowUp, SelfReport, Outcome, ModelLogEntry, ScreeningTalk]


@pytest.fixture
def danish(settings):
    settings.LANGUAGE_CODE = "da"


def test_demo_history(demo, danish):
    """One run of the command (it takes a while), checked from every side, then run again."""
    out = io.StringIO()
    call_command("seed_demo_cases", stdout=out)
    check_every_stage_in_both_municipalities(out.getvalue())
    check_applicants_have_accounts_like_the_other_demo_users()
    check_cohorts_waiting_list_attendance_and_outcomes()
    check_loans_ledgers_add_up_and_payouts_are_four_eyes_into_verified_accounts()
    check_history_is_dated_in_the_past_and_decisions_are_final_or_heard()
    check_statistics_have_targets_budget_and_the_trial_records(out.getvalue())
    check_second_run_creates_nothing()


def _sum(loan, kind):
    return loan.ledger_entries.filter(kind=kind).aggregate(t=Sum("amount_ore"))["t"] or 0


def check_every_stage_in_both_municipalities(seeded):
    assert "32 demo cases created" in seeded
    for slug in ("nordby", "sydby"):
        statuses = Counter(Case.objects.filter(municipality__slug=slug, imported=False)
                           .values_list("status", flat=True))
        assert statuses == {str(status): count for status, count in STATUSES.items()}
    assert ScreeningTalk.objects.filter(case__municipality__slug="sydby").count() == 13
    assert InformationRequest.objects.filter(case__municipality__slug="nordby").count() == 2
    assert Document.objects.filter(kind=Document.Kind.APPLICATION_RECEIPT).count() == 32
    assert (ModelLogEntry.objects.filter(action="backoffice.case.assigned").count()
            == Case.objects.filter(assigned_to__isnull=False).count() == 30)
    # Both assessments on every case that was screened and decided.
    assert Assessment.objects.filter(submitted_at__isnull=False).count() == 2 * 24


def check_applicants_have_accounts_like_the_other_demo_users():
    mette = get_user_model().objects.get(email="mette@nordby.example")
    assert mette.check_password(os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD)
    assert mette.first_name == "Mette" and not mette.is_staff
    assert Case.objects.get(citizen=mette).status == S.IN_COURSE
    # The team leader approves payouts (four eyes): a coordinator of the municipality.
    leader = get_user_model().objects.get(email="afdelingsleder@nordby.example")
    assert leader.has_perm("backoffice.manage_loan") and leader.staff_membership.municipality.slug == "nordby"


def check_cohorts_waiting_list_attendance_and_outcomes():
    today = timezone.localdate()
    for slug in ("nordby", "sydby"):
        finished = Cohort.objects.get(municipality__slug=slug, ends_on__lt=today)
        ongoing = Cohort.objects.get(municipality__slug=slug, starts_on__lt=today, ends_on__gt=today)
        assert Counter(finished.enrolments.values_list("status", flat=True)) == {
            "completed": 5, "dropped_out": 1, "left_for_employment": 1}
        assert Counter(ongoing.enrolments.values_list("status", flat=True)) == {"enrolled": 2, "waiting": 1}
        assert ongoing.enrolments.get(status="waiting").case.status == S.ADMITTED
        assert Attendance.objects.filter(enrolment__cohort=ongoing, present=True).exists()
        assert Attendance.objects.filter(enrolment__cohort=finished, present=False).exclude(note="").exists()
        assert not Attendance.objects.filter(session__starts_at__gt=timezone.now()).exists()
        # Every participant of the finished cohort has the end-of-course outcome; most the 6-month one.
        for enrolment in finished.enrolments.all():
            assert enrolment.case.outcomes.filter(checkpoint=Outcome.Checkpoint.COURSE_END).exists()
        assert Outcome.objects.filter(case__municipality__slug=slug, case__imported=False,
                                      checkpoint="months_6").count() == 6
        job = finished.enrolments.get(status="left_for_employment").case
        assert job.status == S.CLOSED
        assert job.outcomes.get(checkpoint="course_end").result == Outcome.Result.SELF_SUFFICIENT_EMPLOYMENT


def check_loans_ledgers_add_up_and_payouts_are_four_eyes_into_verified_accounts():
    today = timezone.localdate()
    loans = Loan.objects.filter(case__imported=False).select_related("case")
    assert loans.count() == 8
    for loan in loans:
        disbursed, repaid, written_off = (_sum(loan, K.DISBURSEMENT), -_sum(loan, K.REPAYMENT),
                                          -_sum(loan, K.WRITE_OFF))
        assert loan.balance_ore() == disbursed - repaid - written_off
        assert loan.decision.kind == DecisionKind.GRANT_LOAN and loan.decision.status == Decision.Status.FINAL
        assert sum(loan.instalments.values_list("amount_ore", flat=True)) == loan.principal_ore
        for payout in loan.disbursements.select_related("business_account", "ledger_entry"):
            assert payout.business_account.is_verified
            assert payout.business_account.business.case_id == loan.case_id
            assert payout.approved_by_id not in (payout.requested_by_id, loan.granted_by_id)
            assert payout.ledger_entry.amount_ore == payout.amount_ore
            assert loan.granted_on <= payout.paid_on <= today

    by_status = {loan.case.status: loan for loan in loans.filter(case__municipality__slug="nordby")}
    repaying = by_status[S.IN_REPAYMENT]
    assert repaying.status == Loan.Status.IN_REPAYMENT
    assert repaying.ledger_entries.filter(kind=K.REPAYMENT).count() >= 2
    assert 0 < repaying.balance_ore() < repaying.principal_ore
    assert repaying.case.self_reports.count() >= 2
    assert repaying.case.follow_ups.filter(done_on__isnull=False).exists()
    assert repaying.case.follow_ups.filter(done_on__isnull=True).exists()

    arrears = by_status[S.LOAN_DISBURSED]
    assert not arrears.ledger_entries.filter(kind=K.REPAYMENT).exists()
    assert arrears.balance_ore() == arrears.principal_ore
    assert RepaymentInstalment.objects.filter(loan=arrears, due_on__lt=today).count() >= 2

    written_off = by_status[S.CLOSED]
    assert written_off.status == Loan.Status.WRITTEN_OFF and written_off.balance_ore() == 0
    entry = written_off.ledger_entries.get(kind=K.WRITE_OFF)
    assert entry.decision.kind == DecisionKind.WRITE_OFF_LOAN
    assert entry.decision.status == Decision.Status.FINAL

    waiting_for_bank = by_status[S.BUSINESS_SETUP]
    assert not waiting_for_bank.disbursements.exists()
    assert not waiting_for_bank.case.business.bank_account.is_verified


def check_history_is_dated_in_the_past_and_decisions_are_final_or_heard():
    today = timezone.localdate()
    repaying = Case.objects.get(municipality__slug="nordby", status=S.IN_REPAYMENT)
    assert (today - timezone.localdate(repaying.submitted_at)).days > 365
    stamps = ModelLogEntry.objects.filter(object_id=str(repaying.pk)).values_list("timestamp", flat=True)
    assert min(stamps).date() < repaying.loan.granted_on < today
    heard = Decision.objects.filter(status=Decision.Status.IN_CONSULTATION)
    assert heard.count() == 4 and all(d.consultation_deadline > today for d in heard)
    refused = Decision.objects.get(case__municipality__slug="nordby", kind="refer_to_ordinary_effort",
                                   status=Decision.Status.FINAL)
    assert refused.consultation_replied_at is not None and refused.letter is not None


def check_second_run_creates_nothing():
    before = {model: model.objects.count() for model in COUNTED}
    out = io.StringIO()
    call_command("seed_demo_cases", stdout=out)
    assert "0 demo cases created" in out.getvalue()
    assert {model: model.objects.count() for model in COUNTED} == before


def check_statistics_have_targets_budget_and_the_trial_records(seeded):
    from backoffice.models import BudgetLine, Expense, Municipality, YearlyTarget
    from backoffice.statistics.evaluation import evaluation_report
    from backoffice.statistics.periods import Period

    year = timezone.localdate().year
    for slug in ("nordby", "sydby"):
        assert set(YearlyTarget.objects.filter(municipality__slug=slug).values_list("year", flat=True)) == {
            year - 1, year}
        assert BudgetLine.objects.filter(municipality__slug=slug, year=year).count() == 5
        assert Expense.objects.filter(municipality__slug=slug, spent_on__year=year).exists()
    assert "22 cases imported into nordby" in seeded
    assert not Case.objects.filter(municipality__slug="sydby", imported=True).exists()
    # The trial's figures from the evaluation form, reproduced from the imported records.
    report = evaluation_report(Municipality.objects.get(slug="nordby"),
                               Period(dt.date(2020, 7, 1), dt.date(2022, 12, 31)))
    assert (report.courses, report.loans, report.self_sufficient, report.referred_ordinary_effort) == (
        20, 14, 8, 6)
