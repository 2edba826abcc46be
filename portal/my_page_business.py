"""My page for the business set-up and the monthly report: the citizen
registers the business and its business bank account (with the bank's
confirmation) once the loan is granted, and reports each month once the
business has started. Thin views: ``backoffice.services.business`` and
``backoffice.services.followup`` check, save, audit and tell staff.

Access as on the rest of My page: the case is looked up with the logged-in
citizen and the site's municipality, so anybody else gets a 404."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from backoffice import selectors
from backoffice.models import Business, BusinessAccount, SelfReport
from backoffice.services import business as services
from backoffice.services import followup
from backoffice.upload_handlers import install_upload_limits, upload_errors
from backoffice.uploads import UploadRejected, allowed_kinds, validate_upload

from .my_page import _accept, _case_url, _own_case, _remaining_quota
from .my_page_business_forms import (
    BusinessAccountForm,
    BusinessForm,
    SelfReportForm,
    default_report_month,
    from_ore,
)


def _business_of(case):
    return Business.objects.filter(case=case).select_related("bank_account__proof").first()


def _account_of(business):
    if business is None:
        return None
    try:
        return business.bank_account
    except BusinessAccount.DoesNotExist:
        return None


def _add_service_errors(form, error):
    for field, errors in error.message_dict.items():
        field = {"fees_paid_ore": "fees_paid"}.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


def _business_initial(business):
    if business is None:
        return {}
    return {"name": business.name, "cvr_number": business.cvr_number, "industry": business.industry,
            "started_on": business.started_on}


def _account_initial(account):
    if account is None:
        return {}
    return {"bank_name": account.bank_name, "requested_on": account.requested_on,
            "opened_on": account.opened_on,
            "registration_number": account.registration_number, "account_number": account.account_number,
            "fees_paid": from_ore(account.fees_paid_ore) or None, "notes": account.notes}


def _render(request, case, *, business_form=None, account_form=None, files_not_sent=False, status=200):
    business = _business_of(case)
    account = _account_of(business)
    return render(request, "portal/my_page/business.html", {
        "case": case, "business": business, "account": account,
        "can_register": case.status in services.SETUP_STATUSES,
        "can_change_business": case.status in services.BUSINESS_STATUSES,
        "business_form": business_form or BusinessForm(initial=_business_initial(business)),
        "account_form": account_form or BusinessAccountForm(initial=_account_initial(account),
                                                            accept=_accept()),
        "files_not_sent": files_not_sent,
        "allowed_kinds": allowed_kinds(), "max_file_bytes": settings.UPLOAD_MAX_FILE_BYTES,
        "left_bytes": _remaining_quota(case),
    }, status=status)


@never_cache
def business(request, reference):
    """GET: the business and the account, with forms while the set-up is
    open. POST: the business's details."""
    case = _own_case(request, reference)
    if request.method != "POST":
        return _render(request, case)
    form = BusinessForm(request.POST)
    if form.is_valid():
        try:
            services.register_business(case, request.user, form.service_data())
        except ValidationError as error:
            _add_service_errors(form, error)
        except services.BusinessRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Your business is registered. We have told your caseworker."))
            return redirect(request.path)
    return _render(request, case, business_form=form)


@never_cache
@csrf_exempt
def business_account(request, reference):
    """POST: the account and the bank's confirmation. CSRF is checked in
    ``_business_account`` once the streaming upload limits are in place."""
    case = _own_case(request, reference)
    if request.method != "POST":
        return redirect("my_page_business", reference=case.reference)
    install_upload_limits(request, max_total_bytes=_remaining_quota(case))
    return _business_account(request, case)


@csrf_protect
def _business_account(request, case):
    form = BusinessAccountForm(request.POST, accept=_accept())
    form.is_valid()
    dropped = upload_errors(request)  # a file too large, dropped while streaming
    for error in dropped:
        form.add_error("proof", error)
    files = request.FILES.getlist("proof")
    upload = None
    if files:
        try:
            upload = validate_upload(files[0], already_used_bytes=selectors.used_upload_bytes(case))
        except UploadRejected as error:
            form.add_error("proof", error)
    if not form.errors:
        try:
            services.register_business_account(case, request.user, form.service_data(), upload)
        except ValidationError as error:
            _add_service_errors(form, error)
        except services.BusinessRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Your business bank account is registered. We check it against the "
                                        "bank's confirmation before we pay the loan."))
            return redirect("my_page_business", reference=case.reference)
    # Nothing was stored; what was typed is still in the form.
    return _render(request, case, account_form=form, files_not_sent=bool(files or dropped))


@never_cache
def self_report(request, reference):
    """GET: the form and the reports given. POST: a month's report."""
    case = _own_case(request, reference)
    business = Business.objects.filter(case=case).first()
    can_report = (case.status in followup.SELF_REPORT_STATUSES and business is not None
                  and business.started_on is not None)
    today = timezone.localdate()
    form = SelfReportForm(request.POST or None, initial={"month": default_report_month(today)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _report, created = followup.submit_self_report(case, request.user, **form.service_kwargs())
            except ValidationError as error:
                _add_service_errors(form, error)
            except services.BusinessRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Thank you for your report.") if created
                                 else _("Your report for the month has been updated."))
                return redirect(_case_url(case, "business"))
        status = 200
    reports = list(SelfReport.objects.filter(case=case).order_by("-month"))
    for item in reports:
        item.revenue_dkk = from_ore(item.revenue_ore)
        item.small_jobs_income_dkk = from_ore(item.small_jobs_income_ore)
    return render(request, "portal/my_page/self_report.html", {
        "case": case, "form": form, "can_report": can_report, "reports": reports,
    }, status=status)
