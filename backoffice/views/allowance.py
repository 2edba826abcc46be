"""The subsistence allowance for staff: record the granted allowance and the
payment for each month — requested by one person, approved by another (four
eyes), or a request cancelled. Thin views: ``services.allowance`` checks,
saves and audits. The forms sit in the allowance section of the case page;
each view takes a POST and returns to that section with a message. The
payment view takes ``action`` = ``request`` (the default), ``approve`` or
``cancel`` (the last two with ``payment``, the request's id)."""

import datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ..forms import CaseVersionForm
from ..models import Allowance, AllowancePayment, Case
from ..services import allowance as allowance_services
from .actions import run_section_action
from .access import staff_case_or_404
from .loans import AmountField


class MonthField(forms.CharField):
    """A month as a month picker sends it ("2026-03") or as a date
    ("2026-03-01"), cleaned to a date. The service checks it is the 1st."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        try:
            if len(value) == 7:
                return datetime.date.fromisoformat(f"{value}-01")
            return datetime.date.fromisoformat(value)
        except ValueError as exc:
            raise forms.ValidationError(_("Choose a month.")) from exc


class GrantForm(CaseVersionForm):
    monthly_amount = AmountField(label=gettext_lazy("Monthly amount (kr.)"))
    months = forms.IntegerField(label=gettext_lazy("Number of months"), min_value=1, max_value=120)
    starts_on = MonthField(label=gettext_lazy("First month"))


class PaymentForm(CaseVersionForm):
    month = MonthField(label=gettext_lazy("Month"))
    amount = AmountField(label=gettext_lazy("Amount to pay (kr.)"))


class ApproveForm(CaseVersionForm):
    payment = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"))


class CancelForm(CaseVersionForm):
    payment = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _case(request, pk, permission):
    """The case through the one access check; a role without the permission
    at all gets 403 whatever the case."""
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return staff_case_or_404(request, pk, permission=permission,
                             queryset=Case.objects.select_related("municipality"))


def case_url(case):
    return reverse("backoffice:case", args=[case.pk]) + "#allowance-section"


def _handle(request, case, form, action, success):
    return run_section_action(request, form, action, success, case_url(case))


@require_POST
def grant(request, case_pk):
    case = _case(request, case_pk, allowance_services.DECIDE_PERMISSION)
    return _handle(request, case, GrantForm(request.POST, case=case), lambda data: (
        allowance_services.grant_allowance(
            case, request.user, monthly_amount_ore=data["monthly_amount"], months=data["months"],
            starts_on=data["starts_on"], expected_version=data["version"])),
        _("The subsistence allowance has been recorded."))


@require_POST
def payment(request, case_pk):
    case = _case(request, case_pk, allowance_services.MANAGE_PERMISSION)
    allowance = Allowance.objects.filter(case=case).first()
    if allowance is None:
        raise Http404("No allowance")
    allowance.case = case
    action = request.POST.get("action", "request")
    if action == "request":
        return _handle(request, case, PaymentForm(request.POST, case=case), lambda data: (
            allowance_services.request_allowance_payment(
                allowance, request.user, month=data["month"], amount_ore=data["amount"],
                expected_version=data["version"])),
            _("The allowance payment has been recorded. Another person must approve it before it is paid."))
    if action not in ("approve", "cancel"):
        raise Http404("Unknown action")

    def run(data):
        payment = AllowancePayment.objects.filter(pk=data["payment"], allowance=allowance).first()
        if payment is None:
            raise Http404("No such payment")
        payment.allowance = allowance
        if action == "approve":
            return allowance_services.approve_allowance_payment(
                payment, request.user, paid_on=data["paid_on"], expected_version=data["version"])
        return allowance_services.cancel_allowance_payment(payment, request.user,
                                                           expected_version=data["version"])

    if action == "approve":
        return _handle(request, case, ApproveForm(request.POST, case=case), run,
                       _("The allowance payment has been approved."))
    return _handle(request, case, CancelForm(request.POST, case=case), run,
                   _("The allowance payment request has been cancelled."))
