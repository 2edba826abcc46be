"""The case page: everything about one case on one screen, and the small
actions staff take from it (assign, note, ask, write, start assessing).

Talks, assessments and decisions have their own modules; this page shows
their sections. Every GET of the page is an access to personal data and is
logged; every POST goes through a service that checks, saves and audits."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.models import ModelLogEntry

from ..deadlines import is_working_day, next_working_day
from ..forms import AssignForm, InformationRequestForm, JournalNoteForm, StaffMessageForm
from ..lifecycle import next_statuses
from ..models import (
    AccessLogEntry,
    AllowancePayment,
    Assessment,
    Case,
    CoachingNote,
    Decision,
    Document,
    DocumentJournalEntry,
    Enrolment,
    FollowUp,
    InformationRequest,
    JournalNote,
    LetterDispatch,
    Message,
    Outcome,
    ScreeningTalk,
)
from ..services import allowance as allowance_section
from ..services import business as business_section
from ..services import casework
from ..services.talks import TALK_STATUSES
from ..services import followup as followup_section
from ..selectors_collection import collection_panel
from ..selectors_appeals import CASE_PAGE_PREFETCH as APPEALS_PREFETCH
from ..selectors_appeals import section as appeals_section
from ..selectors_loans import loan_panel
from ..selectors_registers import person_comparison
from ..services.transitions import TransitionError
from .access import log_access, staff_case_or_404
from .journal import section as journal_section

S = Case.Status
TIMELINE_LENGTH = 200

CASE_PAGE_QUERYSET = Case.objects.select_related(
    "application", "target_group", "assigned_to", "municipality", "citizen",
    "loan", "business__bank_account__proof", "business__bank_account__verified_by",
    # The latest CPR and CVR register snapshots (selectors_registers), in the same query.
    "application__cpr_lookup__fetched_by", "business__cvr_lookup__fetched_by",
    "allowance", "municipality__loan_policy",
    # De minimis: the business's declaration and the loan's recorded aid (services.de_minimis).
    "de_minimis_declaration", "loan__de_minimis_grant__letter",
).prefetch_related(
    "de_minimis_declaration__aids",
    # A letter's dispatch (Digital Post status, available_at) comes with it.
    Prefetch("documents", queryset=Document.objects.select_related("uploaded_by", "dispatch")
             .order_by("-uploaded_at", "-pk")),
    Prefetch("notes", queryset=JournalNote.objects.select_related("author")),
    APPEALS_PREFETCH,  # the appeals section (selectors_appeals)
    # The journal (aktliste); each entry's case is set by the prefetch, for its journal number.
    Prefetch("journal_entries", queryset=DocumentJournalEntry.objects.order_by("number")),
    Prefetch("information_requests", queryset=InformationRequest.objects.select_related("created_by")
             .order_by("-created_at", "-pk")),
    Prefetch("messages", queryset=Message.objects.select_related("sender")),
    Prefetch("talks", queryset=ScreeningTalk.objects.prefetch_related("staff")),
    Prefetch("assessments", queryset=Assessment.objects.select_related("assessor")),
    Prefetch("decisions", queryset=Decision.objects.select_related("letter__dispatch", "decided_by")),
    Prefetch("letter_dispatches", queryset=LetterDispatch.objects.select_related("document")),
    Prefetch("enrolments", queryset=Enrolment.objects.select_related("cohort").annotate(
        attended=Count("attendance", filter=Q(attendance__present=True)), registered=Count("attendance"))),
    Prefetch("coaching_notes", queryset=CoachingNote.objects.select_related("author")),
    Prefetch("follow_ups", queryset=FollowUp.objects.select_related("staff")),
    "self_reports",
    Prefetch("outcomes", queryset=Outcome.objects.select_related("recorded_by")),
    Prefetch("allowance__payments",
             queryset=AllowancePayment.objects.select_related("recorded_by", "approved_by", "payment_order")),
)


def case_url(case, anchor=""):
    return reverse("backoffice:case", args=[case.pk]) + (f"#{anchor}" if anchor else "")


def timeline(case):
    """The case's audit entries, newest first: what happened, when, by whom."""
    return (
        ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk))
        .select_related("user").order_by("-timestamp", "-pk")[:TIMELINE_LENGTH]
    )


def _forms(case, bound=None):
    forms = {
        "assign_form": AssignForm(case=case),
        "note_form": JournalNoteForm(case=case),
        "request_form": InformationRequestForm(case=case),
        "message_form": StaffMessageForm(case=case),
    }
    forms.update(bound or {})
    return forms


def case_detail(request, pk, bound_forms=None, status=200):
    case = staff_case_or_404(request, pk, queryset=CASE_PAGE_QUERYSET)
    log_access(request, AccessLogEntry.Action.VIEW_CASE, case=case)
    unread = casework.mark_messages_read_by_staff(case, request.user) if request.method == "GET" else 0
    context = {
        "case": case,
        "application": getattr(case, "application", None),
        "timeline": timeline(case),
        "can_start_assessment": case.status == S.SUBMITTED and S.SCREENING in next_statuses(case.status),
        "unread_messages": unread,
        # Talks belong to the screening; the service refuses them later on.
        "can_book_talk": case.status in TALK_STATUSES,
        "person_register": person_comparison(getattr(case, "application", None)),
        "business_section": business_section.section(case),
        "followup_section": followup_section.section(case),
        "loan_panel": (loan := loan_panel(case, request.user)),
        "collection_panel": collection_panel(case, request.user, loan),
        "allowance_section": allowance_section.section(case),
        "appeals_section": appeals_section(case, request.user),
        "journal": journal_section(case, (bound_forms or {}).get("journal_forms")),
        "page_title": _("Case %(reference)s") % {"reference": case.reference},
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("cases:index"), "label": _("Cases")},
            {"url": "", "label": case.reference},
        ],
        **_forms(case, bound_forms),
    }
    return render(request, "backoffice/case/detail.html", context, status=status)


def _run(request, case, action, success_message, anchor):
    """Run a service call; show its refusal as a message (nothing saved)."""
    try:
        action()
    except TransitionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, success_message)
    return HttpResponseRedirect(case_url(case, anchor))


@require_POST
def assign(request, pk):
    case = staff_case_or_404(request, pk)
    form = AssignForm(request.POST, case=case)
    if not form.is_valid():
        return case_detail(request, pk, {"assign_form": form}, status=400)
    assignee = form.cleaned_data["assignee"]
    return _run(request, case, lambda: casework.assign_case(
        case, request.user, assignee, expected_version=form.cleaned_data["version"]),
        _("The case is now assigned to %(name)s.") % {
            "name": (assignee.get_full_name() or assignee.get_username()) if assignee else _("nobody")},
        "")


@require_POST
def assign_to_me(request, pk):
    case = staff_case_or_404(request, pk, permission="backoffice.handle_case")
    version = request.POST.get("version")
    return _run(request, case, lambda: casework.assign_case(
        case, request.user, request.user, expected_version=version if (version or "").isdigit() else None),
        _("You now have the case."), "")


@require_POST
def add_note(request, pk):
    case = staff_case_or_404(request, pk, permission="backoffice.handle_case")
    form = JournalNoteForm(request.POST, case=case)
    if not form.is_valid():
        return case_detail(request, pk, {"note_form": form}, status=400)
    return _run(request, case, lambda: casework.add_journal_note(
        case, request.user, form.cleaned_data["body"], noted_at=form.cleaned_data["noted_at"]),
        _("The note has been added to the case."), "notes-section")


@require_POST
def request_information(request, pk):
    case = staff_case_or_404(request, pk, permission="backoffice.handle_case")
    form = InformationRequestForm(request.POST, case=case)
    if not form.is_valid():
        return case_detail(request, pk, {"request_form": form}, status=400)
    due_on = form.cleaned_data["due_on"]
    text = _("The question has been sent. The citizen sees it on My page and gets an e-mail.")
    if not is_working_day(due_on):  # the service moves it; say to which date
        text = _("%(chosen)s is not a working day, so the citizen has until %(date)s, the next working day. "
                 "The question has been sent. The citizen sees it on My page and gets an e-mail.") % {
            "chosen": formats.date_format(due_on), "date": formats.date_format(next_working_day(due_on))}
    return _run(request, case, lambda: casework.request_information(
        case, request.user, form.cleaned_data["question"], due_on,
        expected_version=form.cleaned_data["version"]), text, "requests-section")


@require_POST
def send_message(request, pk):
    case = staff_case_or_404(request, pk, permission="backoffice.handle_case")
    form = StaffMessageForm(request.POST, case=case)
    if not form.is_valid():
        return case_detail(request, pk, {"message_form": form}, status=400)
    return _run(request, case, lambda: casework.send_staff_message(case, request.user, form.cleaned_data["body"]),
                _("The message has been sent."), "messages-section")


@require_POST
def start_assessment(request, pk):
    case = staff_case_or_404(request, pk, permission="backoffice.handle_case")
    version = request.POST.get("version")
    return _run(request, case, lambda: casework.start_assessment(
        case, request.user, expected_version=version if (version or "").isdigit() else None),
        _("The case is now being assessed."), "")


@require_POST
def reveal_cpr(request, pk):
    """Show the full CPR number once, on request, and log that it was shown."""
    case = staff_case_or_404(request, pk, permission="backoffice.handle_case",
                             queryset=Case.objects.select_related("application"))
    log_access(request, AccessLogEntry.Action.REVEAL_CPR, case=case)
    application = getattr(case, "application", None)
    return render(request, "backoffice/case/cpr.html", {
        "case": case, "cpr_number": application.cpr_number if application else "",
        "page_title": _("CPR number – %(reference)s") % {"reference": case.reference},
    })
