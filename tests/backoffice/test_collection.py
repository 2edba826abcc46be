"""Collection: a loan in arrears walks reminder 1 → reminder 2 → written
notice → handover to Gældsstyrelsen as the days pass; each step once, at
least 10 days apart, fees at most DKK 100 and three; a deferral pauses it;
the handover file's exact content; the claim's status after handover;
rescheduling keeps the principal and the ledger's balance."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, transaction
from wagtail.models import ModelLogEntry

from backoffice import selectors_loans
from backoffice.models import (
    ClaimHandover, CollectionStep, DecisionKind, Document, LetterDispatch, LoanPolicy, RepaymentInstalment,
    ScheduleChange,
)
from backoffice.services import collection
from backoffice.services import loans as loan_services
from backoffice.services.loans import LoanRefused
from backoffice.statistics.exports import csv_text

from .test_loans import (  # noqa: F401 (fixtures)
    CPR, S, caseworker, coordinator, disburse, final_decision, granted_case, second, third,
)

STEP = CollectionStep.Kind
GRANTED_ON = dt.date(2026, 1, 14)  # granted_case grants 60 days before test_loans.TODAY
FIRST_DUE = dt.date(2026, 2, 1)


def day(n):
    return FIRST_DUE + dt.timedelta(days=n)


@pytest.fixture
def in_arrears(nordby, coordinator, second, third):
    """40.000 kr. in three monthly instalments from 1 February 2026, paid
    out, nothing repaid."""
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator,
                              grace_months=0, repayment_months=3)
    disburse(loan, second, third, paid_on=GRANTED_ON)
    case.refresh_from_db()
    loan.refresh_from_db()
    return case, loan


def run(on, **options):
    return [(loan.pk, kind) for loan, kind in collection.run_collection(today=on, **options)]


def steps(loan):
    return list(CollectionStep.objects.filter(loan=loan).order_by("sent_on").values_list("kind", "sent_on",
                                                                                          "fee_ore"))


def test_the_notice_deadline_moves_off_easter(in_arrears):
    """Fourteen days from 20 March 2026 is Good Friday; Easter Monday
    follows, so the citizen has until Tuesday 7 April."""
    case, loan = in_arrears
    run(day(10)), run(day(24))
    assert run(dt.date(2026, 3, 20)) == [(loan.pk, STEP.NOTICE)]
    assert CollectionStep.objects.get(loan=loan, kind=STEP.NOTICE).deadline == dt.date(2026, 4, 7)


def test_reminder_reminder_notice_handover(in_arrears, coordinator):
    case, loan = in_arrears
    assert loan.instalments.order_by("due_on").first().due_on == FIRST_DUE
    assert run(day(9)) == []
    assert run(day(10)) == [(loan.pk, STEP.REMINDER_1)]
    assert run(day(10)) == [] and run(day(11)) == []  # never twice
    assert run(day(23)) == []
    assert run(day(24)) == [(loan.pk, STEP.REMINDER_2)]
    assert run(day(38)) == [(loan.pk, STEP.NOTICE)]
    assert run(day(80)) == []  # nothing after the notice
    assert steps(loan) == [(STEP.REMINDER_1, day(10), 10_000), (STEP.REMINDER_2, day(24), 10_000),
                           (STEP.NOTICE, day(38), 10_000)]
    notice = CollectionStep.objects.get(loan=loan, kind=STEP.NOTICE)
    assert notice.deadline == day(38 + 14)

    # Each step is a PDF letter on the case, sent in Digital Post, in the audit log.
    dispatches = LetterDispatch.objects.filter(case=case, kind__in=("reminder", "collection_notice")).order_by("pk")
    assert [d.kind for d in dispatches] == ["reminder", "reminder", "collection_notice"]
    assert all(d.document.case_id == case.pk and d.document.visible_to_citizen for d in dispatches)
    assert Document.objects.get(pk=notice.letter_id).file.read().startswith(b"%PDF")
    actions = ModelLogEntry.objects.filter(object_id=str(case.pk), action__startswith="backoffice.case.collection")
    assert sorted(a.action for a in actions) == sorted([collection.REMINDER_ACTION] * 2 + [collection.NOTICE_ACTION])

    assert collection.stage(loan, day(40)) == STEP.NOTICE
    assert collection.ready_for_handover(loan, day(52)) is None  # the deadline day itself
    with pytest.raises(LoanRefused):
        collection.hand_over([loan], coordinator, today=day(52))
    assert collection.ready_for_handover(loan, day(53)) == notice
    [handover] = collection.hand_over([loan], coordinator, today=day(53))
    assert handover.status == ClaimHandover.Status.HANDED_OVER
    assert handover.principal_ore == loan_services.balance_ore(loan) == 4_000_000
    assert (handover.interest_ore, handover.fees_ore) == (0, 30_000)
    assert collection.stage(loan) == "handed_over"
    assert run(day(90)) == []  # with Gældsstyrelsen: no reminders of our own
    with pytest.raises(LoanRefused):
        collection.hand_over([loan], coordinator, today=day(54))


def test_handover_file_exact_content(in_arrears, coordinator, nordby):
    case, loan = in_arrears
    for n in (10, 24, 38):
        run(day(n))
    handovers = collection.hand_over([loan], coordinator, today=day(53))
    text = csv_text(collection.HANDOVER_COLUMNS, collection.handover_rows(handovers))
    cvr, ref = nordby.cvr_number, case.reference
    assert text.splitlines() == [
        "creditor_cvr,case_reference,claim_type,line,line_type,debtor_id_type,debtor_id,principal_dkk,"
        "interest_dkk,fee_dkk,due_on,original_due_on,limitation_on,handed_over_on",
        f"{cvr},{ref},MIKROLAAN,1,instalment,CPR,0101901234,13333.33,0.00,0.00,2026-02-01,2026-02-01,2029-02-01,"
        "2026-03-26",
        f"{cvr},{ref},MIKROLAAN,2,instalment,CPR,0101901234,13333.33,0.00,0.00,2026-03-01,2026-03-01,2029-03-01,"
        "2026-03-26",
        # Not due yet: falls due the day after the notice's deadline (the notice said so).
        f"{cvr},{ref},MIKROLAAN,3,instalment,CPR,0101901234,13333.34,0.00,0.00,2026-03-26,2026-04-01,2029-03-26,"
        "2026-03-26",
        f"{cvr},{ref},MIKROLAAN,4,fee,CPR,0101901234,0.00,0.00,100.00,2026-02-11,2026-02-11,2029-02-11,2026-03-26",
        f"{cvr},{ref},MIKROLAAN,5,fee,CPR,0101901234,0.00,0.00,100.00,2026-02-25,2026-02-25,2029-02-25,2026-03-26",
        f"{cvr},{ref},MIKROLAAN,6,fee,CPR,0101901234,0.00,0.00,100.00,2026-03-11,2026-03-11,2029-03-11,2026-03-26",
    ]
    assert CPR.replace("-", "") == "0101901234"
    assert handovers[0].limitation_on == dt.date(2029, 2, 1)


def test_business_as_debtor_uses_the_cvr(in_arrears, coordinator, nordby):
    case, loan = in_arrears
    LoanPolicy.objects.filter(municipality=nordby).update(debtor_is_business=True)
    for n in (10, 24, 38):
        run(day(n))
    rows = collection.handover_rows(collection.hand_over([loan], coordinator, today=day(53)))
    assert {(row[5], row[6]) for row in rows} == {("CVR", "12345674")}


def test_spacing_is_enforced_when_the_run_is_late(in_arrears, nordby):
    _case, loan = in_arrears
    assert run(day(30)) == [(loan.pk, STEP.REMINDER_1)]  # the task did not run for weeks
    assert run(day(35)) == []  # reminder 2 is due by the days, but only 5 days after reminder 1
    assert run(day(39)) == []
    assert run(day(40)) == [(loan.pk, STEP.REMINDER_2)]
    assert run(day(49)) == []
    assert run(day(50)) == [(loan.pk, STEP.NOTICE)]


def test_policy_refuses_reminders_closer_than_10_days(nordby):
    policy = LoanPolicy.objects.get(municipality=nordby)
    policy.reminder_2_days = policy.reminder_1_days + 9
    with pytest.raises(IntegrityError), transaction.atomic():
        policy.save()
    policy.refresh_from_db()
    policy.reminder_spacing_days = 9
    with pytest.raises(IntegrityError), transaction.atomic():
        policy.save()


def test_fees_follow_the_policy(in_arrears, nordby):
    _case, loan = in_arrears
    LoanPolicy.objects.filter(municipality=nordby).update(reminder_fee_dkk=65, max_reminder_fees=2)
    for n in (10, 24, 38):
        run(day(n))
    assert [fee for _kind, _on, fee in steps(loan)] == [6_500, 6_500, 0]


def test_dry_run_sends_nothing_and_municipality_limits(in_arrears, sydby):
    _case, loan = in_arrears
    assert run(day(10), dry_run=True) == [(loan.pk, STEP.REMINDER_1)]
    assert run(day(10), municipality=sydby.slug) == []
    assert not CollectionStep.objects.exists()
    assert run(day(10), municipality="nordby") == [(loan.pk, STEP.REMINDER_1)]


def test_command_is_idempotent(in_arrears, capsys):
    _case, loan = in_arrears
    call_command("run_collection", "--date", day(10).isoformat(), "--dry-run")
    assert not CollectionStep.objects.exists()
    call_command("run_collection", "--date", day(10).isoformat())
    call_command("run_collection", "--date", day(10).isoformat())
    assert CollectionStep.objects.filter(loan=loan).count() == 1
    assert "reminder_1" in capsys.readouterr().out


def test_paid_arrears_stop_the_round(in_arrears, second):
    _case, loan = in_arrears
    run(day(10))
    first = loan.instalments.order_by("due_on").first()
    loan_services.record_payment(loan, second, amount_ore=first.amount_ore, booked_on=day(12))
    assert run(day(24)) == []  # the next instalment (1 March) is not late yet
    assert collection.stage(loan, day(24)) == ""
    assert run(dt.date(2026, 3, 11)) == [(loan.pk, STEP.REMINDER_1)]  # a new round, for 1 March


# --- Deferral -------------------------------------------------------------------------------------


def test_deferral_pauses_reminders_and_moves_the_instalments(in_arrears, coordinator):
    case, loan = in_arrears
    run(day(10))
    rows = list(loan.instalments.order_by("due_on"))
    decision = final_decision(case, coordinator, kind=DecisionKind.DEFER_LOAN)
    until = dt.date(2026, 5, 15)
    with pytest.raises(LoanRefused) as refused:
        collection.defer(loan, coordinator, decision=decision, reason=" ", instalment_ids=[rows[0].pk],
                         until=until, today=day(12))
    assert refused.value.code == "reason_required"
    change = collection.defer(loan, coordinator, decision=decision, reason="Sygdom i familien",
                              instalment_ids=[rows[0].pk, rows[1].pk], until=until, today=day(12))
    assert change.kind == ScheduleChange.Kind.DEFERRAL and change.principal_ore == 2_666_666

    # The old rows stay, replaced; the current schedule holds the same principal.
    assert set(change.replaced_instalments.values_list("pk", flat=True)) == {rows[0].pk, rows[1].pk}
    current = selectors_loans.schedule(loan)
    assert [(r.due_on, r.principal_ore) for r in current] == [(dt.date(2026, 4, 1), 1_333_334), (until, 2_666_666)]
    assert collection.schedule_principal_ore(loan) == loan.principal_ore
    assert RepaymentInstalment.objects.filter(loan=loan).count() == 4

    # Paused until the deferral ends, though 1 April falls due meanwhile.
    assert collection.active_deferral(loan, day(30)) == change
    assert run(day(24)) == [] and run(dt.date(2026, 4, 20)) == [] and run(dt.date(2026, 5, 14)) == []
    assert collection.active_deferral(loan, until) is None
    assert run(until) == [(loan.pk, STEP.REMINDER_1)]  # the 1 April instalment, a round of its own
    assert ModelLogEntry.objects.filter(object_id=str(case.pk), action=collection.DEFERRED_ACTION).get().data[
        "change"] == change.pk

    # The decision is used once.
    with pytest.raises(LoanRefused) as refused:
        collection.defer(loan, coordinator, decision=decision, reason="Igen", instalment_ids=[current[0].pk],
                         until=dt.date(2026, 6, 15), today=day(12))
    assert refused.value.code == "decision_used"
    with pytest.raises(Exception):
        change.delete()


def test_deferral_needs_the_right_decision_and_permission(in_arrears, coordinator, caseworker):
    case, loan = in_arrears
    first = loan.instalments.order_by("due_on").first()
    write_off = final_decision(case, coordinator, kind=DecisionKind.WRITE_OFF_LOAN)
    with pytest.raises(LoanRefused) as refused:
        collection.defer(loan, coordinator, decision=write_off, reason="x", instalment_ids=[first.pk],
                         until=dt.date(2026, 5, 15), today=day(12))
    assert refused.value.code == "decision_required"
    decision = final_decision(case, coordinator, kind=DecisionKind.DEFER_LOAN)
    with pytest.raises(PermissionDenied):
        collection.defer(loan, caseworker, decision=decision, reason="x", instalment_ids=[first.pk],
                         until=dt.date(2026, 5, 15), today=day(12))


# --- Rescheduling ---------------------------------------------------------------------------------


def test_rescheduling_keeps_the_principal_and_the_balance(in_arrears, coordinator, second):
    case, loan = in_arrears
    first = loan.instalments.order_by("due_on").first()
    loan_services.record_payment(loan, second, amount_ore=first.amount_ore + 500_000, booked_on=day(3))
    balance = loan_services.balance_ore(loan)
    decision = final_decision(case, coordinator, kind=DecisionKind.RESCHEDULE_LOAN)
    change = collection.reschedule(loan, coordinator, decision=decision, reason="Lavere omsætning",
                                   months=6, first_due_on=dt.date(2026, 4, 1), today=day(40))
    assert change.principal_ore == 1_333_333 + 1_333_334
    current = selectors_loans.schedule(loan)
    assert [r.due_on for r in current] == [FIRST_DUE] + [dt.date(2026, m, 1) for m in range(4, 10)]
    assert collection.schedule_principal_ore(loan) == loan.principal_ore
    assert loan_services.balance_ore(loan) == balance
    # What was paid beyond the first instalment now covers the new ones, oldest first.
    assert [r.principal_ore for r in current[1:]] == [444_444] * 5 + [444_447]
    assert current[1].is_paid and current[2].covered_ore == 500_000 - 444_444
    assert sum(r.amount_ore - r.covered_ore for r in current) == balance
    assert selectors_loans.arrears_ore(loan, day(40)) == 0
    assert ModelLogEntry.objects.filter(object_id=str(case.pk), action=collection.RESCHEDULED_ACTION).exists()


def test_claim_status_after_handover(in_arrears, coordinator, caseworker):
    _case, loan = in_arrears
    for n in (10, 24, 38):
        run(day(n))
    [handover] = collection.hand_over([loan], coordinator, today=day(53))
    with pytest.raises(PermissionDenied):
        collection.set_claim_status(handover, caseworker, status=ClaimHandover.Status.ACCEPTED)
    collection.set_claim_status(handover, coordinator, status=ClaimHandover.Status.ACCEPTED, on=day(60))
    with pytest.raises(LoanRefused):
        collection.set_claim_status(handover, coordinator, status=ClaimHandover.Status.HANDED_OVER)
    returned = collection.set_claim_status(handover, coordinator, status=ClaimHandover.Status.RETURNED,
                                           on=day(70), note="Skyldner ikke fundet")
    assert (returned.status, returned.status_on) == (ClaimHandover.Status.RETURNED, day(70))
    assert collection.open_handover(loan) is None
