"""Panels on the Wagtail admin's dashboard for staff who handle cases: my
open tasks, new applications, talks this week, deadlines passing, loans
waiting for a business account, loans in arrears and missing monthly
self-reports.

Each panel is a Wagtail ``Component`` (like the built-in "Your most recent
edits"), added by the ``construct_homepage_panels`` hook for users with
``backoffice.view_case`` only, and reads its cases through
``tenancy.cases_for_staff`` (their own municipality). Every panel shows a
bounded list and a count, in a fixed number of queries however many cases
there are. Names are shown (staff may see them); CPR numbers never.
"""

import datetime

from django.db.models import (
    BigIntegerField, BooleanField, Count, DateField, Exists, F, OuterRef, Q, Subquery, Sum, Value, When,
)
from django.db.models import Case as CaseExpression
from django.db.models.functions import Coalesce, Greatest
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from .lifecycle import OPEN_STATUSES
from .models import Case, Decision, InformationRequest, JournalNote, Message, ScreeningTalk
from .selectors_appeals import reassessments_due
from .tenancy import cases_for_staff

LIST_LIMIT = 10
TALKS_LIMIT = 20
DEADLINE_DAYS = 7
_LONG_AGO = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)

# What may be waiting for the caseworker on a case.
WAITING_MESSAGE = "message"
WAITING_ANSWER = "answer"
WAITING_CONSULTATION_REPLY = "consultation_reply"
WAITING_LABELS = {
    WAITING_MESSAGE: _("Message from the citizen"),
    WAITING_ANSWER: _("Answer to a request for information"),
    WAITING_CONSULTATION_REPLY: _("Comments on a draft decision"),
}


def case_url(case_id):
    """The case page, or None while it is not there (it always is once the
    backoffice's URLs are complete)."""
    try:
        return reverse("backoffice:case", args=[case_id])
    except NoReverseMatch:  # pragma: no cover - defensive
        return None


def queue_url(query=""):
    try:
        return reverse("cases:index") + query
    except NoReverseMatch:  # pragma: no cover - defensive
        return None


def shows_case_panels(user):
    return user.is_authenticated and user.has_perm("backoffice.view_case")


# --- Queries (each a fixed number of SQL queries) ------------------------------------------------


def _latest(queryset, field, order_by=None):
    """``field`` of the case's newest row in ``queryset`` (NULL without one)."""
    order_by = order_by or field
    return Subquery(queryset.filter(case=OuterRef("pk")).order_by(f"-{order_by}", "-pk").values(field)[:1])


def _flag(condition):
    # Never NULL, so ordering by it is the same on every database.
    return CaseExpression(When(condition, then=Value(True)), default=Value(False),
                          output_field=BooleanField())


def with_waiting(cases):
    """Annotate what waits for staff on each case:

    - ``waiting_message``: the newest message is the citizen's (not yet answered);
    - ``waiting_answer``: a request for information was answered after the
      staff's last step on the case (a message, a note or a new request);
    - ``waiting_consultation_reply``: the citizen has commented on a draft
      decision still in consultation."""
    last_staff_step = Greatest(
        Coalesce(_latest(Message.objects.filter(from_staff=True), "created_at"), Value(_LONG_AGO)),
        Coalesce(_latest(JournalNote.objects.all(), "created_at"), Value(_LONG_AGO)),
        Coalesce(_latest(InformationRequest.objects.all(), "created_at"), Value(_LONG_AGO)),
    )
    return cases.annotate(
        last_message_from_staff=_latest(Message.objects.all(), "from_staff", order_by="created_at"),
        last_staff_step=last_staff_step,
    ).annotate(
        waiting_message=_flag(Q(last_message_from_staff=False)),
        waiting_answer=Exists(InformationRequest.objects.filter(
            case=OuterRef("pk"), answered_at__isnull=False, answered_at__gt=OuterRef("last_staff_step"))),
        waiting_consultation_reply=Exists(Decision.objects.filter(
            case=OuterRef("pk"), status=Decision.Status.IN_CONSULTATION,
            consultation_replied_at__isnull=False)),
    )


def my_open_tasks(user, limit=LIST_LIMIT):
    """``(cases, total, waiting)``: the user's open cases, those with something
    waiting first (oldest first), then the rest by last change."""
    cases = with_waiting(
        cases_for_staff(user).filter(assigned_to=user, status__in=OPEN_STATUSES)
    ).annotate(
        needs_attention=_flag(
            Q(waiting_message=True) | Q(waiting_answer=True) | Q(waiting_consultation_reply=True)),
    )
    counts = cases.aggregate(total=Count("pk"), waiting=Count("pk", filter=Q(needs_attention=True)))
    rows = list(
        cases.annotate(full_name=F("application__full_name"))
        .order_by(F("needs_attention").desc(), "status_changed_at", "pk")[:limit]
    )
    for case in rows:
        case.waiting = [label for key, label in WAITING_LABELS.items() if getattr(case, f"waiting_{key}")]
        case.url = case_url(case.pk)
    return rows, counts["total"], counts["waiting"]


def new_applications(user, limit=LIST_LIMIT):
    """``(cases, total)``: submitted applications nobody is assigned to, newest first."""
    cases = cases_for_staff(user).filter(status=Case.Status.SUBMITTED, assigned_to__isnull=True)
    rows = list(
        cases.select_related("target_group")
        .annotate(full_name=F("application__full_name"))
        .order_by("-submitted_at", "-pk")[:limit]
    )
    for case in rows:
        case.url = case_url(case.pk)
    return rows, cases.count()


def week_bounds(now=None):
    """From the start of today to the start of next Monday, local time."""
    today = timezone.localdate(now)
    monday = today + datetime.timedelta(days=7 - today.weekday())
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(monday, datetime.time.min, tzinfo=zone)
    return start, end


def talks_this_week(user, limit=TALKS_LIMIT, now=None):
    """``(talks, total)``: screening talks not cancelled, from today to the end of the week."""
    start, end = week_bounds(now)
    talks = ScreeningTalk.objects.filter(
        case__in=cases_for_staff(user).values("pk"), cancelled_at__isnull=True,
        starts_at__gte=start, starts_at__lt=end,
    )
    rows = list(
        talks.select_related("case")
        .annotate(full_name=F("case__application__full_name"))
        .prefetch_related("staff")
        .order_by("starts_at", "pk")[:limit]
    )
    for talk in rows:
        talk.url = case_url(talk.case_id)
        talk.is_mine = any(member.pk == user.pk for member in talk.staff.all())
    return rows, talks.count()


def deadlines_passing(user, limit=LIST_LIMIT, now=None):
    """``(rows, total)``: open requests for information due within
    ``DEADLINE_DAYS`` or overdue, decisions in consultation whose
    deadline for comments is that close or past, and complaints whose
    reassessment is due as soon; earliest first."""
    today = timezone.localdate(now)
    horizon = today + datetime.timedelta(days=DEADLINE_DAYS)
    open_cases = cases_for_staff(user).filter(status__in=OPEN_STATUSES).values("pk")
    requests = InformationRequest.objects.filter(
        case__in=open_cases, answered_at__isnull=True, due_on__lte=horizon)
    consultations = Decision.objects.filter(
        case__in=open_cases, status=Decision.Status.IN_CONSULTATION, consultation_deadline__lte=horizon)
    rows = []
    for item in (
        requests.select_related("case__assigned_to")
        .annotate(full_name=F("case__application__full_name"))
        .order_by("due_on", "pk")[:limit]
    ):
        rows.append(_deadline_row(item.case, item.full_name, item.due_on, _("Request for information"),
                                  today, replied=False))
    for item in (
        consultations.select_related("case__assigned_to")
        .annotate(full_name=F("case__application__full_name"))
        .order_by("consultation_deadline", "pk")[:limit]
    ):
        rows.append(_deadline_row(item.case, item.full_name, item.consultation_deadline,
                                  _("Consultation: %(kind)s") % {"kind": item.get_kind_display()},
                                  today, replied=item.consultation_replied_at is not None))
    # Complaints to reassess (genvurdering), also on a case closed meanwhile.
    appeals = reassessments_due(user, DEADLINE_DAYS, today)
    for item in appeals[:limit]:
        rows.append(_deadline_row(item.case, item.full_name, item.reassessment_deadline,
                                  _("Reassess complaint: %(kind)s") % {"kind": item.decision.get_kind_display()},
                                  today, replied=False))
    rows.sort(key=lambda row: (row["due"], row["reference"]))
    return rows[:limit], requests.count() + consultations.count() + appeals.count()


def _deadline_row(case, full_name, due, what, today, *, replied):
    assignee = case.assigned_to
    return {
        "due": due, "overdue": due < today, "what": what, "replied": replied,
        "reference": case.reference or str(case), "full_name": full_name or "",
        "assigned_to": (assignee.get_full_name() or assignee.get_username()) if assignee else "",
        "url": case_url(case.pk),
    }


# --- Components -----------------------------------------------------------------------------------


class CasePanel(Component):
    """A dashboard panel over the user's cases; ``rows`` and ``total`` come
    from ``get_rows``."""

    def __init__(self, request):
        self.request = request

    def get_rows(self, user):
        raise NotImplementedError

    def get_context_data(self, parent_context=None):
        user = self.request.user
        return {"request": self.request, "user": user, **self.get_rows(user)}


class MyOpenTasksPanel(CasePanel):
    name = "backoffice_my_open_tasks"
    template_name = "backoffice/panels/my_open_tasks.html"
    order = 50

    def get_rows(self, user):
        cases, total, waiting = my_open_tasks(user)
        return {"cases": cases, "total": total, "waiting": waiting, "limit": LIST_LIMIT,
                "queue_url": queue_url("?assigned=me")}


class NewApplicationsPanel(CasePanel):
    name = "backoffice_new_applications"
    template_name = "backoffice/panels/new_applications.html"
    order = 60

    def get_rows(self, user):
        cases, total = new_applications(user)
        return {"cases": cases, "total": total, "limit": LIST_LIMIT,
                "queue_url": queue_url(f"?assigned=none&status={Case.Status.SUBMITTED}")}


class TalksThisWeekPanel(CasePanel):
    name = "backoffice_talks_this_week"
    template_name = "backoffice/panels/talks_this_week.html"
    order = 70

    def get_rows(self, user):
        talks, total = talks_this_week(user)
        return {"talks": talks, "total": total, "limit": TALKS_LIMIT}


class DeadlinesPanel(CasePanel):
    name = "backoffice_deadlines"
    template_name = "backoffice/panels/deadlines.html"
    order = 80

    def get_rows(self, user):
        rows, total = deadlines_passing(user)
        return {"rows": rows, "total": total, "limit": LIST_LIMIT, "days": DEADLINE_DAYS}


class WaitingForAccountPanel(CasePanel):
    """The trial's main barrier: granted loans stuck without a verified
    business account, longest waiting first."""

    name = "backoffice_waiting_for_account"
    template_name = "backoffice/panels/waiting_for_account.html"
    order = 90

    def get_rows(self, user):
        from .services.business import cases_waiting_for_account

        waiting = cases_waiting_for_account(user)
        return {"rows": waiting[:LIST_LIMIT], "total": len(waiting)}


# --- Loans in arrears and missing self-reports ------------------------------------------------------

ARREARS_LIMIT = 5
LOAN_PERMISSION = "backoffice.manage_loan"


def _sum_subquery(queryset, expression):
    """A correlated subquery: the SUM of ``expression`` over ``queryset``
    (already filtered on OuterRef), NULL when it has no rows."""
    return Subquery(queryset.order_by().values("loan").annotate(total=Sum(expression)).values("total")[:1],
                    output_field=BigIntegerField())


def loans_in_arrears(user, today=None):
    """Open, paid-out loans of the cases ``user`` may see whose oldest unpaid
    instalment is past due, annotated with ``oldest_due`` (that instalment's
    due date), ``arrears_ore`` and ``full_name``. The same rule as
    ``selectors_loans.days_past_due`` (payments cover the instalments oldest
    first), computed in the database: one query however many loans."""
    from .models import LedgerEntry, Loan, RepaymentInstalment
    from .services.loans import OPEN_LOAN_STATUSES, SERVICED_STATUSES

    today = today or timezone.localdate()
    K = LedgerEntry.Kind
    credits = LedgerEntry.objects.filter(loan=OuterRef("pk")).exclude(kind__in=(K.DISBURSEMENT, K.INTEREST))
    # What each instalment and all before it add up to (one instalment per due date).
    cumulative = _sum_subquery(
        RepaymentInstalment.objects.filter(loan=OuterRef("loan"), due_on__lte=OuterRef("due_on"),
                                           replaced_by__isnull=True), "amount_ore")
    # Only the current schedule: rows replaced by a deferral or rescheduling are history.
    oldest_unpaid = (RepaymentInstalment.objects.filter(loan=OuterRef("pk"), replaced_by__isnull=True)
                     .annotate(cumulative=cumulative).filter(cumulative__gt=OuterRef("credited"))
                     .order_by("due_on").values("due_on")[:1])
    due_before_today = _sum_subquery(
        RepaymentInstalment.objects.filter(loan=OuterRef("pk"), due_on__lt=today, replaced_by__isnull=True),
        "amount_ore")
    return (
        Loan.objects.filter(case__in=cases_for_staff(user).values("pk"), status__in=OPEN_LOAN_STATUSES,
                            case__status__in=SERVICED_STATUSES)
        .filter(Exists(LedgerEntry.objects.filter(loan=OuterRef("pk"), kind=K.DISBURSEMENT)))
        .annotate(credited=Coalesce(_sum_subquery(credits, -F("amount_ore")), Value(0),
                                    output_field=BigIntegerField()))
        .annotate(oldest_due=Subquery(oldest_unpaid, output_field=DateField()))
        .filter(oldest_due__lt=today)
        .annotate(arrears_ore=Coalesce(due_before_today, Value(0), output_field=BigIntegerField())
                  - F("credited"))
    )


def arrears_overview(user, today=None, limit=ARREARS_LIMIT):
    """``(buckets, rows, total)``: the number of loans in each arrears
    bucket (1–30, 31–90, 90+ days past due), the ``limit`` longest in arrears
    with their case, and the total. Two queries."""
    from .selectors_loans import BUCKETS
    from .services.loans import kroner

    today = today or timezone.localdate()
    loans = loans_in_arrears(user, today)
    counts = {}
    for low, high, label in BUCKETS:
        condition = Q(oldest_due__lte=today - datetime.timedelta(days=low))
        if high is not None:
            condition &= Q(oldest_due__gte=today - datetime.timedelta(days=high))
        counts[label] = Count("pk", filter=condition)
    sums = loans.aggregate(**counts)
    buckets = [{"label": label, "count": sums[label]} for _low, _high, label in BUCKETS]
    from .selectors_collection import annotate_stage, stage_label

    # The collection stage (reminder 1/2, notice, handed over) in the same query.
    rows = list(annotate_stage(loans, today).select_related("case")
                .annotate(full_name=F("case__application__full_name")).order_by("oldest_due", "pk")[:limit])
    for loan in rows:
        loan.stage_label = stage_label(loan)
        loan.days_past_due = (today - loan.oldest_due).days
        loan.arrears_kr = kroner(loan.arrears_ore)
        loan.url = (case_url(loan.case_id) or "") + "#loan-section"
    return buckets, rows, sum(bucket["count"] for bucket in buckets)


def shows_arrears_panel(user):
    return shows_case_panels(user) and user.has_perm(LOAN_PERMISSION)


def missing_last_months_report(user, today=None, limit=LIST_LIMIT):
    """``(rows, total, month)``: cases in follow-up (the business has started,
    the loan is being paid out or repaid) with no monthly self-report for
    last month, though one is due for it (``services.followup.report_months``:
    from the business's start month, within its first ``REPORT_MONTHS``
    months). Oldest business first; two queries."""
    from .models import SelfReport
    from .services.followup import REPORT_MONTHS, SELF_REPORT_STATUSES, add_months, first_of_month

    today = today or timezone.localdate()
    last_month = add_months(first_of_month(today), -1)
    earliest_start = add_months(last_month, -(REPORT_MONTHS - 1))
    cases = (
        cases_for_staff(user).filter(status__in=SELF_REPORT_STATUSES,
                                     business__started_on__lt=first_of_month(today),
                                     business__started_on__gte=earliest_start)
        .filter(~Exists(SelfReport.objects.filter(case=OuterRef("pk"), month=last_month)))
    )
    rows = list(
        cases.select_related("assigned_to")
        .annotate(full_name=F("application__full_name"), started_on=F("business__started_on"),
                  last_report=_latest(SelfReport.objects.all(), "month"))
        .order_by("business__started_on", "pk")[:limit]
    )
    for case in rows:
        case.url = (case_url(case.pk) or "") + "#followup-section"
    return rows, cases.count(), last_month


class LoansInArrearsPanel(CasePanel):
    """Loans whose oldest unpaid instalment is past due, by arrears bucket."""

    name = "backoffice_loans_in_arrears"
    template_name = "backoffice/panels/loans_in_arrears.html"
    order = 100

    def get_rows(self, user):
        buckets, rows, total = arrears_overview(user)
        return {"buckets": buckets, "rows": rows, "total": total, "limit": ARREARS_LIMIT}


class MissingSelfReportsPanel(CasePanel):
    """Businesses in follow-up that have not reported on last month."""

    name = "backoffice_missing_self_reports"
    template_name = "backoffice/panels/missing_self_reports.html"
    order = 110

    def get_rows(self, user):
        rows, total, month = missing_last_months_report(user)
        return {"rows": rows, "total": total, "month": month, "limit": LIST_LIMIT}


# --- Letters that did not go out -------------------------------------------------------------------


def letters_needing_staff(user):
    """Letters whose Digital Post send failed, or that must be printed and
    posted, oldest first: ``(rows, total)``, in two queries."""
    from .models import LetterDispatch

    waiting = (LetterDispatch.objects
               .filter(case__in=cases_for_staff(user), status__in=LetterDispatch.STAFF_STATUSES)
               .select_related("case__application").order_by("queued_at", "pk"))
    rows = [{"label": d.label, "status": d.get_status_display(), "failed": d.status == LetterDispatch.Status.FAILED,
             "queued_at": d.queued_at, "reference": d.case.reference,
             "full_name": getattr(getattr(d.case, "application", None), "full_name", ""),
             "url": (case_url(d.case_id) or "") + "#digital-post"} for d in waiting[:LIST_LIMIT]]
    return rows, (len(rows) if len(rows) < LIST_LIMIT else waiting.count())


class LettersNeedingStaffPanel(CasePanel):
    """A letter that did not reach the citizen holds up a deadline: shown
    to everybody on the cases until it has gone (sent again or printed)."""

    name = "backoffice_letters_needing_staff"
    template_name = "backoffice/panels/letters_needing_staff.html"
    order = 45

    def get_rows(self, user):
        rows, total = letters_needing_staff(user)
        return {"rows": rows, "total": total, "limit": LIST_LIMIT}

    def render_html(self, parent_context=None):
        context = self.get_context_data(parent_context)
        # Nothing to do: no panel at all (the dashboard stays calm).
        return get_template(self.template_name).render(context) if context["total"] else ""


PANELS = (LettersNeedingStaffPanel, MyOpenTasksPanel, NewApplicationsPanel, TalksThisWeekPanel, DeadlinesPanel,
          WaitingForAccountPanel, MissingSelfReportsPanel)


def add_case_panels(request, panels):
    """The ``construct_homepage_panels`` hook: case panels for staff who
    may see cases; editors and the steering group get none."""
    if shows_case_panels(request.user):
        panels.extend(panel(request) for panel in PANELS)
    if shows_arrears_panel(request.user):
        panels.append(LoansInArrearsPanel(request))
