"""Staff screens for the business set-up: verify the citizen's business
bank account against the bank's proof, and the list of cases still waiting
for an account (the trial's main barrier), oldest first. Thin views: the
service ``services.business`` checks, saves and audits."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from wagtail.admin import messages

from ..forms import CaseVersionForm
from ..models import BusinessAccount
from ..services import business as services
from ..services.transitions import TransitionError
from .access import staff_case_or_404

PER_PAGE = 50


def case_url(case, anchor="business-section"):
    return reverse("backoffice:case", args=[case.pk]) + f"#{anchor}"


@never_cache
def verify_account(request, case_pk):
    """POST: the staff member has checked the account against the proof."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case = staff_case_or_404(request, case_pk, permission=services.VERIFY_PERMISSION)
    account = BusinessAccount.objects.select_related("business").filter(business__case=case).first()
    if account is None:
        messages.error(request, _("The citizen has not registered a business bank account yet."))
        return HttpResponseRedirect(case_url(case))
    account.business.case = case
    form = CaseVersionForm(request.POST, case=case)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete. Reload the page and try again."))
        return HttpResponseRedirect(case_url(case))
    try:
        services.verify_business_account(
            account, request.user, expected_version=form.cleaned_data["version"],
            # The service refuses without it when the CVR register disagrees.
            confirmed_register_warnings=request.POST.get("confirm_register_warnings") == "1")
    except TransitionError as error:  # stale page, no proof, already verified
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The business bank account is verified. The loan can be paid into it."))
    return HttpResponseRedirect(case_url(case))


@never_cache
def waiting_for_account(request):
    """Cases with a granted loan and no verified business account, with how
    long each has waited: since the loan grant and since the bank was asked."""
    if not request.user.has_perm("backoffice.view_case"):
        raise PermissionDenied
    waiting = services.cases_waiting_for_account(request.user)
    page = Paginator(waiting, PER_PAGE).get_page(request.GET.get("p"))
    return render(request, "backoffice/business/waiting.html", {
        "page": page, "total": len(waiting),
        "page_title": _("Waiting for a business account"),
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": "", "label": _("Waiting for a business account")},
        ],
    })
