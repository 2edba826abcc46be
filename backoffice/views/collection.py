"""Collection for staff: deferral and rescheduling from the loan section of
the case page, the claim's status after handover, and the collection screen
(loans in arrears with their stage; hand the ready ones over to
Gældsstyrelsen as a CSV file). Thin views: ``services.collection`` checks,
saves and audits."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from .. import panels, selectors_collection
from ..forms import CaseVersionForm
from ..models import AccessLogEntry, ClaimHandover, Decision, DecisionKind, RepaymentInstalment
from ..services import collection
from ..services import loans as loan_services
from ..services.transitions import TransitionError
from ..statistics.exports import attachment, csv_text
from ..tenancy import cases_for_staff
from .access import log_access
from .actions import run_section_action
from .loans import _case, _date_widget, _loan, case_url

HANDOVER_CONTENT_TYPE = "text/csv; charset=utf-8"


class _DecisionForm(CaseVersionForm):
    kind = None
    decision = forms.ModelChoiceField(label=gettext_lazy("Decision"), queryset=Decision.objects.none())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=loan_services.REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["decision"].queryset = Decision.objects.filter(case=case, kind=self.kind,
                                                                   status=Decision.Status.FINAL)


class DeferralForm(_DecisionForm):
    kind = DecisionKind.DEFER_LOAN
    instalments = forms.ModelMultipleChoiceField(label=gettext_lazy("Instalments to defer"),
                                                 queryset=RepaymentInstalment.objects.none())
    until = forms.DateField(label=gettext_lazy("Deferred until"), widget=_date_widget())

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["instalments"].queryset = RepaymentInstalment.objects.filter(
            loan__case=case, replaced_by__isnull=True)


class ReschedulingForm(_DecisionForm):
    kind = DecisionKind.RESCHEDULE_LOAN
    months = forms.IntegerField(label=gettext_lazy("Number of monthly instalments"), min_value=1,
                                max_value=loan_services.MAX_REPAYMENT_MONTHS)
    first_due_on = forms.DateField(label=gettext_lazy("First new due date"), widget=_date_widget())


class ClaimStatusForm(CaseVersionForm):
    status = forms.ChoiceField(label=gettext_lazy("New status"), choices=ClaimHandover.Status.choices)
    on = forms.DateField(label=gettext_lazy("Date"), widget=_date_widget())
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=500, required=False)


def _change_permissions(request, case_pk):
    case = _case(request, case_pk, loan_services.DECIDE_PERMISSION)
    if not request.user.has_perm(loan_services.MANAGE_PERMISSION):
        raise PermissionDenied
    return case, _loan(case)


@require_POST
def defer(request, case_pk):
    case, loan = _change_permissions(request, case_pk)
    return run_section_action(request, DeferralForm(request.POST, case=case), lambda data: collection.defer(
        loan, request.user, decision=data["decision"], reason=data["reason"],
        instalment_ids=[row.pk for row in data["instalments"]], until=data["until"],
        expected_version=data["version"]),
        _("The instalments have been deferred. No reminders are sent until the deferral ends."), case_url(case))


@require_POST
def reschedule(request, case_pk):
    case, loan = _change_permissions(request, case_pk)
    return run_section_action(request, ReschedulingForm(request.POST, case=case), lambda data: collection.reschedule(
        loan, request.user, decision=data["decision"], reason=data["reason"], months=data["months"],
        first_due_on=data["first_due_on"], expected_version=data["version"]),
        _("The new repayment plan has been recorded. What is owed is unchanged."), case_url(case))


def _handover(case, pk):
    handover = ClaimHandover.objects.filter(pk=pk, loan__case=case).select_related("loan").first()
    if handover is None:
        raise Http404("No such claim")
    handover.loan.case = case
    return handover


@require_POST
def claim_status(request, case_pk, pk):
    case = _case(request, case_pk, loan_services.MANAGE_PERMISSION)
    handover = _handover(case, pk)
    return run_section_action(request, ClaimStatusForm(request.POST, case=case), lambda data: collection.set_claim_status(
        handover, request.user, status=data["status"], on=data["on"], note=data["note"]),
        _("The claim's status has been recorded."), case_url(case))


def _handover_file(request, handovers):
    """The CSV for Gældsstyrelsen; it holds CPR numbers, so each case's
    download is in the access log."""
    for handover in handovers:
        log_access(request, AccessLogEntry.Action.EXPORT, case=handover.loan.case)
    content = "\ufeff" + csv_text(collection.HANDOVER_COLUMNS, collection.handover_rows(handovers))
    name = f"overdragelse-gaeldsstyrelsen-{handovers[0].handed_over_on.isoformat()}"
    if len(handovers) == 1:
        name += f"-{handovers[0].loan.case.reference}"
    return attachment(content.encode("utf-8"), f"{name}.csv", HANDOVER_CONTENT_TYPE)


@never_cache
def handover_download(request, case_pk, pk):
    """An earlier handover's file again, with the figures as handed over."""
    case = _case(request, case_pk, loan_services.MANAGE_PERMISSION)
    return _handover_file(request, [_handover(case, pk)])


@never_cache
def overview(request):
    """The collection screen: the own municipality's loans in arrears with
    their collection stage; the ones ready are handed over in one file."""
    if not request.user.has_perm(loan_services.MANAGE_PERMISSION):
        raise PermissionDenied
    today = timezone.localdate()
    loans = selectors_collection.annotate_stage(panels.loans_in_arrears(request.user, today), today)
    if request.method == "POST":
        wanted = {int(pk) for pk in request.POST.getlist("loan") if pk.isdigit()}
        chosen = list(loans.filter(pk__in=wanted).select_related("case__municipality"))
        if not wanted or len(chosen) != len(wanted):
            raise Http404("No such loan")  # another municipality's, or not in arrears
        try:
            handovers = collection.hand_over(chosen, request.user, today=today)
        except TransitionError as refused:
            messages.error(request, str(refused.message))
            return HttpResponseRedirect(reverse("backoffice:collection"))
        return _handover_file(request, handovers)
    rows = list(loans.select_related("case").order_by("oldest_due", "pk"))
    for loan in rows:
        loan.days_past_due = (today - loan.oldest_due).days
        loan.arrears_kr = loan_services.kroner(loan.arrears_ore)
        loan.stage_label = selectors_collection.stage_label(loan)
        loan.ready = selectors_collection.is_ready(loan, today)
    handed = list(ClaimHandover.objects.filter(loan__case__in=cases_for_staff(request.user))
                  .select_related("loan__case").order_by("-handed_over_on", "-id")[:100])
    for handover in handed:
        handover.total_kr = loan_services.kroner(handover.total_ore)
    return render(request, "backoffice/loans/collection.html", {
        "rows": rows, "handovers": handed, "any_ready": any(loan.ready for loan in rows),
        "page_title": _("Collection"),
        "breadcrumbs_items": [{"url": reverse("wagtailadmin_home"), "label": _("Home")},
                              {"url": "", "label": _("Collection")}],
    })

