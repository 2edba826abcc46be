"""Reads for the citizen's "My page": their cases, one case in full, and
the plain-language story of where it stands.

Every lookup is by the citizen AND the municipality of the site they are
on, so another person's case (or another municipality's) is simply not
found: the caller turns ``DoesNotExist`` into a 404 and nobody learns that
the case exists. Anonymised cases are gone from the citizen's view.

The texts speak to the citizen ("we", "you") in short sentences; staff
wording (``Case.Status`` labels) stays in the backoffice.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    Count, IntegerField, Min, OuterRef, Prefetch, Subquery, Sum, Value, prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .deadlines import appeal_deadline
from .lifecycle import can_transition
from .models import (
    Case, Decision, Document, Enrolment, FollowUp, InformationRequest, Loan, Message, ScreeningTalk,
)

S = Case.Status

# Not shown to the citizen at all: the personal data is gone.
HIDDEN_STATUSES = frozenset({S.ANONYMISED})
# The citizen can no longer add answers or files; messages still go through
# until the case is closed.
INPUT_CLOSED_STATUSES = frozenset({S.WITHDRAWN, S.CLOSED, S.ANONYMISED})
MESSAGES_CLOSED_STATUSES = frozenset({S.CLOSED, S.ANONYMISED})

# Kinds of document that are letters from the municipality to the citizen.
LETTER_KINDS = frozenset({Document.Kind.APPLICATION_RECEIPT, Document.Kind.DECISION_LETTER})


# --- Plain-language status --------------------------------------------------------------------------


@dataclass(frozen=True)
class CitizenStatus:
    label: str  # "We are assessing your application"
    next_text: str  # what happens now
    tone: str = "info"  # info | action | success | ended


CITIZEN_STATUSES = {
    S.SUBMITTED: CitizenStatus(
        _("We have received your application"),
        _(
            "A caseworker will read your application and your business plan, and then invite you to a talk "
            "about your idea. You do not need to do anything now."
        ),
    ),
    S.SCREENING: CitizenStatus(
        _("We are assessing your application"),
        _(
            "We look at your application and your business plan, and we talk with you about your idea. "
            "When we have decided, you get a letter here on My page."
        ),
    ),
    S.AWAITING_INFORMATION: CitizenStatus(
        _("We need more information from you"),
        _(
            "We have asked you some questions. Answer them here on My page. We continue with your "
            "application as soon as we have your answer."
        ),
        "action",
    ),
    S.CONSULTATION: CitizenStatus(
        _("You can comment before we decide"),
        _(
            "Before we decide, you can comment on the information we will decide on. Read the draft of "
            "our decision, and send us your comments from this page before the deadline."
        ),
        "action",
    ),
    S.ADMITTED: CitizenStatus(
        _("You have been admitted to the course"),
        _("We will tell you when the course starts and where it takes place."),
        "success",
    ),
    S.NOT_ADMITTED: CitizenStatus(
        _("You have not been admitted to the course"),
        _(
            "Read the decision letter. It explains why, and how you can complain. Your caseworker at the "
            "jobcenter will help you find another way forward."
        ),
        "ended",
    ),
    S.WITHDRAWN: CitizenStatus(
        _("You have withdrawn your application"),
        _("We will close your case. You are welcome to apply again later."),
        "ended",
    ),
    S.IN_COURSE: CitizenStatus(
        _("You are taking the course"),
        _("Take part in the course sessions. Your coach helps you turn your idea into a business plan."),
    ),
    S.COURSE_COMPLETED: CitizenStatus(
        _("You have completed the course"),
        _("We will now assess whether you can get a micro-loan. You get a letter here on My page."),
        "success",
    ),
    S.LEFT_FOR_EMPLOYMENT: CitizenStatus(
        _("You have got a job"),
        _("Congratulations on the job. We will close your case. Write to us if you have questions."),
        "success",
    ),
    S.DROPPED_OUT: CitizenStatus(
        _("You have left the course"),
        _("We will close your case. Talk to your caseworker at the jobcenter about what happens next."),
        "ended",
    ),
    S.LOAN_CONSULTATION: CitizenStatus(
        _("You can comment before we decide on the loan"),
        _(
            "Before we decide on the loan, you can comment on the information we will decide on. Read the "
            "draft of our decision, and send us your comments from this page before the deadline."
        ),
        "action",
    ),
    S.LOAN_GRANTED: CitizenStatus(
        _("You have been granted a micro-loan"),
        _(
            "Register your business (CVR number) and open a bank account for the business. We only pay "
            "the loan into a business bank account."
        ),
        "success",
    ),
    S.LOAN_DECLINED: CitizenStatus(
        _("You have not been granted a micro-loan"),
        _("Read the decision letter. It explains why, and how you can complain."),
        "ended",
    ),
    S.BUSINESS_SETUP: CitizenStatus(
        _("You are setting up your business"),
        _(
            "When your business has a CVR number and a business bank account, tell us in a message below. "
            "Then we pay out the loan."
        ),
        "action",
    ),
    S.LOAN_DISBURSED: CitizenStatus(
        _("Your loan has been paid out"),
        _("Good luck with your business. We will contact you to hear how it is going."),
        "success",
    ),
    S.IN_REPAYMENT: CitizenStatus(
        _("You are paying back your loan"),
        _("Pay the instalments as agreed. Write to us in good time if you cannot pay."),
    ),
    S.CLOSED: CitizenStatus(
        _("Your case is closed"),
        _("You can still read your letters and documents here."),
        "ended",
    ),
    S.ANONYMISED: CitizenStatus(_("Your case is closed"), "", "ended"),
}


def citizen_status(status):
    """The citizen's words for a case status."""
    return CITIZEN_STATUSES.get(status) or CITIZEN_STATUSES[S.SUBMITTED]


# The stages of the scheme, as the citizen sees them. Each status is "at"
# one stage; a status that ends the path names how it ended.
STAGES = (
    ("sent", _("Application sent")),
    ("assessment", _("Assessment and talk")),
    ("admission", _("Decision on the course")),
    ("course", _("Course")),
    ("loan", _("Decision on the loan")),
    ("business", _("Start your business")),
    ("follow_up", _("Follow-up")),
)
_STAGE_INDEX = {name: index for index, (name, _label) in enumerate(STAGES)}
_STATUS_STAGE = {
    S.SUBMITTED: "assessment",
    S.SCREENING: "assessment",
    S.AWAITING_INFORMATION: "assessment",
    S.CONSULTATION: "admission",
    S.ADMITTED: "course",
    S.IN_COURSE: "course",
    S.COURSE_COMPLETED: "loan",
    S.LOAN_CONSULTATION: "loan",
    S.LOAN_GRANTED: "business",
    S.BUSINESS_SETUP: "business",
    S.LOAN_DISBURSED: "follow_up",
    S.IN_REPAYMENT: "follow_up",
}
# Statuses that end the path, and the last stage that was reached.
_ENDED_AT = {
    S.NOT_ADMITTED: "admission",
    S.LOAN_DECLINED: "loan",
    S.DROPPED_OUT: "course",
    S.LEFT_FOR_EMPLOYMENT: None,
    S.WITHDRAWN: None,
    S.CLOSED: None,
    S.ANONYMISED: None,
}


def status_stages(case):
    """The stepper: [{"label", "state"}] with state "done", "current",
    "upcoming" or "ended" (the last item of a path that has ended)."""
    status = S(case.status)
    if status in _ENDED_AT:
        ended_stage = _ENDED_AT[status]
        # Without a recorded stage, the path ends after the application.
        last = _STAGE_INDEX[ended_stage] if ended_stage else 1
        items = [{"label": label, "state": "done"} for _name, label in STAGES[:last]]
        items.append({"label": citizen_status(status).label, "state": "ended"})
        return items
    current = _STAGE_INDEX[_STATUS_STAGE.get(status, "assessment")]
    return [
        {
            "label": label,
            "state": "done" if index < current else "current" if index == current else "upcoming",
        }
        for index, (_name, label) in enumerate(STAGES)
    ]


def can_withdraw(case):
    return can_transition(case.status, S.WITHDRAWN)


def accepts_answers(case):
    return case.status not in INPUT_CLOSED_STATUSES


def accepts_messages(case):
    return case.status not in MESSAGES_CLOSED_STATUSES


# --- The list of cases -----------------------------------------------------------------------------


def _citizen_cases(user, municipality):
    if user is None or not user.is_authenticated or municipality is None:
        return Case.objects.none()
    return Case.objects.filter(citizen=user, municipality=municipality).exclude(status__in=HIDDEN_STATUSES)


def _count(queryset):
    counted = queryset.order_by().values("case").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def cases_for_citizen(user, municipality):
    """The citizen's cases on this municipality's site, newest first, each
    annotated for the overview in one query:

    ``open_requests`` (unanswered requests for information), ``next_due``
    (the earliest deadline of those), ``unread_messages`` (from staff, not
    yet seen) and ``next_talk_at`` (the next talk that is not cancelled).
    """
    now = timezone.now()
    open_requests = InformationRequest.objects.filter(case=OuterRef("pk"), answered_at__isnull=True)
    unread = Message.objects.filter(case=OuterRef("pk"), from_staff=True, read_by_citizen_at__isnull=True)
    next_talk = (
        ScreeningTalk.objects.filter(case=OuterRef("pk"), cancelled_at__isnull=True, ends_at__gte=now)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    next_due = open_requests.order_by().values("case").annotate(due=Min("due_on")).values("due")
    return list(
        _citizen_cases(user, municipality)
        .select_related("application")
        .annotate(
            open_requests=_count(open_requests),
            unread_messages=_count(unread),
            next_talk_at=Subquery(next_talk),
            next_due=Subquery(next_due),
        )
        .order_by("-submitted_at", "-id")
    )


def case_for_citizen(user, municipality, reference):
    """The citizen's own case with this reference on this municipality's
    site; raises ``Case.DoesNotExist`` for anything else."""
    return (
        _citizen_cases(user, municipality)
        .select_related("application", "target_group", "municipality")
        .get(reference=reference)
    )


def document_for_citizen(user, municipality, pk):
    """A document the citizen may download: on their own case on this site,
    visible to them, and not found to contain a virus. Raises
    ``Document.DoesNotExist`` otherwise."""
    if user is None or not user.is_authenticated or municipality is None:
        raise Document.DoesNotExist
    return (
        Document.objects.select_related("case")
        .filter(case__in=_citizen_cases(user, municipality), visible_to_citizen=True)
        .exclude(scan_status=Document.ScanStatus.INFECTED)
        .get(pk=pk)
    )


def information_request_for_citizen(case, pk):
    """A request for information on the citizen's case (already looked up
    with ``case_for_citizen``); raises ``InformationRequest.DoesNotExist``."""
    return InformationRequest.objects.prefetch_related(_visible_documents("documents")).get(case=case, pk=pk)


def used_upload_bytes(case):
    """What the citizen's own files on the case take up; their uploads share
    one quota per case (``UPLOAD_MAX_APPLICATION_BYTES``)."""
    total = (
        (
            Document.objects.filter(case=case, uploaded_by=case.citizen_id).aggregate(total=Sum("size"))[
                "total"
            ]
        )
        if case.citizen_id
        else 0
    )
    return total or 0


def _visible_documents(lookup):
    return Prefetch(
        lookup,
        queryset=Document.objects.filter(visible_to_citizen=True).exclude(
            scan_status=Document.ScanStatus.INFECTED
        ),
        to_attr="visible_documents",
    )


# --- One case in full -------------------------------------------------------------------------------


@dataclass
class TimelineEvent:
    at: datetime | date
    kind: str  # submitted, document, letter, information_requested, information_answered, talk, ...
    title: str
    text: str = ""
    url_name: str = ""  # a My page URL name the template links to, with ``url_arg``
    url_arg: object = None
    anchor: str = ""  # a part of the case page to link to
    upcoming: bool = False


@dataclass
class NextAction:
    """Something the citizen is asked to do, most urgent first."""

    kind: str  # information_request, talk, consultation, messages
    title: str
    text: str = ""
    due: date | datetime | None = None
    request: InformationRequest | None = None
    talk: ScreeningTalk | None = None


@dataclass
class CitizenCase:
    case: Case
    status: CitizenStatus
    stages: list
    documents: list = field(default_factory=list)  # the citizen's own files
    letters: list = field(default_factory=list)  # letters and other files from the municipality
    requests: list = field(default_factory=list)
    open_requests: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    unread_messages: int = 0
    talks: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    timeline: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    can_withdraw: bool = False
    accepts_answers: bool = False
    accepts_messages: bool = False
    loan: Loan | None = None
    next_follow_up: FollowUp | None = None
    next_instalment: object = None  # a RepaymentInstalment, with ``owed_kr`` (what is left of it)
    scheme_steps: list = field(default_factory=list)  # the case's log entries for the course and the loan


DECISION_TITLES = {
    Decision.Kind.ADMIT_TO_COURSE: _("You have been admitted to the course"),
    Decision.Kind.REFER_TO_ORDINARY_EFFORT: _("You have not been admitted to the course"),
    Decision.Kind.GRANT_LOAN: _("You have been granted a micro-loan"),
    Decision.Kind.DECLINE_LOAN: _("You have not been granted a micro-loan"),
    Decision.Kind.GRANT_ALLOWANCE: _("You have been granted a subsistence allowance"),
    Decision.Kind.DECLINE_ALLOWANCE: _("You have not been granted a subsistence allowance"),
    Decision.Kind.WRITE_OFF_LOAN: _("Your loan has been written off"),
    Decision.Kind.DEFER_LOAN: _("Your loan repayments have been deferred"),
    Decision.Kind.RESCHEDULE_LOAN: _("Your loan has a new repayment plan"),
}


def citizen_case_detail(case, *, now=None):
    """Everything My page shows about one case (from ``case_for_citizen``),
    in a fixed number of queries however much the case holds."""
    now = now or timezone.now()
    documents = list(
        Document.objects.filter(case=case, visible_to_citizen=True)
        .exclude(scan_status=Document.ScanStatus.INFECTED)
        .order_by("uploaded_at", "id")
    )
    requests = list(
        InformationRequest.objects.filter(case=case)
        .prefetch_related(_visible_documents("documents"))
        .order_by("created_at", "id")
    )
    messages = list(Message.objects.filter(case=case).order_by("created_at", "id"))
    talks = list(ScreeningTalk.objects.filter(case=case).order_by("starts_at", "id"))
    decisions = list(
        Decision.objects.filter(
            case=case, status__in=[Decision.Status.FINAL, Decision.Status.IN_CONSULTATION]
        )
        .select_related(*_letter_joins())
        .order_by("created_at", "id")
    )
    visible_ids = {d.pk for d in documents}
    for decision in decisions:
        # Only a letter the citizen may see is linked.
        decision.visible_letter_id = decision.letter_id if decision.letter_id in visible_ids else None
        decision.citizen_title = DECISION_TITLES.get(decision.kind, decision.get_kind_display())
        decision.appeal_deadline = appeal_deadline(decision)
        decision.appeal_open = (decision.appeal_deadline is not None
                                and timezone.localdate(now) <= decision.appeal_deadline)

    own = [d for d in documents if case.citizen_id and d.uploaded_by_id == case.citizen_id]
    letters = [d for d in documents if d not in own]
    open_requests = [r for r in requests if r.is_open]
    unread = sum(1 for m in messages if m.from_staff and m.read_by_citizen_at is None)
    detail = CitizenCase(
        case=case,
        status=citizen_status(case.status),
        stages=status_stages(case),
        documents=own,
        letters=letters,
        requests=requests,
        open_requests=open_requests,
        messages=messages,
        unread_messages=unread,
        talks=talks,
        decisions=decisions,
        can_withdraw=can_withdraw(case),
        accepts_answers=accepts_answers(case),
        accepts_messages=accepts_messages(case),
    )
    _add_course_and_loan(detail, now)
    detail.timeline = citizen_timeline(detail, now=now)
    detail.actions = next_actions(detail, now=now)
    return detail


def _letter_joins():
    """What the appeal deadline needs, joined so My page keeps a fixed
    number of queries: the template (the appeal period), the letter and,
    where the Digital Post model is installed, its dispatch (when the
    citizen got the letter: the deadline runs from then)."""
    try:
        Document._meta.get_field("dispatch")
    except FieldDoesNotExist:
        return ("template", "letter")
    return ("template", "letter__dispatch")


# --- The course and the loan (issue 5) ---------------------------------------------------------------

# Before admission there is no course, and before the grant no loan: those
# cases skip the queries below.
_BEFORE_COURSE = frozenset({S.SUBMITTED, S.SCREENING, S.AWAITING_INFORMATION, S.CONSULTATION, S.NOT_ADMITTED})
_BEFORE_LOAN = _BEFORE_COURSE | {S.ADMITTED, S.IN_COURSE, S.COURSE_COMPLETED, S.LOAN_CONSULTATION,
                                  S.LOAN_DECLINED, S.DROPPED_OUT}
# The loan is paid out and the citizen pays it back.
_SERVICED = frozenset({S.LOAN_DISBURSED, S.IN_REPAYMENT})


def _scheme_actions():
    from .services import business, courses, loans

    return (courses.ENROLLED_ACTION, courses.WAITING_ACTION, courses.MOVED_UP_ACTION, courses.ENDED_ACTION,
            loans.LOAN_GRANTED_ACTION, business.ACCOUNT_VERIFIED_ACTION, loans.DISBURSEMENT_APPROVED_ACTION,
            loans.PAYMENT_RECORDED_ACTION, loans.LOAN_CLOSED_ACTION)


def next_follow_up(case, today=None):
    """The next planned follow-up (visit, call, meeting) not held yet."""
    today = today or timezone.localdate()
    return (FollowUp.objects.filter(case=case, done_on__isnull=True, planned_on__gte=today)
            .order_by("planned_on", "id").first())


def _add_course_and_loan(detail, now):
    """The course and loan steps for the timeline (from the case's audit
    log: one query, with the day each step happened), the loan, its next
    instalment and the next follow-up. A fixed number of queries."""
    from wagtail.models import ModelLogEntry

    from . import selectors_loans
    from .services.loans import kroner

    case = detail.case
    if case.status in _BEFORE_COURSE:
        return
    # The case page shows the latest enrolment (``case.enrolments.all|first``).
    prefetch_related_objects([case], Prefetch("enrolments", queryset=Enrolment.objects.select_related("cohort")))
    detail.scheme_steps = list(
        ModelLogEntry.objects.filter(content_type__app_label="backoffice", content_type__model="case",
                                     object_id=str(case.pk), action__in=_scheme_actions())
        .order_by("timestamp", "id").values("action", "timestamp", "data"))
    if case.status in _BEFORE_LOAN:
        return
    detail.loan = Loan.objects.filter(case=case).first()
    if detail.loan is None:
        return
    if case.status not in INPUT_CLOSED_STATUSES:
        detail.next_follow_up = next_follow_up(case, timezone.localdate(now))
    if case.status in _SERVICED:
        instalment, owed = selectors_loans.next_instalment(detail.loan)
        if instalment is not None:
            instalment.owed_kr = kroner(owed)
            detail.next_instalment = instalment


def _local_date(value):
    return timezone.localdate(value) if isinstance(value, datetime) else value


def citizen_timeline(detail, *, now=None):
    """What has happened on the case, oldest first, in the citizen's words;
    a talk that is still to come is last and marked ``upcoming``."""
    now = now or timezone.now()
    case = detail.case
    events = []
    if case.submitted_at:
        events.append(
            TimelineEvent(
                case.submitted_at,
                "submitted",
                _("You sent your application"),
                _("Case number %(reference)s.") % {"reference": case.reference},
            )
        )

    answer_document_ids = {d.pk for r in detail.requests for d in r.visible_documents}
    for document in detail.letters:
        if document.kind == Document.Kind.APPLICATION_RECEIPT:
            events.append(
                TimelineEvent(
                    document.uploaded_at,
                    "letter",
                    _("We sent you a receipt"),
                    _("A copy of everything you sent."),
                    "my_page_case_document",
                    document.pk,
                )
            )
        elif document.kind == Document.Kind.DECISION_LETTER:
            continue  # told with its decision
        else:
            events.append(
                TimelineEvent(
                    document.uploaded_at,
                    "document",
                    _("We added a document"),
                    document.original_name or document.get_kind_display(),
                    "my_page_case_document",
                    document.pk,
                )
            )
    for document in detail.documents:
        sent_with_application = case.submitted_at and document.uploaded_at <= case.submitted_at
        if sent_with_application or document.pk in answer_document_ids:
            continue
        events.append(
            TimelineEvent(
                document.uploaded_at,
                "document",
                _("You sent a document"),
                document.original_name or document.get_kind_display(),
                "my_page_case_document",
                document.pk,
            )
        )

    for request in detail.requests:
        events.append(
            TimelineEvent(
                request.created_at,
                "information_requested",
                _("We asked you for more information"),
                _("Please answer by %(date)s.") % {"date": _format_date(request.due_on)}
                if request.is_open
                else "",
                "my_page_information_answer",
                request.pk,
            )
        )
        if request.answered_at:
            files = len(request.visible_documents)
            text = (
                ngettext("With %(count)d file.", "With %(count)d files.", files) % {"count": files}
                if files
                else ""
            )
            events.append(
                TimelineEvent(
                    request.answered_at,
                    "information_answered",
                    _("You answered our questions"),
                    text,
                    "my_page_information_answer",
                    request.pk,
                )
            )

    for talk in detail.talks:
        when = _format_datetime(talk.starts_at)
        if talk.cancelled_at:
            events.append(
                TimelineEvent(
                    talk.cancelled_at,
                    "talk_cancelled",
                    _("A talk was cancelled"),
                    _("The talk on %(when)s will not take place.") % {"when": when},
                )
            )
        elif talk.ends_at < now:
            events.append(TimelineEvent(talk.starts_at, "talk", _("You had a talk with us"), when))
        else:
            events.append(
                TimelineEvent(
                    talk.starts_at, "talk", _("Talk booked"), _talk_text(talk), anchor="next", upcoming=True
                )
            )

    for decision in detail.decisions:
        if decision.status == Decision.Status.FINAL and decision.decided_at:
            events.append(
                TimelineEvent(
                    decision.decided_at,
                    "decision",
                    decision.citizen_title,
                    _decision_text(decision),
                    "my_page_case_document" if decision.visible_letter_id else "",
                    decision.visible_letter_id,
                )
            )
        elif decision.status == Decision.Status.IN_CONSULTATION and decision.consultation_sent_at:
            text = (
                _("Send us your comments by %(date)s.")
                % {"date": _format_date(decision.consultation_deadline)}
                if decision.consultation_deadline
                else ""
            )
            events.append(
                TimelineEvent(
                    decision.consultation_sent_at,
                    "consultation",
                    _("You can comment before we decide"),
                    text,
                    "my_page_case_document" if decision.visible_letter_id else "",
                    decision.visible_letter_id,
                )
            )

    for message in detail.messages:
        if message.from_staff:
            events.append(
                TimelineEvent(
                    message.created_at, "message", _("You got a message from us"), anchor="messages"
                )
            )

    events.extend(_scheme_events(detail))

    if case.withdrawn_at:
        events.append(TimelineEvent(case.withdrawn_at, "withdrawn", _("You withdrew your application")))
    if case.closed_at:
        events.append(TimelineEvent(case.closed_at, "closed", _("Your case was closed")))

    def sort_key(event):
        at = event.at
        if not isinstance(at, datetime):
            at = timezone.make_aware(datetime.combine(at, datetime.min.time()))
        return (event.upcoming, at)

    return sorted(events, key=sort_key)


def _day(data, key, fallback):
    """A date the step's log data holds (e.g. the day a payout was paid),
    or when the step was recorded."""
    try:
        return date.fromisoformat(data[key])
    except (KeyError, TypeError, ValueError):
        return fallback


COURSE_ENDINGS = {
    Enrolment.Status.COMPLETED: (_("You completed the course"), _("Well done. Next we decide on your loan.")),
    Enrolment.Status.DROPPED_OUT: (_("You left the course"), ""),
    Enrolment.Status.LEFT_FOR_EMPLOYMENT: (_("You left the course for a job"), _("Congratulations on the job.")),
}


def _scheme_events(detail):
    """The course and loan steps, in the citizen's words."""
    from .services import business, courses, loans

    events, repayment_started = [], False
    for step in detail.scheme_steps:
        action, at, data = step["action"], step["timestamp"], step["data"] or {}
        if action in (courses.ENROLLED_ACTION, courses.MOVED_UP_ACTION):
            text = _("A place became free, and you moved up from the waiting list.") \
                if action == courses.MOVED_UP_ACTION else ""
            events.append(TimelineEvent(at, "course", _("You got a place on the course"), text,
                                        anchor="course"))
        elif action == courses.WAITING_ACTION:
            text = _("The course was full. You were number %(position)s on the waiting list.") % {
                "position": data.get("position", "")} if data.get("position") else ""
            events.append(TimelineEvent(at, "course", _("You were put on the waiting list for the course"),
                                        text, anchor="course"))
        elif action == courses.ENDED_ACTION:
            if data.get("waiting"):
                title, text = _("You left the waiting list for a job"), _("Congratulations on the job.")
            else:
                title, text = COURSE_ENDINGS.get(data.get("outcome"), (_("Your course has ended"), ""))
            events.append(TimelineEvent(_day(data, "ended_on", at), "course", title, text))
        elif action == loans.LOAN_GRANTED_ACTION:
            events.append(TimelineEvent(at, "loan", _("Your loan and repayment plan are ready"),
                                        _("See the amount, the terms and when to pay."), "my_page_loan"))
        elif action == business.ACCOUNT_VERIFIED_ACTION:
            events.append(TimelineEvent(at, "business", _("We checked your business bank account"),
                                        _("We can now pay the loan into it.")))
        elif action == loans.DISBURSEMENT_APPROVED_ACTION:
            amount = data.get("amount_ore")
            text = _("%(amount)s kr. to your business bank account.") % {"amount": loans.kroner(amount)} \
                if isinstance(amount, int) else ""
            events.append(TimelineEvent(_day(data, "paid_on", at), "loan", _("We paid out your loan"), text,
                                        "my_page_loan"))
        elif action == loans.PAYMENT_RECORDED_ACTION and not repayment_started:
            repayment_started = True
            events.append(TimelineEvent(_day(data, "booked_on", at), "loan",
                                        _("You started paying back your loan"), "", "my_page_loan"))
        elif action == loans.LOAN_CLOSED_ACTION:
            title = _("You have paid back your loan") if data.get("loan_status") == Loan.Status.REPAID \
                else _("Your loan is closed")
            events.append(TimelineEvent(at, "loan", title, _("You owe nothing more."), "my_page_loan"))
    return events


def next_actions(detail, *, now=None):
    """What the citizen is asked to do now, most urgent first."""
    now = now or timezone.now()
    actions = []
    if detail.accepts_answers:
        for request in detail.open_requests:
            overdue = request.due_on < timezone.localdate(now)
            actions.append(
                NextAction(
                    "information_request",
                    _("Answer our questions"),
                    (
                        _("The deadline was %(date)s. Please answer as soon as you can.")
                        if overdue
                        else _("Please answer by %(date)s.")
                    )
                    % {"date": _format_date(request.due_on)},
                    due=request.due_on,
                    request=request,
                )
            )
    for talk in detail.talks:
        if not talk.cancelled_at and talk.ends_at >= now:
            actions.append(
                NextAction("talk", _("Come to the talk"), _talk_text(talk), due=talk.starts_at, talk=talk)
            )
    for decision in detail.decisions:
        if decision.status == Decision.Status.IN_CONSULTATION and detail.accepts_messages:
            text = _("Read our letter. If you want to comment, write to us in the messages below")
            if decision.consultation_deadline:
                text += " " + _("by %(date)s") % {"date": _format_date(decision.consultation_deadline)}
            actions.append(
                NextAction(
                    "consultation",
                    _("Comment before we decide"),
                    text + ".",
                    due=decision.consultation_deadline,
                )
            )
    if detail.next_instalment is not None:
        instalment = detail.next_instalment
        late = instalment.due_on < timezone.localdate(now)
        actions.append(
            NextAction(
                "instalment",
                _("Pay your next instalment"),
                (
                    _("%(amount)s kr. was due on %(date)s. Please pay as soon as you can, or write to us if "
                      "you cannot.")
                    if late
                    else _("%(amount)s kr. by %(date)s.")
                )
                % {"amount": instalment.owed_kr, "date": _format_date(instalment.due_on)},
                due=instalment.due_on,
            )
        )
    if detail.next_follow_up is not None:
        follow_up = detail.next_follow_up
        actions.append(
            NextAction(
                "follow_up",
                _("Your next follow-up with us"),
                _("%(kind)s on %(date)s. We will hear how your business is going.")
                % {"kind": follow_up.get_kind_display(), "date": _format_date(follow_up.planned_on)},
                due=follow_up.planned_on,
            )
        )
    if detail.unread_messages:
        actions.append(
            NextAction(
                "messages",
                ngettext(
                    "You have %(count)d new message",
                    "You have %(count)d new messages",
                    detail.unread_messages,
                )
                % {"count": detail.unread_messages},
                _("Read it under Messages below."),
            )
        )
    return sorted(actions, key=lambda a: _local_date(a.due) if a.due else date.max)


def _decision_text(decision):
    text = str(_("Read the decision letter.")) if decision.visible_letter_id else ""
    if getattr(decision, "appeal_open", False):
        complain = _("You can complain until %(date)s.") % {"date": _format_date(decision.appeal_deadline)}
        text = f"{text} {complain}".strip()
    return text


def _format_date(value):
    return formats.date_format(value) if value else ""


def _format_datetime(value):
    local = timezone.localtime(value)
    return _("%(date)s at %(time)s") % {
        "date": formats.date_format(local),
        "time": formats.time_format(local),
    }


def _talk_text(talk):
    text = _format_datetime(talk.starts_at)
    if talk.location:
        text += ", " + talk.location
    if talk.video_url:
        text += ", " + str(_("as a video meeting"))
    return text + "."
