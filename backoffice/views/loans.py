"""The loan for staff: record the granted loan, ask for and approve payouts,
record repayments, write off, correct, and import the finance system's CSV.
Thin views: the services in ``services.loans`` check, save and audit.

The forms sit in the loan section of the case page; each view takes a POST
and returns to that section with a message saying what happened or why not."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from ..forms import CaseVersionForm
from ..ledger_import import ImportRefused, import_payments, parse_amount_ore
from ..models import Case, Decision, DecisionKind, Disbursement, LedgerEntry, Loan, Municipality
from ..services import loans
from ..tenancy import municipality_of
from .actions import run_section_action
from .access import staff_case_or_404

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


# --- Forms ----------------------------------------------------------------------------------------


class AmountField(forms.CharField):
    """Kroner as staff type them ("40.000", "1.234,50" or "1234.50"), cleaned to øre."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            ore = parse_amount_ore(value)
        except ValueError as exc:
            raise forms.ValidationError(_("Write the amount in kroner, e.g. 1.234,50.")) from exc
        if ore <= 0:
            raise forms.ValidationError(_("The amount must be more than 0 kr."))
        return ore


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GrantForm(CaseVersionForm):
    amount = AmountField(label=gettext_lazy("Loan amount (kr.)"))
    grace_months = forms.IntegerField(label=gettext_lazy("Months before the first repayment"), min_value=0,
                                      max_value=120)
    repayment_months = forms.IntegerField(label=gettext_lazy("Repayment period (months)"), min_value=1,
                                          max_value=loans.MAX_REPAYMENT_MONTHS)


class DisbursementForm(CaseVersionForm):
    amount = AmountField(label=gettext_lazy("Amount to pay out (kr.)"))


class ApproveForm(CaseVersionForm):
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=_date_widget())


class PaymentForm(CaseVersionForm):
    amount = AmountField(label=gettext_lazy("Amount paid (kr.)"))
    booked_on = forms.DateField(label=gettext_lazy("Paid on"), widget=_date_widget())
    external_reference = forms.CharField(
        label=gettext_lazy("Transaction id (optional)"), required=False, max_length=100,
        help_text=gettext_lazy("The finance system's id of the payment, so it is not booked twice."))


class WriteOffForm(CaseVersionForm):
    amount = AmountField(label=gettext_lazy("Amount to write off (kr.)"))
    decision = forms.ModelChoiceField(label=gettext_lazy("Decision"), queryset=Decision.objects.none())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=loans.REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["decision"].queryset = Decision.objects.filter(
            case=case, kind=DecisionKind.WRITE_OFF_LOAN, status=Decision.Status.FINAL)


class CorrectionForm(CaseVersionForm):
    reason = forms.CharField(label=gettext_lazy("Why is the entry wrong?"),
                             max_length=loans.REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file from the finance system"))
    municipality = forms.ModelChoiceField(label=gettext_lazy("Municipality"),
                                          queryset=Municipality.objects.all(), required=False)


# --- Helpers --------------------------------------------------------------------------------------


def _case(request, pk, permission):
    """The case through the one access check; a role without the permission
    at all gets 403 whatever the case."""
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return staff_case_or_404(request, pk, permission=permission,
                             queryset=Case.objects.select_related("municipality"))


def _loan(case):
    loan = Loan.objects.filter(case=case).first()
    if loan is None:
        raise Http404("No loan")
    loan.case = case
    return loan


def case_url(case):
    return reverse("backoffice:case", args=[case.pk]) + "#loan-section"


def _handle(request, case, form, action, success):
    return run_section_action(request, form, action, success, case_url(case))


# --- Views ----------------------------------------------------------------------------------------


@require_POST
def grant(request, case_pk):
    case = _case(request, case_pk, loans.DECIDE_PERMISSION)
    return _handle(request, case, GrantForm(request.POST, case=case), lambda data: loans.grant_loan(
        case, request.user, amount_ore=data["amount"], grace_months=data["grace_months"],
        repayment_months=data["repayment_months"], expected_version=data["version"]),
        _("The loan and its repayment plan have been recorded."))


@require_POST
def disbursement_request(request, case_pk):
    case = _case(request, case_pk, loans.MANAGE_PERMISSION)
    loan = _loan(case)
    form = DisbursementForm(request.POST, case=case)
    return _handle(request, case, form, lambda data: loans.request_disbursement(
        loan, request.user, amount_ore=data["amount"], expected_version=data["version"]),
        _("The payout has been requested. Another person must approve it."))


def _disbursement(case, pk):
    disbursement = Disbursement.objects.filter(pk=pk, loan__case=case).select_related("loan").first()
    if disbursement is None:
        raise Http404("No such payout")
    disbursement.loan.case = case
    return disbursement


@require_POST
def disbursement_approve(request, case_pk, pk):
    case = _case(request, case_pk, loans.MANAGE_PERMISSION)
    disbursement = _disbursement(case, pk)
    form = ApproveForm(request.POST, case=case)
    return _handle(request, case, form, lambda data: loans.approve_disbursement(
        disbursement, request.user, paid_on=data["paid_on"], expected_version=data["version"]),
        _("The payout has been approved and booked."))


@require_POST
def disbursement_cancel(request, case_pk, pk):
    case = _case(request, case_pk, loans.MANAGE_PERMISSION)
    disbursement = _disbursement(case, pk)
    form = CaseVersionForm(request.POST, case=case)
    return _handle(request, case, form, lambda data: loans.cancel_disbursement(
        disbursement, request.user, expected_version=data["version"]),
        _("The payout request has been cancelled."))


@require_POST
def payment(request, case_pk):
    case = _case(request, case_pk, loans.MANAGE_PERMISSION)
    loan = _loan(case)
    return _handle(request, case, PaymentForm(request.POST, case=case), lambda data: loans.record_payment(
        loan, request.user, amount_ore=data["amount"], booked_on=data["booked_on"],
        external_reference=data["external_reference"], expected_version=data["version"]),
        _("The payment has been recorded."))


@require_POST
def write_off(request, case_pk):
    case = _case(request, case_pk, loans.DECIDE_PERMISSION)
    if not request.user.has_perm(loans.MANAGE_PERMISSION):
        raise PermissionDenied
    loan = _loan(case)
    return _handle(request, case, WriteOffForm(request.POST, case=case), lambda data: loans.write_off(
        loan, request.user, amount_ore=data["amount"], reason=data["reason"], decision=data["decision"],
        expected_version=data["version"]), _("The amount has been written off."))


@require_POST
def correct(request, case_pk, pk):
    case = _case(request, case_pk, loans.MANAGE_PERMISSION)
    entry = LedgerEntry.objects.filter(pk=pk, loan__case=case).select_related("loan").first()
    if entry is None:
        raise Http404("No such entry")
    entry.loan.case = case
    return _handle(request, case, CorrectionForm(request.POST, case=case), lambda data: loans.correct_entry(
        entry, request.user, data["reason"], expected_version=data["version"]),
        _("The entry has been reversed by a correcting entry. Record the right amount if needed."))


@never_cache
def import_file(request):
    """Upload the finance system's CSV of repayments (coordinators)."""
    if not request.user.has_perm(loans.MANAGE_PERMISSION):
        raise PermissionDenied
    own = municipality_of(request.user)
    if own is None and not request.user.is_superuser:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if own is not None:
        del form.fields["municipality"]
    errors, result = [], None
    if request.method == "POST" and form.is_valid():
        place = own or form.cleaned_data.get("municipality")
        upload = form.cleaned_data["file"]
        if place is None:
            form.add_error("municipality", _("Choose the municipality."))
        elif upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("The file is too large."))
        else:
            try:
                result = import_payments(upload.read(), place, request.user)
            except ImportRefused as refused:
                errors = refused.errors
            else:
                messages.success(request, _("%(new)s payments recorded, %(old)s were already recorded.")
                                 % {"new": result.new, "old": result.already_recorded})
    return render(request, "backoffice/loans/import.html", {
        "form": form, "errors": errors, "result": result,
        "page_title": _("Import payments"),
        "breadcrumbs_items": [{"url": reverse("wagtailadmin_home"), "label": _("Home")},
                              {"url": "", "label": _("Import payments")}],
        "today": timezone.localdate(),
    }, status=400 if errors or form.errors else 200)
