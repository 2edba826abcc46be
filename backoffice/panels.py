"""Panels on the Wagtail admin's dashboard for staff who handle cases: my
open tasks, new applications, talks this week, deadlines passing.

Each panel is a Wagtail ``Component`` (like the built-in "Your most recent
edits"), added by the ``construct_homepage_panels`` hook for users with
``backoffice.view_case`` only, and reads its cases through
``tenancy.cases_for_staff`` (their own municipality). Every panel shows a
bounded list and a count, in a fixed number of queries however many cases
there are. Names are shown (staff may see them); CPR numbers never.
"""

import datetime

from django.db.models import BooleanField, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models import Case as CaseExpression
from django.db.models.functions import Coalesce, Greatest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from .lifecycle import OPEN_STATUSES
from .models import Case, Decision, InformationRequest, JournalNote, Message, ScreeningTalk
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
    ``DEADLINE_DAYS`` or overdue, and decisions in consultation whose
    deadline for comments is that close or past; earliest first."""
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
    rows.sort(key=lambda row: (row["due"], row["reference"]))
    return rows[:limit], requests.count() + consultations.count()


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


PANELS = (MyOpenTasksPanel, NewApplicationsPanel, TalksThisWeekPanel, DeadlinesPanel, WaitingForAccountPanel)


def add_case_panels(request, panels):
    """The ``construct_homepage_panels`` hook: case panels for staff who
    may see cases; editors and the steering group get none."""
    if shows_case_panels(request.user):
        panels.extend(panel(request) for panel in PANELS)
