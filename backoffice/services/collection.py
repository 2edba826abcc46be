"""Collection of unpaid loans: reminder 1 and 2 and a written notice on the
loan policy's schedule, then the handover of the claim to Gældsstyrelsen;
deferral (henstand) and rescheduling (omlægning) by decision.

Rules built in:

- A round of collection is about the oldest unpaid instalment of the
  current schedule (``selectors_loans.oldest_unpaid``). Its steps are sent
  when it is the policy's days past due, each step at most once per round
  (a unique constraint: the daily run may be repeated, or run twice at the
  same time, and sends nothing twice), and never sooner than
  ``reminder_spacing_days`` (at least 10, rentelovens § 9b) after the step
  before it, however late the run is.
- The fee (at most DKK 100, § 9b) is charged on at most
  ``max_reminder_fees`` steps of a round (at most three). Fees are a claim
  beside the loan (``models.collection``); the ledger keeps principal and
  interest.
- Nothing is sent while a deferral runs (until its ``deferred_until``), or
  while the claim is with Gældsstyrelsen.
- The letters are PDFs stored on the case (visible on My page) and sent in
  Digital Post (``digital_post.queue_letter``), like the decision letters.
- The claim can be handed over when the notice's deadline has passed and
  the loan is still in arrears. The notice says that the whole remaining
  debt then falls due (acceleration), so the claim is the whole balance:
  principal outstanding, interest booked and not paid, and the fees. Each
  line falls due on its own due date, or on the day after the notice's
  deadline if that is earlier; its limitation date is 3 years after that
  (forældelsesloven § 3, stk. 1, from the due date, § 2).
- A deferral or rescheduling is a final decision (``DEFER_LOAN`` /
  ``RESCHEDULE_LOAN``), used once, with a reason, by staff who may decide
  and manage loans, exactly like a write-off. The replaced instalments stay,
  marked ``replaced_by``; the new ones hold the same principal, so the
  debt does not change. Instalments whose interest is already booked are
  not replaced (their interest entry points at them): on a loan with
  interest, pay or write off the overdue interest first.

Audit data holds ids, amounts and dates, never the reason text."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.platypus import Paragraph, Table, TableStyle
from wagtail.log_actions import log

from .. import selectors_loans
from ..models import (
    Business, Case, CaseApplication, ClaimHandover, CollectionStep, Decision, DecisionKind,
    LedgerEntry, LetterDispatch, Loan, LoanPolicy, RepaymentInstalment, ScheduleChange,
)
from ..tenancy import may_act_on
from ..deadlines import deadline_after
from . import digital_post, letters
from . import loans as loan_services
from .files import atomic_with_files
from .loans import LoanRefused, add_months, kroner, schedule_split

STEP = CollectionStep.Kind
STATUS = ClaimHandover.Status

REMINDER_ACTION = "backoffice.case.collection_reminder_sent"
NOTICE_ACTION = "backoffice.case.collection_notice_sent"
HANDED_OVER_ACTION = "backoffice.case.claim_handed_over"
CLAIM_STATUS_ACTION = "backoffice.case.claim_status_changed"
DEFERRED_ACTION = "backoffice.case.loan_deferred"
RESCHEDULED_ACTION = "backoffice.case.loan_rescheduled"
COLLECTION_ACTIONS = (REMINDER_ACTION, NOTICE_ACTION, HANDED_OVER_ACTION, CLAIM_STATUS_ACTION, DEFERRED_ACTION,
                      RESCHEDULED_ACTION)

# Forældelsesloven § 3, stk. 1: the ordinary limitation period.
LIMITATION_YEARS = 3
# The statuses staff may record after a status (Gældsstyrelsen's answers).
NEXT_STATUSES = {
    STATUS.HANDED_OVER: (STATUS.ACCEPTED, STATUS.RETURNED, STATUS.PAID, STATUS.WRITTEN_OFF),
    STATUS.ACCEPTED: (STATUS.RETURNED, STATUS.PAID, STATUS.WRITTEN_OFF),
}
STAGE_LABELS = {
    STEP.REMINDER_1: gettext_lazy("Reminder 1"),
    STEP.REMINDER_2: gettext_lazy("Reminder 2"),
    STEP.NOTICE: gettext_lazy("Written notice"),
    "handed_over": gettext_lazy("Handed over"),
}


def _steps(policy):
    """The round's steps in order, with the days past due each waits for."""
    return ((STEP.REMINDER_1, policy.reminder_1_days), (STEP.REMINDER_2, policy.reminder_2_days),
            (STEP.NOTICE, policy.notice_days))


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- Reads -----------------------------------------------------------------------------------------


def active_deferral(loan, today=None):
    """The deferral that pauses collection on ``today``, or None."""
    today = today or timezone.localdate()
    return (ScheduleChange.objects.filter(loan=loan, kind=ScheduleChange.Kind.DEFERRAL, deferred_until__gt=today)
            .order_by("-deferred_until").first())


def open_handover(loan):
    return ClaimHandover.objects.filter(loan=loan, status__in=ClaimHandover.OPEN_STATUSES).first()


def paused(loan, today=None):
    """No reminders of any kind: a deferral runs, or Gældsstyrelsen has the claim."""
    return active_deferral(loan, today) is not None or open_handover(loan) is not None


def current_round(loan, today=None):
    """``(instalment, days_past_due, steps)`` for the oldest unpaid
    instalment if it is past due, else ``(None, 0, [])``."""
    today = today or timezone.localdate()
    instalment = selectors_loans.oldest_unpaid(loan)
    if instalment is None or instalment.due_on >= today:
        return None, 0, []
    steps = list(CollectionStep.objects.filter(instalment=instalment).order_by("sent_on", "id"))
    return instalment, (today - instalment.due_on).days, steps


def _collectable(loan):
    return (loan.status in loan_services.OPEN_LOAN_STATUSES
            and loan.case.status in loan_services.SERVICED_STATUSES
            and LedgerEntry.objects.filter(loan=loan, kind=LedgerEntry.Kind.DISBURSEMENT).exists())


def due_step(loan, policy, today=None):
    """``(kind, instalment, days_past_due)`` of the step to send today, or
    None. The spacing counts from the step before in this round."""
    today = today or timezone.localdate()
    if policy is None or not _collectable(loan) or paused(loan, today):
        return None
    instalment, days, steps = current_round(loan, today)
    if instalment is None:
        return None
    sent = {step.kind for step in steps}
    for kind, after_days in _steps(policy):
        if kind in sent:
            continue
        if days < after_days:
            return None
        if steps and (today - steps[-1].sent_on).days < policy.reminder_spacing_days:
            return None
        return kind, instalment, days
    return None


def ready_for_handover(loan, today=None):
    """The round's notice if its deadline has passed and the loan is still
    in arrears (and not paused, not already handed over), else None."""
    today = today or timezone.localdate()
    if not _collectable(loan) or paused(loan, today):
        return None
    instalment, _days, steps = current_round(loan, today)
    notice = next((step for step in steps if step.kind == STEP.NOTICE), None)
    if notice is None or notice.deadline is None or notice.deadline >= today:
        return None
    return notice


def stage(loan, today=None):
    """The collection stage to show: "handed_over", the kind of the last step
    of the running round, or ""."""
    if open_handover(loan):
        return "handed_over"
    _instalment, _days, steps = current_round(loan, today)
    return steps[-1].kind if steps else ""


# --- The claim -------------------------------------------------------------------------------------


@dataclass
class ClaimLine:
    kind: str  # "instalment" or "fee"
    due_on: datetime.date  # when it can be demanded (forfaldsdato)
    original_due_on: datetime.date
    principal_ore: int = 0
    interest_ore: int = 0
    fee_ore: int = 0

    @property
    def limitation_on(self):
        return add_years(self.due_on, LIMITATION_YEARS)

    def as_data(self):
        return {"kind": self.kind, "due_on": self.due_on.isoformat(),
                "original_due_on": self.original_due_on.isoformat(), "principal_ore": self.principal_ore,
                "interest_ore": self.interest_ore, "fee_ore": self.fee_ore,
                "limitation_on": self.limitation_on.isoformat()}


@dataclass
class Claim:
    lines: list = field(default_factory=list)

    @property
    def principal_ore(self):
        return sum(line.principal_ore for line in self.lines)

    @property
    def interest_ore(self):
        return sum(line.interest_ore for line in self.lines)

    @property
    def fees_ore(self):
        return sum(line.fee_ore for line in self.lines)

    @property
    def limitation_on(self):
        return min(line.limitation_on for line in self.lines)


def claim_for(loan, notice):
    """The claim as it is handed over after ``notice``: the unpaid part of
    every current instalment (interest first within an instalment, as the
    interest booked; principal = the rest), and the round's fees. Principal
    and interest add up to the loan's balance."""
    accelerated_on = notice.deadline + datetime.timedelta(days=1)
    booked = dict(LedgerEntry.objects.filter(loan=loan, kind=LedgerEntry.Kind.INTEREST)
                  .values_list("instalment_id", "amount_ore"))
    claim = Claim()
    for row in selectors_loans.schedule(loan):
        if row.is_paid:
            continue
        interest = booked.get(row.pk, 0)
        covered = row.covered_ore
        interest_left = max(0, interest - covered)
        # Interest not yet booked is not owed: what is owed of the row is its principal part.
        principal_left = row.principal_ore - max(0, covered - interest)
        if principal_left + interest_left <= 0:
            continue
        claim.lines.append(ClaimLine("instalment", min(row.due_on, accelerated_on), row.due_on,
                                     principal_ore=principal_left, interest_ore=interest_left))
    # Principal not paid out yet is not owed: the claim never exceeds the balance.
    excess = sum(line.principal_ore + line.interest_ore for line in claim.lines) - loan_services.balance_ore(loan)
    for line in reversed(claim.lines):
        cut = min(max(excess, 0), line.principal_ore)
        line.principal_ore -= cut
        excess -= cut
    claim.lines = [line for line in claim.lines if line.principal_ore + line.interest_ore > 0]
    for step in CollectionStep.objects.filter(instalment_id=notice.instalment_id, fee_ore__gt=0).order_by("sent_on"):
        claim.lines.append(ClaimLine("fee", step.sent_on, step.sent_on, fee_ore=step.fee_ore))
    return claim


def debtor(case, policy):
    """``("CPR", number)`` of the citizen, or ``("CVR", number)`` of the
    business when the policy says the business is the debtor."""
    if policy.debtor_is_business:
        cvr = Business.objects.filter(case=case).values_list("cvr_number", flat=True).first()
        if cvr:
            return "CVR", cvr
    cpr = CaseApplication.objects.filter(case=case).values_list("cpr_number", flat=True).first() or ""
    return "CPR", cpr.replace("-", "")


# The handover file (docs: README "Collection"): one row per claim line.
HANDOVER_COLUMNS = (
    "creditor_cvr", "case_reference", "claim_type", "line", "line_type", "debtor_id_type", "debtor_id",
    "principal_dkk", "interest_dkk", "fee_dkk", "due_on", "original_due_on", "limitation_on",
    "handed_over_on",
)


def _dkk(ore):
    return f"{Decimal(int(ore)) / 100:.2f}"


def handover_rows(handovers):
    """The CSV rows for ``handovers`` (their figures as recorded)."""
    rows = []
    for handover in handovers:
        case = handover.loan.case
        policy = LoanPolicy.objects.filter(municipality_id=case.municipality_id).first()
        id_type, number = debtor(case, policy)
        for number_on_claim, line in enumerate(handover.due_dates, start=1):
            rows.append([
                case.municipality.cvr_number, case.reference, handover.claim_type, number_on_claim, line["kind"],
                id_type, number, _dkk(line["principal_ore"]), _dkk(line["interest_ore"]), _dkk(line["fee_ore"]),
                line["due_on"], line["original_due_on"], line["limitation_on"],
                handover.handed_over_on.isoformat(),
            ])
    return rows


# --- Helpers ---------------------------------------------------------------------------------------


def _check(user, case, *permissions):
    if not (user.is_authenticated and may_act_on(user, case) and all(user.has_perm(p) for p in permissions)):
        raise PermissionDenied


def _policy(case):
    return LoanPolicy.objects.filter(municipality_id=case.municipality_id).first()


def _bump(case, locked):
    loan_services.transitions.bump_version(locked)
    case.version = locked.version


# --- Letters ---------------------------------------------------------------------------------------


def _letter_pdf(case, kind, *, today, days_past_due, arrears_ore, fee_ore, fees_so_far_ore, deadline, balance_ore):
    with translation.override(settings.LANGUAGE_CODE):
        letters._register_fonts()
        styles = letters._styles()
        sender = letters.sender_for(case.municipality)
        title = str(_("Written notice before handover to Gældsstyrelsen") if kind == STEP.NOTICE
                    else _("Reminder: your loan repayment is overdue"))
        story = letters._letterhead(case, sender, today, styles)
        story.append(Paragraph(letters._text(title), styles["title"]))
        text = [_("We have not received the repayment of your micro-loan on case %(reference)s. It is %(days)s "
                  "days overdue.") % {"reference": case.reference, "days": days_past_due}]
        facts = [(_("Overdue"), f"{kroner(arrears_ore)} kr.")]
        if fee_ore:
            facts.append((_("Reminder fee"), f"{kroner(fee_ore)} kr."))
        if fees_so_far_ore:
            facts.append((_("Earlier reminder fees"), f"{kroner(fees_so_far_ore)} kr."))
        facts.append((_("To pay now"), f"{kroner(arrears_ore + fee_ore + fees_so_far_ore)} kr."))
        if kind == STEP.NOTICE:
            text.append(_("If the overdue amount has not been paid by %(deadline)s, the whole remaining debt of "
                          "%(balance)s kr. falls due, and we will hand the claim over to Gældsstyrelsen (the "
                          "Danish Debt Collection Agency) for collection. Gældsstyrelsen may then set the debt "
                          "off against payments from the public sector or withhold it in your pay.")
                        % {"deadline": letters.letter_date(deadline), "balance": kroner(balance_ore)})
        else:
            text.append(_("Please pay the overdue amount as soon as possible."))
        text.append(_("If you cannot pay, contact us. We can agree on a deferral or a new repayment plan. You can "
                      "write to us on My page."))
        if fee_ore:
            text.append(_("The reminder fee follows from section 9 b of the Danish Interest Act."))
        story += [Paragraph(letters._text(line), styles["body"]) for line in text]
        table = Table([[letters._text(label), letters._text(value)] for label, value in facts], hAlign="LEFT")
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), letters.FONT)]))
        story.append(table)
        story += letters._signature(None, sender, styles)
        return letters._build(story, title=title, case=case, sender=sender)


# --- Sending ---------------------------------------------------------------------------------------


def send_step(loan, kind, instalment, *, policy, today=None):
    """Send one step: store the letter, queue it in Digital Post, record
    the step and the audit entry, in one transaction. Returns the step, or
    None if it was sent already (another run got there first)."""
    today = today or timezone.localdate()
    case = loan.case
    with atomic_with_files() as stored:
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if CollectionStep.objects.filter(instalment=instalment, kind=kind).exists():
            return None
        earlier = list(CollectionStep.objects.filter(instalment=instalment))
        charged = [step for step in earlier if step.fee_ore]
        fee = policy.reminder_fee_dkk * 100 if len(charged) < policy.max_reminder_fees else 0
        days = (today - instalment.due_on).days
        arrears = selectors_loans.arrears_ore(loan, today)
        # Like every deadline in a letter: moved off weekends and holidays.
        deadline = deadline_after(today, days=policy.notice_deadline_days) if kind == STEP.NOTICE else None
        pdf = _letter_pdf(case, kind, today=today, days_past_due=days, arrears_ore=arrears, fee_ore=fee,
                          fees_so_far_ore=sum(step.fee_ore for step in charged), deadline=deadline,
                          balance_ore=loan_services.balance_ore(loan))
        name = "paakrav" if kind == STEP.NOTICE else "rykker"
        letter = letters.store_letter(case, pdf, filename=f"{name}-{locked.reference}-{today.isoformat()}.pdf",
                                      user=None)
        stored.append(letter.file)
        # A run at the same moment that sent the same step makes this fail on
        # the unique constraint; the letter file goes with the transaction.
        step = CollectionStep.objects.create(
            loan=loan, instalment=instalment, kind=kind, sent_on=today, days_past_due=days,
            arrears_ore=arrears, fee_ore=fee, deadline=deadline, letter=letter)
        letter_kind = LetterDispatch.Kind.COLLECTION_NOTICE if kind == STEP.NOTICE else LetterDispatch.Kind.REMINDER
        digital_post.queue_letter(case, letter, kind=letter_kind, decision=None)
        _bump(case, locked)
        log(instance=case, action=NOTICE_ACTION if kind == STEP.NOTICE else REMINDER_ACTION, user=None, data={
            "reference": locked.reference, "loan": loan.pk, "step": step.pk, "kind": kind,
            "instalment": instalment.pk, "days_past_due": days, "arrears_ore": arrears, "fee_ore": fee,
            "letter": letter.pk, "deadline": deadline.isoformat() if deadline else None,
        })
    return step


def run_collection(today=None, municipality=None, dry_run=False):
    """Send every step due today (reminders and notices), once each.
    ``municipality``: a slug to limit the run. ``dry_run``: send nothing,
    only say what would be sent. Returns ``[(loan, kind), ...]``."""
    today = today or timezone.localdate()
    loans = selectors_loans.open_loans_with_disbursement().order_by("pk")
    if municipality:
        loans = loans.filter(case__municipality__slug=municipality)
    policies = {policy.municipality_id: policy for policy in LoanPolicy.objects.all()}
    done = []
    for loan in loans:
        policy = policies.get(loan.case.municipality_id)
        step = due_step(loan, policy, today)
        if step is None:
            continue
        kind, instalment, _days = step
        if dry_run or send_step(loan, kind, instalment, policy=policy, today=today) is not None:
            done.append((loan, kind))
    return done


# --- Handover --------------------------------------------------------------------------------------


def hand_over(loans, user, *, today=None):
    """Hand the claims on ``loans`` over to Gældsstyrelsen: record each with
    its figures and return the handovers (for ``handover_rows``). Every loan
    must be ready (``ready_for_handover``); none is recorded otherwise."""
    today = today or timezone.localdate()
    handovers = []
    with transaction.atomic():
        for loan in loans:
            case = loan.case
            _check(user, case, loan_services.MANAGE_PERMISSION)
            locked = Case.objects.select_for_update().get(pk=case.pk)
            notice = ready_for_handover(loan, today)
            if notice is None:
                raise LoanRefused(_("Case %(reference)s is not ready for handover: the notice's deadline must "
                                    "have passed and the loan must still be in arrears.")
                                  % {"reference": locked.reference}, code="not_ready")
            policy = _policy(case)
            claim = claim_for(loan, notice)
            handover = ClaimHandover.objects.create(
                loan=loan, notice=notice, handed_over_on=today, handed_over_by=user,
                claim_type=policy.claim_type_code, principal_ore=claim.principal_ore,
                interest_ore=claim.interest_ore, fees_ore=claim.fees_ore,
                due_dates=[line.as_data() for line in claim.lines], limitation_on=claim.limitation_on,
                status_on=today)
            _bump(case, locked)
            log(instance=case, action=HANDED_OVER_ACTION, user=user, data={
                "reference": locked.reference, "loan": loan.pk, "handover": handover.pk,
                "principal_ore": handover.principal_ore, "interest_ore": handover.interest_ore,
                "fees_ore": handover.fees_ore, "limitation_on": handover.limitation_on.isoformat()})
            handovers.append(handover)
    return handovers


def set_claim_status(handover, user, *, status, on=None, note=""):
    """Record Gældsstyrelsen's answer or the claim's end: accepted, returned,
    paid, written off. Money paid through Gældsstyrelsen is booked as a
    repayment like any other; a write-off of the loan itself is still a
    decision (``services.loans.write_off``)."""
    case = handover.loan.case
    _check(user, case, loan_services.MANAGE_PERMISSION)
    on = on or timezone.localdate()
    note = (note or "").strip()
    if len(note) > 500:
        raise LoanRefused(_("The note is too long."), code="note")
    if on > timezone.localdate():
        raise LoanRefused(_("The date cannot be in the future."), code="date")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        current = ClaimHandover.objects.select_for_update().get(pk=handover.pk)
        if status not in NEXT_STATUSES.get(current.status, ()):
            raise LoanRefused(_("The claim cannot go from “%(from)s” to this status.")
                              % {"from": current.get_status_display()}, code="status")
        if on < current.status_on:
            raise LoanRefused(_("The date cannot be before the claim's present status."), code="date")
        previous = current.status
        current.status, current.status_on, current.status_note = status, on, note
        current.save(update_fields=["status", "status_on", "status_note"])
        _bump(case, locked)
        log(instance=case, action=CLAIM_STATUS_ACTION, user=user, data={
            "reference": locked.reference, "handover": current.pk, "from": previous, "to": status,
            "on": on.isoformat()})
    return current


# --- Deferral and rescheduling ---------------------------------------------------------------------


def _schedule_decision(locked, decision, kind):
    if (decision is None or decision.case_id != locked.pk or decision.kind != kind
            or decision.status != Decision.Status.FINAL):
        message = (_("Make the decision on the deferral first (final decision with reasons).")
                   if kind == DecisionKind.DEFER_LOAN else
                   _("Make the decision on the new repayment plan first (final decision with reasons)."))
        raise LoanRefused(message, code="decision_required")
    if ScheduleChange.objects.filter(decision=decision).exists():
        raise LoanRefused(_("This decision has already been used."), code="decision_used")


def _lock_loan(loan, user, expected_version):
    case = loan.case
    _check(user, case, loan_services.DECIDE_PERMISSION, loan_services.MANAGE_PERMISSION)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise loan_services.StaleCase
    current = Loan.objects.select_for_update().filter(pk=loan.pk).first()
    if locked.status not in loan_services.SERVICED_STATUSES or current.status not in loan_services.OPEN_LOAN_STATUSES:
        raise LoanRefused(_("Only a loan that has been paid out and is not closed can be deferred or rescheduled."),
                          code="wrong_status")
    if open_handover(current):
        raise LoanRefused(_("The claim is with Gældsstyrelsen. Record its return first."), code="handed_over")
    return case, locked, current


def _replaceable(loan, rows):
    if RepaymentInstalment.objects.filter(pk__in=[row.pk for row in rows]).filter(
            Exists(LedgerEntry.objects.filter(instalment=OuterRef("pk")))).exists():
        raise LoanRefused(_("Interest has already been booked on an instalment you chose. Book a payment or a "
                            "write-off of the overdue interest first."), code="interest_booked")


def defer(loan, user, *, decision, reason, instalment_ids, until, expected_version=None, today=None):
    """Defer the chosen unpaid instalments to ``until``: they are replaced
    by one instalment due on ``until`` with their principal and interest,
    and no reminders are sent until then."""
    today = today or timezone.localdate()
    reason = loan_services._reason(reason)
    if until is None or until <= today:
        raise LoanRefused(_("The deferral must end after today."), code="until")
    with transaction.atomic():
        case, locked, current = _lock_loan(loan, user, expected_version)
        _schedule_decision(locked, decision, DecisionKind.DEFER_LOAN)
        unpaid = {row.pk: row for row in selectors_loans.schedule(current) if not row.is_paid}
        wanted = {int(pk) for pk in instalment_ids}
        chosen = sorted((unpaid[pk] for pk in wanted if pk in unpaid), key=lambda row: row.due_on)
        if not chosen or len(chosen) != len(wanted):
            raise LoanRefused(_("Choose one or more unpaid instalments."), code="instalments")
        _replaceable(current, chosen)
        others = RepaymentInstalment.objects.filter(loan=current, replaced_by__isnull=True, due_on=until)
        if others.exclude(pk__in=[row.pk for row in chosen]).exists():
            raise LoanRefused(_("Another instalment already falls due on that day. Choose another day."),
                              code="until_taken")
        principal = sum(row.principal_ore for row in chosen)
        change = ScheduleChange.objects.create(
            loan=current, kind=ScheduleChange.Kind.DEFERRAL, decision=decision, reason=reason, booked_on=today,
            deferred_until=until, principal_ore=principal, created_by=user)
        RepaymentInstalment.objects.filter(pk__in=[row.pk for row in chosen]).update(replaced_by=change)
        interest = sum(row.interest_ore for row in chosen)
        RepaymentInstalment.objects.create(loan=current, due_on=until, principal_ore=principal,
                                           interest_ore=interest, amount_ore=principal + interest,
                                           schedule_change=change)
        _bump(case, locked)
        log(instance=case, action=DEFERRED_ACTION, user=user, data={
            "reference": locked.reference, "loan": current.pk, "change": change.pk, "decision": decision.pk,
            "instalments": [row.pk for row in chosen], "until": until.isoformat(), "principal_ore": principal})
    return change


def reschedule(loan, user, *, decision, reason, months, first_due_on, expected_version=None, today=None):
    """Replace every unpaid instalment by a new plan of ``months`` monthly
    instalments from ``first_due_on``, with the same principal (and the
    loan's interest rate on it)."""
    today = today or timezone.localdate()
    reason = loan_services._reason(reason)
    months = int(months or 0)
    if not 1 <= months <= loan_services.MAX_REPAYMENT_MONTHS:
        raise LoanRefused(_("The new plan must have from 1 to %(months)s monthly instalments.")
                          % {"months": loan_services.MAX_REPAYMENT_MONTHS}, code="months")
    if first_due_on is None or first_due_on <= today:
        raise LoanRefused(_("The first new instalment must fall due after today."), code="first_due_on")
    with transaction.atomic():
        case, locked, current = _lock_loan(loan, user, expected_version)
        _schedule_decision(locked, decision, DecisionKind.RESCHEDULE_LOAN)
        rows = selectors_loans.schedule(current)
        replaced = [row for row in rows if not row.is_paid]
        if not replaced:
            raise LoanRefused(_("There are no unpaid instalments to reschedule."), code="nothing")
        _replaceable(current, replaced)
        dates = [add_months(first_due_on, number) for number in range(months)]
        kept = {row.due_on for row in rows if row.is_paid}
        if kept & set(dates):
            raise LoanRefused(_("A paid instalment already falls due on one of the new dates. Choose another "
                                "first date."), code="dates_taken")
        principal = sum(row.principal_ore for row in replaced)
        change = ScheduleChange.objects.create(
            loan=current, kind=ScheduleChange.Kind.RESCHEDULING, decision=decision, reason=reason, booked_on=today,
            months=months, first_due_on=first_due_on, principal_ore=principal, created_by=user)
        RepaymentInstalment.objects.filter(pk__in=[row.pk for row in replaced]).update(replaced_by=change)
        RepaymentInstalment.objects.bulk_create([
            RepaymentInstalment(loan=current, due_on=day, principal_ore=part, interest_ore=interest,
                                amount_ore=part + interest, schedule_change=change)
            for day, (part, interest) in zip(dates, schedule_split(principal, current.annual_interest_rate, months))
        ])
        _bump(case, locked)
        log(instance=case, action=RESCHEDULED_ACTION, user=user, data={
            "reference": locked.reference, "loan": current.pk, "change": change.pk, "decision": decision.pk,
            "replaced": [row.pk for row in replaced], "months": months, "first_due_on": first_due_on.isoformat(),
            "principal_ore": principal})
    return change


def schedule_principal_ore(loan):
    """The principal in the current schedule: always the loan's principal."""
    return (RepaymentInstalment.objects.filter(loan=loan, replaced_by__isnull=True)
            .aggregate(total=Sum("principal_ore"))["total"] or 0)
