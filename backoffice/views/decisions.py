"""Decision screens for staff: start a decision, edit the draft reasons,
send the draft to the citizen for comments (partshøring), and make the
final decision, which produces the letter.

Thin views: the rules live in ``services.decisions``. Every view finds its
case through ``staff_case_or_404`` (another municipality's case is a 404);
reading a decision needs ``view_case``, changing it the permission of its
kind (``decide_admission`` for admission), else 403. Forms carry the case
version the user saw; a stale one is refused with a message to reload."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from ..deadlines import deadline_after
from ..forms import CaseVersionForm
from ..models import AccessLogEntry, Decision, Document
from ..services import decisions as services
from ..services.transitions import StaleCase, TransitionError
from .access import log_access, staff_case_or_404
from .case import case_url

DECISION_PERMISSIONS = ("backoffice.decide_admission", "backoffice.decide_loan")


# --- Forms ----------------------------------------------------------------------------------------


class NewDecisionForm(CaseVersionForm):
    kind = forms.ChoiceField(label=gettext_lazy("Decision"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("Reasons"), required=False, max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Which facts and criteria the decision rests on. Required when the decision "
                               "does not fully grant the application. You can write them later."),
    )

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0].value


class ReasonForm(CaseVersionForm):
    kind = forms.ChoiceField(label=gettext_lazy("Decision"))
    reason = forms.CharField(
        label=gettext_lazy("Reasons"), required=False, max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy("Write to the citizen: the facts, the criteria you assessed them against, and "
                               "why they lead to this decision. After consultation, answer the citizen's "
                               "comments here."),
    )

    def __init__(self, *args, decision, **kwargs):
        kwargs.setdefault("initial", {}).update({"kind": decision.kind, "reason": decision.reason})
        super().__init__(*args, **kwargs)
        group = services.rule_for(decision.kind).group
        self.fields["kind"].choices = [(k.value, k.label) for k in services.kinds_in_group(group)]


class ConsultationForm(CaseVersionForm):
    deadline = forms.DateField(
        label=gettext_lazy("Comments due by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Give the citizen reasonable time to answer, usually two weeks. A date on a "
                               "weekend or public holiday moves to the next working day."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = deadline_after(timezone.localdate(),
                                                         days=services.DEFAULT_CONSULTATION_DAYS)

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.localdate():
            raise forms.ValidationError(_("The deadline for comments must be a date after today."))
        return deadline


class FinaliseForm(CaseVersionForm):
    consultation_waived_reason = forms.CharField(
        label=gettext_lazy("Why is consultation not needed?"), required=False,
        max_length=services.WAIVER_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Only when the law allows deciding without hearing the citizen first, e.g. "
                               "the citizen already knows the facts and our assessment and has commented on "
                               "them. Kept as a journal note on the case."),
    )

    def __init__(self, *args, needs_waiver=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_waiver:
            del self.fields["consultation_waived_reason"]


# --- Helpers --------------------------------------------------------------------------------------


def decision_url(decision, anchor=""):
    url = reverse("backoffice:decision", args=[decision.case_id, decision.pk])
    return f"{url}#{anchor}" if anchor else url


def _decision_or_404(case, pk):
    decision = (Decision.objects.select_related("decided_by", "letter", "template")
                .filter(case=case, pk=pk).first())
    if decision is None:
        raise Http404("No such decision")
    decision.case = case
    return decision


def _may_decide_or_403(request, decision):
    if not services.may_decide(request.user, decision):
        raise PermissionDenied


def _breadcrumbs(case, label):
    return [
        {"url": reverse("wagtailadmin_home"), "label": _("Home")},
        {"url": reverse("cases:index"), "label": _("Cases")},
        {"url": case_url(case), "label": case.reference},
        {"url": "", "label": label},
    ]


def _letters(case):
    return list(Document.objects.filter(case=case, kind=Document.Kind.DECISION_LETTER)
                .order_by("-uploaded_at", "-pk"))


def _render_decision(request, case, decision, bound=None, status=200):
    may_decide = services.may_decide(request.user, decision)
    is_open = decision.status != Decision.Status.FINAL
    forms_ = {
        "reason_form": ReasonForm(case=case, decision=decision),
        "consultation_form": ConsultationForm(case=case),
        "finalise_form": FinaliseForm(case=case, needs_waiver=services.needs_consultation(decision)),
    }
    forms_.update(bound or {})
    title = _("Decision: %(kind)s") % {"kind": decision.get_kind_display()}
    context = {
        "case": case,
        "decision": decision,
        "may_decide": may_decide and is_open,
        "can_send_for_consultation": decision.status == Decision.Status.DRAFT and not decision.fully_granted,
        "consultation_pending": services.consultation_pending(decision),
        "needs_consultation": services.needs_consultation(decision),
        "can_discard": decision.status == Decision.Status.DRAFT and decision.consultation_sent_at is None,
        "reply_is_late": services.reply_is_late(decision),
        "letters": _letters(case),
        "page_title": title,
        "header_title": f"{title} – {case.reference}",
        "breadcrumbs_items": _breadcrumbs(case, decision.get_kind_display()),
        **forms_,
    }
    return render(request, "backoffice/decisions/detail.html", context, status=status)


def _refused(request, exc):
    messages.error(request, str(exc.message))


# --- Views ----------------------------------------------------------------------------------------


def new_decision(request, case_pk):
    """Choose the kind of decision and (optionally) write the reasons."""
    case = staff_case_or_404(request, case_pk)
    if not any(request.user.has_perm(p) for p in DECISION_PERMISSIONS):
        raise PermissionDenied
    kinds = services.kinds_to_draft(case, request.user)
    if not kinds:
        messages.error(request, _("No decision can be started on the case now: it is not at a stage where "
                                  "a decision is made, or a decision is already being prepared."))
        return HttpResponseRedirect(case_url(case, "decisions"))
    form = NewDecisionForm(request.POST or None, case=case, kinds=kinds)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                decision = services.draft_decision(
                    case, request.user, form.cleaned_data["kind"], reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"])
            except StaleCase as exc:
                _refused(request, exc)
                return HttpResponseRedirect(case_url(case, "decisions"))
            except TransitionError as exc:
                _refused(request, exc)
            else:
                messages.success(request,
                                 _("The draft decision has been saved. The citizen cannot see it yet."))
                return HttpResponseRedirect(decision_url(decision))
        status = 400
    title = _("New decision")
    return render(request, "backoffice/decisions/new.html", {
        "case": case, "form": form, "page_title": title, "header_title": f"{title} – {case.reference}",
        "breadcrumbs_items": _breadcrumbs(case, title),
    }, status=status)


def decision_detail(request, case_pk, pk):
    """GET: the decision with its draft, consultation and letters. POST:
    save the edited reasons (or kind) of a decision that is not final."""
    case = staff_case_or_404(request, case_pk)
    decision = _decision_or_404(case, pk)
    if request.method != "POST":
        log_access(request, AccessLogEntry.Action.VIEW_CASE, case=case)
        return _render_decision(request, case, decision)
    _may_decide_or_403(request, decision)
    form = ReasonForm(request.POST, case=case, decision=decision)
    if not form.is_valid():
        return _render_decision(request, case, decision, {"reason_form": form}, status=400)
    try:
        services.update_draft(decision, request.user, reason=form.cleaned_data["reason"],
                              kind=form.cleaned_data["kind"], expected_version=form.cleaned_data["version"])
    except StaleCase as exc:
        _refused(request, exc)
    except TransitionError as exc:
        _refused(request, exc)
        return _render_decision(request, case, decision, {"reason_form": form}, status=400)
    else:
        messages.success(request, _("The draft has been saved."))
    return HttpResponseRedirect(decision_url(decision))


@require_POST
def send_consultation(request, case_pk, pk):
    case = staff_case_or_404(request, case_pk)
    decision = _decision_or_404(case, pk)
    _may_decide_or_403(request, decision)
    form = ConsultationForm(request.POST, case=case)
    if not form.is_valid():
        return _render_decision(request, case, decision, {"consultation_form": form}, status=400)
    chosen = form.cleaned_data["deadline"]
    try:
        services.send_for_consultation(decision, request.user, deadline=chosen,
                                       expected_version=form.cleaned_data["version"])
    except TransitionError as exc:
        _refused(request, exc)
        return HttpResponseRedirect(decision_url(decision))
    text = _("The draft has been sent to the citizen, who can comment on My page until %(date)s.")
    if decision.consultation_deadline != chosen:
        # The law moves a deadline off a weekend or holiday; staff should know the date the letter gives.
        text = _("%(chosen)s is not a working day, so the deadline is the next working day. The draft has "
                 "been sent to the citizen, who can comment on My page until %(date)s.")
    messages.success(request, text % {"date": formats.date_format(decision.consultation_deadline),
                                      "chosen": formats.date_format(chosen)})
    return HttpResponseRedirect(case_url(case, "decisions"))


@require_POST
def finalise(request, case_pk, pk):
    case = staff_case_or_404(request, case_pk)
    decision = _decision_or_404(case, pk)
    _may_decide_or_403(request, decision)
    form = FinaliseForm(request.POST, case=case, needs_waiver=services.needs_consultation(decision))
    if not form.is_valid():
        return _render_decision(request, case, decision, {"finalise_form": form}, status=400)
    try:
        services.finalise_decision(
            decision, request.user, expected_version=form.cleaned_data["version"],
            consultation_waived_reason=form.cleaned_data.get("consultation_waived_reason", ""))
    except StaleCase as exc:
        _refused(request, exc)
        return HttpResponseRedirect(decision_url(decision))
    except TransitionError as exc:
        waiver_field = "consultation_waived_reason" in form.fields
        if getattr(exc, "code", "") == "consultation_required" and waiver_field:
            form.add_error("consultation_waived_reason", exc.message)
        else:
            _refused(request, exc)
        return _render_decision(request, case, decision, {"finalise_form": form}, status=400)
    messages.success(request, _("The decision is final. The letter is on the case and on the citizen's My "
                                "page, and the citizen has been told by e-mail."))
    return HttpResponseRedirect(case_url(case, "decisions"))


@require_POST
def discard(request, case_pk, pk):
    case = staff_case_or_404(request, case_pk)
    decision = _decision_or_404(case, pk)
    _may_decide_or_403(request, decision)
    form = CaseVersionForm(request.POST, case=case)
    if not form.is_valid():
        return HttpResponseRedirect(decision_url(decision))
    try:
        services.discard_draft(decision, request.user, expected_version=form.cleaned_data["version"])
    except TransitionError as exc:
        _refused(request, exc)
        return HttpResponseRedirect(decision_url(decision))
    messages.success(request, _("The draft decision has been deleted."))
    return HttpResponseRedirect(case_url(case, "decisions"))

