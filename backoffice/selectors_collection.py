"""Reads on collection (services.collection): the loan page's collection
section, the collection stage of many loans in one query (dashboard and
collection screen), and the counts for the statistics."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from .models import ClaimHandover, CollectionStep, Decision, DecisionKind, Loan, RepaymentInstalment, ScheduleChange
from .services import collection
from .services import loans as loan_services

STEP = CollectionStep.Kind


def annotate_stage(loans, today=None):
    """``loans`` (annotated with ``oldest_due``, as ``panels.loans_in_arrears``)
    with ``collection_stage`` (the last step of the round about the oldest
    unpaid instalment), ``notice_deadline``, ``handed_over`` and
    ``deferred_until``: subqueries, so still one query."""
    today = today or timezone.localdate()
    round_steps = CollectionStep.objects.filter(
        loan=OuterRef("pk"), instalment__due_on=OuterRef("oldest_due"), instalment__replaced_by__isnull=True)
    return loans.annotate(
        collection_stage=Subquery(round_steps.order_by("-sent_on", "-id").values("kind")[:1]),
        notice_deadline=Subquery(round_steps.filter(kind=STEP.NOTICE).values("deadline")[:1]),
        handed_over=Exists(ClaimHandover.objects.filter(loan=OuterRef("pk"),
                                                        status__in=ClaimHandover.OPEN_STATUSES)),
        deferred_until=Subquery(
            ScheduleChange.objects.filter(loan=OuterRef("pk"), kind=ScheduleChange.Kind.DEFERRAL,
                                          deferred_until__gt=today)
            .order_by("-deferred_until").values("deferred_until")[:1]),
    )


def stage_label(loan):
    """What the dashboard and the collection screen say about one annotated loan."""
    if loan.handed_over:
        return collection.STAGE_LABELS["handed_over"]
    return collection.STAGE_LABELS.get(loan.collection_stage, "")


def is_ready(loan, today=None):
    today = today or timezone.localdate()
    return bool(loan.notice_deadline and loan.notice_deadline < today and not loan.handed_over
                and not loan.deferred_until)


@dataclass
class CollectionPanel:
    loan: Loan | None
    steps: list = field(default_factory=list)
    stage: str = ""
    stage_label: str = ""
    deferral: object = None
    ready_notice: object = None
    handovers: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    replaced: list = field(default_factory=list)
    unpaid: list = field(default_factory=list)
    defer_decisions: list = field(default_factory=list)
    reschedule_decisions: list = field(default_factory=list)
    may_change: bool = False
    may_manage: bool = False


def collection_panel(case, user, loan_panel=None, today=None):
    """The collection section of the loan page: steps sent, the stage, a
    running deferral, the claims handed over, the schedule changes with
    the instalments they replaced, and what the user may do. A fixed
    number of queries (none without a loan)."""
    today = today or timezone.localdate()
    loan = loan_panel.loan if loan_panel is not None else Loan.objects.filter(case=case).first()
    panel = CollectionPanel(loan=loan)
    if loan is None:
        return panel
    kr = loan_services.kroner
    panel.may_manage = user.has_perm(loan_services.MANAGE_PERMISSION)
    panel.may_change = (panel.may_manage and user.has_perm(loan_services.DECIDE_PERMISSION)
                        and loan.status in loan_services.OPEN_LOAN_STATUSES)
    panel.steps = list(CollectionStep.objects.filter(loan=loan).select_related("instalment")
                       .order_by("sent_on", "id"))
    for step in panel.steps:
        step.arrears_kr, step.fee_kr = kr(step.arrears_ore), kr(step.fee_ore)
    panel.handovers = list(ClaimHandover.objects.filter(loan=loan).order_by("handed_over_on", "id"))
    for handover in panel.handovers:
        handover.total_kr = kr(handover.total_ore)
        handover.principal_kr, handover.fees_kr = kr(handover.principal_ore), kr(handover.fees_ore)
        handover.interest_kr = kr(handover.interest_ore)
        handover.next_statuses = [(value, ClaimHandover.Status(value).label)
                                  for value in collection.NEXT_STATUSES.get(handover.status, ())]
    changes = list(ScheduleChange.objects.filter(loan=loan).select_related("decision", "created_by")
                   .order_by("booked_on", "id"))
    panel.changes = changes
    replaced = list(RepaymentInstalment.objects.filter(loan=loan, replaced_by__isnull=False)
                    .order_by("due_on", "id"))
    for change in changes:
        change.replaced_rows = [row for row in replaced if row.replaced_by_id == change.pk]
        change.principal_kr = kr(change.principal_ore)
    for row in replaced:
        row.amount_kr = kr(row.amount_ore)
    panel.replaced = replaced
    panel.deferral = next((c for c in reversed(changes) if c.kind == ScheduleChange.Kind.DEFERRAL
                           and c.deferred_until > today), None)
    open_handover = next((h for h in panel.handovers if h.is_open), None)
    schedule = loan_panel.schedule if loan_panel is not None else []
    unpaid = [row for row in schedule if not row.is_paid]
    panel.unpaid = unpaid
    # The round: the steps about the oldest unpaid instalment, if it is late.
    round_steps = [s for s in panel.steps if unpaid and s.instalment_id == unpaid[0].pk and unpaid[0].due_on < today]
    if open_handover:
        panel.stage = "handed_over"
    elif round_steps:
        panel.stage = round_steps[-1].kind
    panel.stage_label = collection.STAGE_LABELS.get(panel.stage, "")
    notice = next((s for s in round_steps if s.kind == STEP.NOTICE), None)
    if (notice and notice.deadline < today and not open_handover and panel.deferral is None
            and loan.status in loan_services.OPEN_LOAN_STATUSES):
        panel.ready_notice = notice
    if panel.may_change:
        decisions = list(Decision.objects.filter(
            case=case, kind__in=(DecisionKind.DEFER_LOAN, DecisionKind.RESCHEDULE_LOAN),
            status=Decision.Status.FINAL).filter(schedule_change__isnull=True).order_by("-decided_at"))
        panel.defer_decisions = [d for d in decisions if d.kind == DecisionKind.DEFER_LOAN]
        panel.reschedule_decisions = [d for d in decisions if d.kind == DecisionKind.RESCHEDULE_LOAN]
    return panel
