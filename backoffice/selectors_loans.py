"""Reads on loans: balance, schedule, next instalment, days past due and
arrears bucket, and the loan section of the staff case page.

Balance = disbursed + interest booked − repaid − written off. Each
instalment is principal plus the month's interest (0 on an interest-free
loan); the interest is in the ledger once it has fallen due.

Payments pay the instalments oldest first (FIFO): an instalment is paid when
the repayments (and write-offs) booked so far cover it and every instalment
before it. The sums and the running total of the schedule are computed in
the database (a window sum), so a long schedule costs one query. Only the
current schedule counts: rows replaced by a deferral or rescheduling
(``replaced_by``, services.collection) are kept for the record only."""

from dataclasses import dataclass, field

from django.db.models import F, Q, Sum, Window
from django.utils import timezone

from .models import Disbursement, LedgerEntry, Loan, RepaymentInstalment
from .services import loans as loan_services

K = LedgerEntry.Kind

# Arrears buckets by days past due, as the finance office reports them.
BUCKETS = ((1, 30, "1–30"), (31, 90, "31–90"), (91, None, "90+"))


@dataclass(frozen=True)
class Totals:
    disbursed_ore: int
    repaid_ore: int
    written_off_ore: int
    balance_ore: int
    interest_ore: int = 0  # interest booked so far (it falls due with each instalment)


def counted_as(kind):
    """Ledger entries of ``kind`` and the corrections of such entries: a
    correction counts with the kind it corrects (filter on LedgerEntry)."""
    return Q(kind=kind) | Q(kind=K.CORRECTION, corrects__kind=kind)


def totals(loan):
    """Disbursed, interest booked, repaid and written off (corrections
    counted with the kind they correct) and the balance, in one query:
    balance = disbursed + interest − repaid − written off."""
    sums = LedgerEntry.objects.filter(loan=loan).aggregate(
        disbursed=Sum("amount_ore", filter=counted_as(K.DISBURSEMENT)),
        repaid=Sum("amount_ore", filter=counted_as(K.REPAYMENT)),
        written_off=Sum("amount_ore", filter=counted_as(K.WRITE_OFF)),
        interest=Sum("amount_ore", filter=Q(kind=K.INTEREST)),
        balance=Sum("amount_ore"),
    )
    return Totals(disbursed_ore=sums["disbursed"] or 0, repaid_ore=-(sums["repaid"] or 0),
                  written_off_ore=-(sums["written_off"] or 0), balance_ore=sums["balance"] or 0,
                  interest_ore=sums["interest"] or 0)


def balance_ore(loan):
    return loan_services.balance_ore(loan)


def credited_ore(loan):
    """What has been paid or forgiven so far: covers the instalments
    (principal and interest), oldest first."""
    total = LedgerEntry.objects.filter(loan=loan).exclude(kind__in=(K.DISBURSEMENT, K.INTEREST)).aggregate(
        total=Sum("amount_ore"))["total"]
    return -(total or 0)


def schedule(loan):
    """The instalments with ``covered_ore`` (how much of each is paid,
    FIFO) and ``cumulative_ore``; one query for the schedule, one for the sum."""
    credited = credited_ore(loan)
    rows = list(RepaymentInstalment.objects.filter(loan=loan, replaced_by__isnull=True).annotate(
        cumulative_ore=Window(Sum("amount_ore"), order_by=[F("due_on").asc(), F("id").asc()])))
    for row in rows:
        before = row.cumulative_ore - row.amount_ore
        row.covered_ore = max(0, min(row.amount_ore, credited - before))
        row.is_paid = row.covered_ore == row.amount_ore
    return rows


def oldest_unpaid(loan, credited=None):
    """The first instalment not fully covered by what was paid, or None."""
    credited = credited_ore(loan) if credited is None else credited
    return (RepaymentInstalment.objects.filter(loan=loan, replaced_by__isnull=True)
            .annotate(cumulative_ore=Window(Sum("amount_ore"), order_by=[F("due_on").asc(), F("id").asc()]))
            .filter(cumulative_ore__gt=credited).order_by("due_on", "id").first())


def next_instalment(loan, today=None):
    """The next instalment to pay (the oldest unpaid one, which may be past
    due) and how much of it is still owed, or (None, 0)."""
    if loan.status not in loan_services.OPEN_LOAN_STATUSES:
        return None, 0
    credited = credited_ore(loan)
    instalment = oldest_unpaid(loan, credited)
    if instalment is None:
        return None, 0
    return instalment, instalment.cumulative_ore - credited


def days_past_due(loan, today=None):
    """Days since the oldest unpaid instalment fell due; 0 if none is late.
    Only loans that have been paid out and are still open can be late."""
    today = today or timezone.localdate()
    if loan.status not in loan_services.OPEN_LOAN_STATUSES:
        return 0
    if not LedgerEntry.objects.filter(loan=loan, kind=K.DISBURSEMENT).exists():
        return 0
    instalment = oldest_unpaid(loan)
    if instalment is None or instalment.due_on >= today:
        return 0
    return (today - instalment.due_on).days


def arrears_bucket(days):
    """"1–30", "31–90", "90+" for days past due, or "" when not late."""
    for low, high, label in BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return ""


def arrears_ore(loan, today=None):
    """What has fallen due and is not paid."""
    today = today or timezone.localdate()
    due = RepaymentInstalment.objects.filter(loan=loan, due_on__lt=today, replaced_by__isnull=True).aggregate(
        total=Sum("amount_ore"))["total"] or 0
    return max(0, due - credited_ore(loan))


def open_loans_with_disbursement():
    """Loans that are paid out (at least partly) and not closed: the ones a
    reminder may concern."""
    return (Loan.objects.filter(status__in=loan_services.OPEN_LOAN_STATUSES,
                                ledger_entries__kind=K.DISBURSEMENT)
            .distinct().select_related("case__municipality__site", "case__citizen"))


@dataclass
class LoanPanel:
    """What the case page's loan section shows."""

    loan: Loan | None
    totals: Totals | None = None
    schedule: list = field(default_factory=list)
    next_instalment: object = None
    next_amount_ore: int = 0
    days_past_due: int = 0
    bucket: str = ""
    arrears_ore: int = 0
    disbursements: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    left_to_request_ore: int = 0
    account_verified: bool = False
    may_grant: bool = False
    may_manage: bool = False
    may_write_off: bool = False
    write_off_decisions: list = field(default_factory=list)
    policy: object = None
    may_request: bool = False
    has_interest: bool = False  # the loan carries interest (rate above 0)
    scheduled_interest_ore: int = 0  # the interest in the whole repayment plan
    kr: dict = field(default_factory=dict)  # amounts formatted for the template ("1.234,50")


def loan_panel(case, user, today=None):
    """Everything the loan section needs, in a fixed number of queries
    whatever the length of the schedule or the ledger."""
    from .models import Decision, DecisionKind

    today = today or timezone.localdate()
    loan = Loan.objects.filter(case=case).select_related("granted_by", "decision").first()
    account = loan_services.verified_account(case)
    panel = LoanPanel(
        loan=loan, account_verified=account is not None,
        may_grant=user.has_perm(loan_services.DECIDE_PERMISSION),
        may_manage=user.has_perm(loan_services.MANAGE_PERMISSION),
    )
    if loan is None:
        panel.may_grant = panel.may_grant and loan_services.final_grant_decision(case) is not None
        if panel.may_grant:
            from .models import LoanPolicy

            panel.policy = LoanPolicy.objects.filter(municipality_id=case.municipality_id).first()
        return panel
    panel.may_write_off = panel.may_manage and panel.may_grant
    panel.totals = totals(loan)
    panel.schedule = schedule(loan)
    unpaid = [row for row in panel.schedule if not row.is_paid]
    if unpaid and loan.status in loan_services.OPEN_LOAN_STATUSES:
        panel.next_instalment = unpaid[0]
        panel.next_amount_ore = unpaid[0].amount_ore - unpaid[0].covered_ore
        if panel.totals.disbursed_ore and unpaid[0].due_on < today:
            panel.days_past_due = (today - unpaid[0].due_on).days
    panel.bucket = arrears_bucket(panel.days_past_due)
    panel.arrears_ore = sum(row.amount_ore - row.covered_ore for row in unpaid if row.due_on < today)
    panel.disbursements = list(
        Disbursement.objects.filter(loan=loan).select_related("requested_by", "approved_by", "payment_order")
        .order_by("requested_at", "id"))
    for disbursement in panel.disbursements:
        disbursement.loan = loan
        disbursement.may_approve = (panel.may_manage and disbursement.approved_at is None
                                    and loan_services.is_four_eyes_ok(disbursement, user))
    panel.left_to_request_ore = loan.principal_ore - sum(d.amount_ore for d in panel.disbursements)
    panel.may_request = (panel.may_manage and panel.left_to_request_ore > 0
                         and loan.status in loan_services.OPEN_LOAN_STATUSES)
    panel.entries = list(LedgerEntry.objects.filter(loan=loan).select_related("created_by", "corrects")
                         .prefetch_related("corrections").order_by("booked_on", "id"))
    for entry in panel.entries:
        entry.may_correct = (entry.kind in (K.REPAYMENT, K.WRITE_OFF) and not entry.corrections.all()
                             and loan.status in loan_services.OPEN_LOAN_STATUSES)
    kr = loan_services.kroner
    panel.kr = {"principal": kr(loan.principal_ore), "disbursed": kr(panel.totals.disbursed_ore),
                "repaid": kr(panel.totals.repaid_ore), "written_off": kr(panel.totals.written_off_ore),
                "balance": kr(panel.totals.balance_ore), "arrears": kr(panel.arrears_ore),
                "next": kr(panel.next_amount_ore), "left": kr(max(panel.left_to_request_ore, 0)),
                "interest": kr(panel.totals.interest_ore)}
    panel.has_interest = loan.annual_interest_rate > 0 or panel.totals.interest_ore > 0
    panel.scheduled_interest_ore = sum(row.interest_ore for row in panel.schedule)
    panel.kr["scheduled_interest"] = kr(panel.scheduled_interest_ore)
    for row in [*panel.schedule, *panel.disbursements, *panel.entries]:
        row.amount_kr = kr(row.amount_ore)
    for row in panel.schedule:
        row.covered_kr = kr(row.covered_ore)
        row.principal_kr, row.interest_kr = kr(row.principal_ore), kr(row.interest_ore)
    if panel.may_write_off:
        used = {entry.decision_id for entry in panel.entries if entry.decision_id}
        panel.write_off_decisions = [
            decision for decision in Decision.objects.filter(
                case=case, kind=DecisionKind.WRITE_OFF_LOAN, status=Decision.Status.FINAL,
            ).order_by("-decided_at")
            if decision.pk not in used]
    return panel
