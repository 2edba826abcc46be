"""The micro-loan: grant, pay out (four eyes), repayments, write-off, closure.

Rules built in:

- The loan is granted after the final decision to grant it (``DecisionKind.
  GRANT_LOAN`` through ``services.decisions``): that decision is the legal
  act and moves the case to "loan granted"; ``grant_loan`` then records the
  terms and the repayment schedule and links the loan to the decision. A
  loan without a final decision behind it is refused.
- The amount is within the municipality's loan policy; the terms are copied
  onto the loan, so a later change of policy does not alter it.
- The loan is paid only to the business's verified business account: the
  NemKonto of its CVR number, never a personal (CPR) NemKonto (money there
  can be seized for public debt). The approval makes the payment order to
  that CVR (``services.payments``). The service refuses with a message, and
  database triggers (migrations 0007, 0012) stop any other path.
- Four eyes: whoever approves a payout is neither the person who requested
  it nor the person who granted the loan.
- Tranches are allowed; together they never exceed the principal.
- Every ledger entry is immutable (``LedgerEntry`` is append-only); a
  mistake is corrected by a new entry that reverses it.
- Interest (the loan policy's yearly rate, 0 % by default) follows the
  schedule, as in Apache Fineract without interest recalculation: each
  instalment is split into principal and the month's interest on the
  principal still owed by the schedule (an annuity). The interest is booked
  in the ledger as an ``interest`` entry when the instalment falls due —
  once per instalment (a unique constraint), by the daily task
  (``book_interest_task``) and, so the balance is right, before a payment or
  a write-off is booked. Interest is charged only on what has been paid
  out: on the due date's share of the principal paid out by then (none
  before the first payout). Interest not yet due is never charged, so
  paying early saves it.
- Balance = disbursed + interest booked − repaid − written off, never
  negative: a payment or write-off larger than the balance is refused.
- When the whole principal has been paid out and the balance is 0, the loan
  is closed (repaid or written off) and the case closed.

Every write locks the case row (the one serialisation point for a case's
money), checks, saves, and writes the audit entry on the Case in one
transaction. Audit data holds ids, amounts and dates, never free text."""

import calendar
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from wagtail.log_actions import log

from ..lifecycle import can_transition
from ..models import (
    BusinessAccount, Case, Decision, DecisionKind, Disbursement, LedgerEntry, Loan, LoanPolicy,
    RepaymentInstalment,
)
from ..tenancy import may_act_on
from . import payments, transitions
from . import de_minimis
from .transitions import StaleCase, TransitionError

S = Case.Status
K = LedgerEntry.Kind

DECIDE_PERMISSION = "backoffice.decide_loan"
MANAGE_PERMISSION = "backoffice.manage_loan"

LOAN_GRANTED_ACTION = "backoffice.case.loan_granted"
DISBURSEMENT_REQUESTED_ACTION = "backoffice.case.disbursement_requested"
DISBURSEMENT_CANCELLED_ACTION = "backoffice.case.disbursement_cancelled"
DISBURSEMENT_APPROVED_ACTION = "backoffice.case.disbursement_approved"
PAYMENT_RECORDED_ACTION = "backoffice.case.payment_recorded"
WRITTEN_OFF_ACTION = "backoffice.case.loan_written_off"
ENTRY_CORRECTED_ACTION = "backoffice.case.ledger_entry_corrected"
LOAN_CLOSED_ACTION = "backoffice.case.loan_closed"
REMINDER_SENT_ACTION = "backoffice.case.payment_reminder_sent"
INTEREST_BOOKED_ACTION = "backoffice.case.loan_interest_booked"
LOAN_ACTIONS = (
    LOAN_GRANTED_ACTION, DISBURSEMENT_REQUESTED_ACTION, DISBURSEMENT_CANCELLED_ACTION,
    DISBURSEMENT_APPROVED_ACTION, PAYMENT_RECORDED_ACTION, WRITTEN_OFF_ACTION, ENTRY_CORRECTED_ACTION,
    LOAN_CLOSED_ACTION, REMINDER_SENT_ACTION, INTEREST_BOOKED_ACTION,
)

# The case statuses in which the loan is paid out and serviced.
GRANTABLE_FROM = frozenset({S.COURSE_COMPLETED, S.LOAN_CONSULTATION, S.LOAN_DECLINED})
GRANTED_STATUSES = frozenset({S.LOAN_GRANTED, S.BUSINESS_SETUP})
DISBURSABLE_STATUSES = frozenset({S.LOAN_GRANTED, S.BUSINESS_SETUP, S.LOAN_DISBURSED, S.IN_REPAYMENT})
SERVICED_STATUSES = frozenset({S.LOAN_DISBURSED, S.IN_REPAYMENT})
OPEN_LOAN_STATUSES = frozenset({Loan.Status.GRANTED, Loan.Status.IN_REPAYMENT})

REASON_MAX_LENGTH = 2000
MAX_REPAYMENT_MONTHS = 240

ACCOUNT_REQUIRED_MESSAGE = _(
    "The loan can only be paid out when the business's bank account has been verified. The loan is paid "
    "only into the business's verified account, never a personal account: money in a personal account "
    "can be seized for public debt."
)


class LoanRefused(TransitionError):
    """A rule stops the step; ``message`` says why, for staff."""

    def __init__(self, message, code=""):
        super().__init__(str(message))
        self.message = message
        self.code = code


# --- Money helpers ---------------------------------------------------------------------------------


def kroner(ore):
    """Øre as a Danish amount string for messages, e.g. 123450 → "1.234,50"."""
    sign = "-" if ore < 0 else ""
    whole, cents = divmod(abs(int(ore)), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{cents:02d}"


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def first_due_date(granted_on, grace_months):
    """The first instalment falls on the 1st of the month after the grace
    period, counted from the month after the grant."""
    return add_months(granted_on.replace(day=1), 1 + grace_months)


def schedule_split(principal_ore, annual_interest_rate, months):
    """The monthly instalments as ``(principal, interest)`` pairs in øre.
    Interest-free: equal instalments of principal. With interest: an
    annuity, the month's interest on the principal still owed rounded to the
    øre. Either way the last instalment repays what is left of the
    principal, so the principal parts add up to exactly the principal."""
    if months < 1:
        raise ValueError("At least one instalment")
    rate = Decimal(annual_interest_rate or 0)
    if rate == 0:
        base = principal_ore // months
        return [(base, 0)] * (months - 1) + [(principal_ore - base * (months - 1), 0)]
    monthly = rate / Decimal(1200)
    payment = (Decimal(principal_ore) * monthly / (1 - (1 + monthly) ** -months)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP)
    remaining, split = principal_ore, []
    for number in range(months):
        interest = int((Decimal(remaining) * monthly).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if number == months - 1:
            principal = remaining
        else:
            principal = min(int(payment), remaining + interest) - interest
        split.append((principal, interest))
        remaining -= principal
    return split


def schedule_amounts(principal_ore, annual_interest_rate, months):
    """The monthly instalments in øre (principal plus interest): the sum is
    exactly the principal plus the interest charged."""
    return [principal + interest for principal, interest in
            schedule_split(principal_ore, annual_interest_rate, months)]


# --- Reads used by the checks ----------------------------------------------------------------------


def balance_ore(loan):
    return loan.ledger_entries.aggregate(total=Sum("amount_ore"))["total"] or 0


def disbursed_ore(loan):
    return loan.ledger_entries.filter(kind=K.DISBURSEMENT).aggregate(total=Sum("amount_ore"))["total"] or 0


def committed_ore(loan):
    """Paid out plus requested and not yet approved: what the tranches use."""
    return loan.disbursements.aggregate(total=Sum("amount_ore"))["total"] or 0


def verified_account(case):
    """The case's business account if it is verified as the NemKonto of the
    business's CVR number (``services.payments``), else None."""
    account = BusinessAccount.objects.select_related("business").filter(business__case=case).first()
    return account if payments.nemkonto_cvr(account) else None


def final_grant_decision(case):
    """The latest final loan decision on the case if it grants the loan."""
    latest = (Decision.objects.filter(case=case, status=Decision.Status.FINAL,
                                      kind__in=(DecisionKind.GRANT_LOAN, DecisionKind.DECLINE_LOAN))
              .order_by("-decided_at", "-pk").first())
    return latest if latest is not None and latest.kind == DecisionKind.GRANT_LOAN else None


def is_four_eyes_ok(disbursement, user):
    """Whether ``user`` may approve: neither the requester nor the granter."""
    return user.pk not in (disbursement.requested_by_id, disbursement.loan.granted_by_id)


# --- Helpers ---------------------------------------------------------------------------------------


def _check(user, case, permission):
    if not (user.is_authenticated and user.has_perm(permission) and may_act_on(user, case)):
        raise PermissionDenied


def _lock(case, user, permission, expected_version=None):
    _check(user, case, permission)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleCase
    return locked


def _changed(case, locked):
    transitions.bump_version(locked)
    case.version = locked.version


def _move(case, locked, to_status, *, user, action, data, authorised=False):
    """Move the case to ``to_status`` with the audit entry ``action``."""
    transitions.transition(case, to_status, user=user, expected_version=locked.version, action=action,
                           data=data, authorised=authorised)
    locked.status, locked.version = case.status, case.version


def _positive(amount_ore):
    if not isinstance(amount_ore, int) or isinstance(amount_ore, bool) or amount_ore <= 0:
        raise LoanRefused(_("The amount must be more than 0 kr."), code="amount")
    return amount_ore


def _not_future(day, message):
    if day is None or day > timezone.localdate():
        raise LoanRefused(message, code="date")
    return day


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise LoanRefused(_("Write the reason."), code="reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise LoanRefused(_("The reason is too long."), code="reason_too_long")
    return reason


def _loan_for(case):
    loan = Loan.objects.select_for_update().filter(case=case).first()
    if loan is None:
        raise LoanRefused(_("There is no loan on this case."), code="no_loan")
    return loan


# --- Grant -----------------------------------------------------------------------------------------


def grant_loan(case, user, *, amount_ore, grace_months=None, repayment_months=None, expected_version=None,
               today=None):
    """Record the granted loan with its terms and repayment schedule.

    Call it after the final GRANT_LOAN decision (``services.decisions``):
    the loan is linked to that decision. The amount must be within the
    municipality's loan policy; grace and repayment period default to the
    policy's and may be shorter, never longer. If the case is still before
    the grant in its lifecycle (an imported decision), it is moved to "loan
    granted" here."""
    today = today or timezone.localdate()
    amount_ore = _positive(amount_ore)
    with transaction.atomic():
        locked = _lock(case, user, DECIDE_PERMISSION, expected_version)
        if Loan.objects.filter(case=locked).exists():
            raise LoanRefused(_("A loan has already been granted on this case."), code="exists")
        decision = final_grant_decision(locked)
        if decision is None:
            raise LoanRefused(_("Make the decision to grant the loan first. The loan is recorded after the "
                                "final decision."), code="decision_required")
        if locked.status not in GRANTED_STATUSES and locked.status not in GRANTABLE_FROM:
            raise LoanRefused(_("A loan cannot be granted on the case in its present status."),
                              code="wrong_status")
        policy = LoanPolicy.objects.filter(municipality_id=locked.municipality_id).first()
        if policy is None:
            raise LoanRefused(_("The municipality has no loan policy. Set the loan limits and terms first."),
                              code="no_policy")
        if not policy.min_amount * 100 <= amount_ore <= policy.max_amount * 100:
            raise LoanRefused(
                _("The amount must be between %(min)s kr. and %(max)s kr. (the municipality's loan policy).")
                % {"min": kroner(policy.min_amount * 100), "max": kroner(policy.max_amount * 100)},
                code="amount_limits")
        grace = policy.grace_months if grace_months is None else int(grace_months)
        months = policy.repayment_months if repayment_months is None else int(repayment_months)
        if not 0 <= grace <= policy.grace_months:
            raise LoanRefused(_("The grace period can be at most %(months)s months (the loan policy).")
                              % {"months": policy.grace_months}, code="grace")
        if not 1 <= months <= min(policy.repayment_months or MAX_REPAYMENT_MONTHS, MAX_REPAYMENT_MONTHS):
            raise LoanRefused(_("The repayment period must be from 1 to %(months)s months (the loan policy).")
                              % {"months": policy.repayment_months}, code="repayment")

        loan = Loan.objects.create(
            case=locked, principal_ore=amount_ore, annual_interest_rate=policy.annual_interest_rate,
            grace_months=grace, repayment_months=months, granted_on=today, granted_by=user, decision=decision,
        )
        Case.objects.filter(pk=locked.pk).update(loan_granted_on=today)
        locked.loan_granted_on = case.loan_granted_on = today
        first = first_due_date(today, grace)
        RepaymentInstalment.objects.bulk_create([
            RepaymentInstalment(loan=loan, due_on=add_months(first, number), amount_ore=principal + interest,
                                principal_ore=principal, interest_ore=interest)
            for number, (principal, interest) in enumerate(
                schedule_split(amount_ore, policy.annual_interest_rate, months))
        ])
        data = {"reference": locked.reference, "loan": loan.pk, "principal_ore": amount_ore,
                "decision": decision.pk, "grace_months": grace, "repayment_months": months,
                "interest": str(policy.annual_interest_rate)}
        if locked.status in GRANTABLE_FROM and can_transition(locked.status, S.LOAN_GRANTED):
            _move(case, locked, S.LOAN_GRANTED, user=user, action=LOAN_GRANTED_ACTION, data=data)
        else:
            _changed(case, locked)
            log(instance=case, action=LOAN_GRANTED_ACTION, user=user, data=data)
        # State aid: checks the declaration and the ceiling, records the grant and stores the grant letter
        # (raises to roll the loan back). Last in the transaction, so nothing fails after the letter is stored.
        de_minimis.record_for_loan(locked, loan, user=user, policy=policy)
    loan.case = case
    return loan


# --- Disbursement ----------------------------------------------------------------------------------


def request_disbursement(loan, user, *, amount_ore, expected_version=None):
    """Ask for a payout (a tranche) of ``amount_ore`` into the verified
    business account. Another person approves it."""
    case = loan.case
    amount_ore = _positive(amount_ore)
    with transaction.atomic():
        locked = _lock(case, user, MANAGE_PERMISSION, expected_version)
        current = _loan_for(locked)
        if current.status not in OPEN_LOAN_STATUSES or locked.status not in DISBURSABLE_STATUSES:
            raise LoanRefused(_("The loan cannot be paid out on the case in its present status."),
                              code="wrong_status")
        account = verified_account(locked)
        if account is None:
            raise LoanRefused(ACCOUNT_REQUIRED_MESSAGE, code="account_not_verified")
        left = current.principal_ore - committed_ore(current)
        if amount_ore > left:
            raise LoanRefused(
                _("The payouts cannot exceed the loan. At most %(left)s kr. is left to pay out, including "
                  "payouts waiting for approval.") % {"left": kroner(max(left, 0))}, code="exceeds_principal")
        disbursement = Disbursement.objects.create(
            loan=current, amount_ore=amount_ore, business_account=account, requested_by=user)
        _changed(case, locked)
        log(instance=case, action=DISBURSEMENT_REQUESTED_ACTION, user=user, data={
            "reference": locked.reference, "loan": current.pk, "disbursement": disbursement.pk,
            "amount_ore": amount_ore, "account": account.pk,
        })
    return disbursement


def cancel_disbursement(disbursement, user, *, expected_version=None):
    """Withdraw a payout request that has not been approved."""
    case = disbursement.loan.case
    with transaction.atomic():
        locked = _lock(case, user, MANAGE_PERMISSION, expected_version)
        current = Disbursement.objects.select_for_update().get(pk=disbursement.pk, loan__case=locked)
        if current.approved_at is not None:
            raise LoanRefused(_("The payout has been approved and cannot be cancelled."), code="approved")
        pk, amount = current.pk, current.amount_ore
        current.delete()
        _changed(case, locked)
        log(instance=case, action=DISBURSEMENT_CANCELLED_ACTION, user=user, data={
            "reference": locked.reference, "disbursement": pk, "amount_ore": amount,
        })
    return case


def approve_disbursement(disbursement, user, *, paid_on, expected_version=None):
    """Approve the payout and book it (four eyes): the approver is neither
    the requester nor the person who granted the loan. The first payout
    moves the case to "loan disbursed"."""
    case = disbursement.loan.case
    _not_future(paid_on, _("The payout date cannot be in the future."))
    with transaction.atomic():
        locked = _lock(case, user, MANAGE_PERMISSION, expected_version)
        loan = _loan_for(locked)
        current = Disbursement.objects.select_for_update().get(pk=disbursement.pk, loan=loan)
        if current.approved_at is not None:
            raise StaleCase  # approved by someone else meanwhile
        current.loan = loan
        if not is_four_eyes_ok(current, user):
            raise LoanRefused(_("Another person must approve the payout: not the one who asked for it, and "
                                "not the one who granted the loan (four eyes)."), code="four_eyes")
        if locked.status not in DISBURSABLE_STATUSES or loan.status not in OPEN_LOAN_STATUSES:
            raise LoanRefused(_("The loan cannot be paid out on the case in its present status."),
                              code="wrong_status")
        account = verified_account(locked)
        if account is None or account.pk != current.business_account_id:
            raise LoanRefused(ACCOUNT_REQUIRED_MESSAGE, code="account_not_verified")
        if disbursed_ore(loan) + current.amount_ore > loan.principal_ore:
            raise LoanRefused(_("The payouts cannot exceed the loan."), code="exceeds_principal")
        if paid_on < loan.granted_on:
            raise LoanRefused(_("The payout date cannot be before the loan was granted."), code="date")

        entry = LedgerEntry.objects.create(loan=loan, kind=K.DISBURSEMENT, amount_ore=current.amount_ore,
                                           booked_on=paid_on, created_by=user)
        current.approved_by, current.approved_at = user, timezone.now()
        current.paid_on, current.ledger_entry = paid_on, entry
        current.save(update_fields=["approved_by", "approved_at", "paid_on", "ledger_entry"])
        # The money leaves through NemKonto, to the business's CVR (services.payments).
        order = payments.order_for_disbursement(locked, current, user)
        data = {"reference": locked.reference, "loan": loan.pk, "disbursement": current.pk, "entry": entry.pk,
                "amount_ore": current.amount_ore, "paid_on": paid_on.isoformat(), "order": order.pk}
        if locked.status == S.LOAN_GRANTED:
            # The business has its verified account: it is set up.
            _move(case, locked, S.BUSINESS_SETUP, user=user, action=transitions.STATUS_CHANGED_ACTION,
                  data={"reason": "business_account_verified"})
        if locked.status == S.BUSINESS_SETUP:
            _move(case, locked, S.LOAN_DISBURSED, user=user, action=DISBURSEMENT_APPROVED_ACTION, data=data)
        else:
            _changed(case, locked)
            log(instance=case, action=DISBURSEMENT_APPROVED_ACTION, user=user, data=data)
        _close_if_settled(case, locked, loan, user)
    return current


# --- Repayments, write-off, corrections ------------------------------------------------------------


def record_payment(loan, user, *, amount_ore, booked_on, external_reference=None, expected_version=None):
    """Book a repayment. Refused if larger than the balance (the citizen
    would be owed money back: repay the difference instead) or if the same
    external reference is already booked on the loan. The first repayment
    moves the case to "in repayment"."""
    case = loan.case
    amount_ore = _positive(amount_ore)
    _not_future(booked_on, _("The payment date cannot be in the future."))
    external_reference = (external_reference or "").strip() or None
    if external_reference and len(external_reference) > 100:
        raise LoanRefused(_("The transaction id is too long."), code="reference")
    with transaction.atomic():
        locked = _lock(case, user, MANAGE_PERMISSION, expected_version)
        current = _loan_for(locked)
        if locked.status not in SERVICED_STATUSES or current.status not in OPEN_LOAN_STATUSES:
            raise LoanRefused(_("Payments can only be recorded on a loan that has been paid out and is not "
                                "closed."), code="wrong_status")
        if external_reference and LedgerEntry.objects.filter(
                loan=current, external_reference=external_reference).exists():
            raise LoanRefused(_("A payment with this transaction id has already been recorded."),
                              code="duplicate")
        _book_due_interest(case, locked, current)
        balance = balance_ore(current)
        if amount_ore > balance:
            raise LoanRefused(
                _("The payment is larger than what is owed (%(balance)s kr.). Record only what is owed and "
                  "pay the rest back to the citizen.") % {"balance": kroner(balance)}, code="overpayment")
        entry = LedgerEntry.objects.create(loan=current, kind=K.REPAYMENT, amount_ore=-amount_ore,
                                           booked_on=booked_on, external_reference=external_reference,
                                           created_by=user)
        data = {"reference": locked.reference, "loan": current.pk, "entry": entry.pk,
                "amount_ore": amount_ore,
                "booked_on": booked_on.isoformat(), "imported": bool(external_reference)}
        if current.status == Loan.Status.GRANTED:
            current.status = Loan.Status.IN_REPAYMENT
            current.save(update_fields=["status"])
        if locked.status == S.LOAN_DISBURSED:
            _move(case, locked, S.IN_REPAYMENT, user=user, action=PAYMENT_RECORDED_ACTION, data=data)
        else:
            _changed(case, locked)
            log(instance=case, action=PAYMENT_RECORDED_ACTION, user=user, data=data)
        _close_if_settled(case, locked, current, user)
    return entry


def write_off(loan, user, *, amount_ore, reason, decision=None, booked_on=None, expected_version=None):
    """Forgive (write off) ``amount_ore`` of the debt. Forgiveness is a
    decision towards the citizen: ``decision`` must be a final
    WRITE_OFF_LOAN decision on the case, not used for another write-off. The
    reason is kept on the entry, not in the audit log."""
    case = loan.case
    amount_ore = _positive(amount_ore)
    reason = _reason(reason)
    booked_on = booked_on or timezone.localdate()
    with transaction.atomic():
        locked = _lock(case, user, DECIDE_PERMISSION, expected_version)
        _check(user, locked, MANAGE_PERMISSION)
        current = _loan_for(locked)
        if locked.status not in SERVICED_STATUSES or current.status not in OPEN_LOAN_STATUSES:
            raise LoanRefused(_("Only a loan that has been paid out and is not closed can be written off."),
                              code="wrong_status")
        if (decision is None or decision.case_id != locked.pk or decision.kind != DecisionKind.WRITE_OFF_LOAN
                or decision.status != Decision.Status.FINAL):
            raise LoanRefused(
                _("Make the decision to write off the loan first (final decision with reasons)."),
                code="decision_required")
        if LedgerEntry.objects.filter(decision=decision).exists():
            raise LoanRefused(_("This decision has already been used for a write-off."), code="decision_used")
        _book_due_interest(case, locked, current)
        balance = balance_ore(current)
        if amount_ore > balance:
            raise LoanRefused(_("You cannot write off more than is owed (%(balance)s kr.).")
                              % {"balance": kroner(balance)}, code="exceeds_balance")
        entry = LedgerEntry.objects.create(loan=current, kind=K.WRITE_OFF, amount_ore=-amount_ore,
                                           booked_on=booked_on, note=reason, decision=decision,
                                           created_by=user)
        _changed(case, locked)
        log(instance=case, action=WRITTEN_OFF_ACTION, user=user, data={
            "reference": locked.reference, "loan": current.pk, "entry": entry.pk, "amount_ore": amount_ore,
            "decision": decision.pk,
        })
        _close_if_settled(case, locked, current, user)
    return entry


def correct_entry(entry, user, reason, *, expected_version=None):
    """Reverse a repayment or write-off booked by mistake, with a new entry
    (the old one stays). Book the right amount afterwards. A payout is not
    reversed here: money that comes back is booked as a repayment."""
    case = entry.loan.case
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock(case, user, MANAGE_PERMISSION, expected_version)
        current = _loan_for(locked)
        original = LedgerEntry.objects.filter(pk=entry.pk, loan=current).first()
        if original is None:
            raise LoanRefused(_("The entry is not on this loan."), code="not_found")
        if original.kind not in (K.REPAYMENT, K.WRITE_OFF):
            raise LoanRefused(_("Only a repayment or a write-off can be corrected."), code="kind")
        if original.corrections.exists():
            raise LoanRefused(_("This entry has already been corrected."), code="already_corrected")
        if current.status not in OPEN_LOAN_STATUSES:
            raise LoanRefused(_("The loan is closed, so its entries can no longer be corrected."),
                              code="closed")
        correction = LedgerEntry.objects.create(
            loan=current, kind=K.CORRECTION, amount_ore=-original.amount_ore, booked_on=timezone.localdate(),
            corrects=original, note=reason, created_by=user)
        _changed(case, locked)
        log(instance=case, action=ENTRY_CORRECTED_ACTION, user=user, data={
            "reference": locked.reference, "loan": current.pk, "entry": correction.pk,
            "corrects": original.pk,
            "amount_ore": correction.amount_ore,
        })
    return correction


# --- Interest --------------------------------------------------------------------------------------


def _round(value):
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def interest_due(loan, instalment, paid_out_by_due):
    """The interest to book for ``instalment``: its scheduled interest, on
    the share of the principal paid out by its due date (0 before any payout)."""
    if instalment.interest_ore <= 0 or paid_out_by_due <= 0:
        return 0
    if paid_out_by_due >= loan.principal_ore:
        return instalment.interest_ore
    return _round(Decimal(instalment.interest_ore) * paid_out_by_due / loan.principal_ore)


def _book_due_interest(case, locked, loan, today=None):
    """Book the interest of every instalment due by ``today`` that is not
    booked yet (call with the case locked). Only on an open loan that has
    been paid out, while the case is being repaid. Returns the new entries;
    writes one audit entry if there are any (amounts and ids only)."""
    today = today or timezone.localdate()
    if (loan.status not in OPEN_LOAN_STATUSES or locked.status not in SERVICED_STATUSES
            or loan.annual_interest_rate <= 0):
        return []
    # Replaced instalments (a deferral or rescheduling) are history, not due.
    due = list(RepaymentInstalment.objects.filter(loan=loan, due_on__lte=today, interest_ore__gt=0,
                                                  replaced_by__isnull=True)
               .exclude(interest_entries__kind=K.INTEREST).order_by("due_on", "id"))
    if not due:
        return []
    payouts = list(LedgerEntry.objects.filter(loan=loan, kind=K.DISBURSEMENT)
                   .values_list("booked_on", "amount_ore"))
    entries = []
    for instalment in due:
        paid_out = sum(amount for day, amount in payouts if day <= instalment.due_on)
        amount = interest_due(loan, instalment, paid_out)
        if amount > 0:
            entries.append(LedgerEntry.objects.create(
                loan=loan, kind=K.INTEREST, amount_ore=amount, booked_on=instalment.due_on,
                instalment=instalment, created_by=None))
    if entries:
        log(instance=case, action=INTEREST_BOOKED_ACTION, user=None, data={
            "reference": locked.reference, "loan": loan.pk, "entries": [e.pk for e in entries],
            "amount_ore": sum(e.amount_ore for e in entries), "until": today.isoformat()})
    return entries


def book_interest(loan, today=None):
    """Book the interest that has fallen due on ``loan`` (idempotent: each
    instalment's interest once). For the daily task; no user."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=loan.case_id)
        current = Loan.objects.select_for_update().get(pk=loan.pk)
        entries = _book_due_interest(loan.case, locked, current, today)
        if entries:
            transitions.bump_version(locked)
            loan.case.version = locked.version
    return entries


def book_all_due_interest(today=None):
    """Book due interest on every open, paid-out loan with interest.
    Returns the number of entries booked."""
    from .. import selectors_loans

    booked = 0
    for loan in selectors_loans.open_loans_with_disbursement().filter(annual_interest_rate__gt=0):
        booked += len(book_interest(loan, today))
    return booked


def _close_if_settled(case, locked, loan, user):
    """Close the loan (and the case) when the whole principal has been paid
    out, nothing waits for approval, and nothing is owed."""
    if loan.status not in OPEN_LOAN_STATUSES or balance_ore(loan) != 0:
        return
    pending = loan.disbursements.filter(approved_at__isnull=True).exists()
    if disbursed_ore(loan) != loan.principal_ore or pending:
        return
    written_off = loan.ledger_entries.filter(kind=K.WRITE_OFF).exists()
    loan.status = Loan.Status.WRITTEN_OFF if written_off else Loan.Status.REPAID
    loan.save(update_fields=["status"])
    data = {"reference": locked.reference, "loan": loan.pk, "loan_status": loan.status}
    if can_transition(locked.status, S.CLOSED):
        # Closing follows from the booking the user may make.
        _move(case, locked, S.CLOSED, user=user, action=LOAN_CLOSED_ACTION, data=data, authorised=True)
    else:
        log(instance=case, action=LOAN_CLOSED_ACTION, user=user, data=data)
    _end_marker(case, locked, loan)


def _end_marker(case, locked, loan):
    """The person-group marker ends with the loan period: on the day of the
    booking that settled the loan (a payment may be booked days after it
    was made), never before the marker started."""
    if locked.marked_from is None:
        return
    settled_on = loan.ledger_entries.aggregate(day=Max("booked_on"))["day"] or timezone.localdate()
    day = max(settled_on, locked.marked_from)
    Case.objects.filter(pk=locked.pk).update(marked_until=day)
    case.marked_until = locked.marked_until = day


__all__ = [
    "LoanRefused", "StaleCase", "grant_loan", "request_disbursement", "cancel_disbursement",
    "approve_disbursement", "record_payment", "write_off", "correct_entry", "schedule_amounts",
    "schedule_split", "book_interest", "book_all_due_interest", "kroner",
]


# --- Reminders -------------------------------------------------------------------------------------


def _reminder_email(case, recipient):
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.utils.translation import gettext

    from .notifications import citizen_case_url

    url = citizen_case_url(case, settings.LANGUAGE_CODE)
    body = "\n\n".join([
        gettext("Hello,"),
        gettext("There is news about the repayment of your loan on case %(reference)s. Please see My page.")
        % {"reference": case.reference},
        gettext("Log in on My page to read it:") + "\n" + url,
        gettext("To protect your information, we do not write it in e-mails. It is only on My page."),
        gettext("Kind regards,") + "\n" + case.municipality.name,
    ])
    return EmailMessage(subject=gettext("News about your loan on My page"), body=body, to=[recipient],
                        headers={"Auto-Submitted": "auto-generated"})


def _already_reminded(case, instalment):
    from wagtail.models import ModelLogEntry

    return ModelLogEntry.objects.filter(
        content_type__app_label="backoffice", content_type__model="case", object_id=str(case.pk),
        action=REMINDER_SENT_ACTION, data__instalment=instalment.pk,
    ).exists()


def send_payment_reminders(today=None, loans=None):
    """E-mail each citizen whose oldest unpaid instalment is past due, once
    per instalment (recorded in the case's audit log). The e-mail says only
    that there is news on My page. ``loans``: limit to these (a queryset).
    Returns how many were sent."""
    from django.conf import settings
    from django.utils import translation

    from .. import selectors_loans
    from . import collection
    from .notifications import citizen_recipient

    today = today or timezone.localdate()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        candidates = selectors_loans.open_loans_with_disbursement()
        if loans is not None:
            candidates = candidates.filter(pk__in=loans.values("pk"))
        for loan in candidates:
            case = loan.case
            if case.status not in SERVICED_STATUSES:
                continue
            instalment = selectors_loans.oldest_unpaid(loan)
            if instalment is None or instalment.due_on >= today or _already_reminded(case, instalment):
                continue
            if collection.paused(loan, today):  # a deferral runs, or Gældsstyrelsen has the claim
                continue
            recipient = citizen_recipient(case)
            if recipient is None:
                continue
            with transaction.atomic():
                log(instance=case, action=REMINDER_SENT_ACTION, user=None, data={
                    "reference": case.reference, "loan": loan.pk, "instalment": instalment.pk,
                    "due_on": instalment.due_on.isoformat(),
                    "days_past_due": (today - instalment.due_on).days,
                })
                _reminder_email(case, recipient).send()
            sent += 1
    return sent



@task()
def payment_reminders_task():
    """Daily: remind citizens with a past-due instalment (see ``send_payment_reminders``)."""
    return {"emailed": send_payment_reminders()}


@task()
def book_interest_task():
    """Daily: book the interest of the instalments that have fallen due (see ``book_all_due_interest``)."""
    return {"booked": book_all_due_interest()}
