"""My page: the citizen complains about a final decision, and follows the
complaint.

Access as everywhere on My page: the case is looked up with the logged-in
citizen AND the site's municipality, so anybody else gets a 404. The form
carries a submission key, so a form sent twice (a double click, a reload)
stores one complaint. A file that is refused keeps what the citizen wrote.
The write goes through ``backoffice.services.appeals.lodge_appeal``."""

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from backoffice import selectors
from backoffice.deadlines import appeal_deadline
from backoffice.models import Decision
from backoffice.selectors_appeals import appealable_decision_for_citizen, appeals_by_decision
from backoffice.services import appeals as services
from backoffice.services.citizen import ANSWER_MAX_LENGTH, CitizenActionRefused
from backoffice.upload_handlers import install_upload_limits, upload_errors
from backoffice.uploads import UploadRejected, allowed_kinds, validate_upload

from .my_page import _accept, _own_case, _remaining_quota
from .my_page_forms import MultipleFileInput


class AppealForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("What do you disagree with?"),
        required=False,
        max_length=ANSWER_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Write in your own words why you think the decision is wrong. You do not need to refer to "
            "rules."),
        error_messages={"max_length": gettext_lazy(
            "Your complaint can be at most %(limit_value)d characters. It is %(show_value)d characters now. "
            "Make it shorter, or send the rest as a file.")},
    )
    files = forms.FileField(
        label=gettext_lazy("Files"), required=False, widget=MultipleFileInput,
        help_text=gettext_lazy("If you have documents that show we are wrong, choose them here."),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, accept="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["accept"] = accept

    def check_not_empty(self, has_files):
        if not self.errors.get("text") and not self.cleaned_data.get("text") and not has_files:
            self.add_error("text", _("Write what you disagree with, or choose a file."))


@never_cache
@csrf_exempt
def appeal(request, reference, pk):
    """GET: the form, or the complaint already sent and how far it is.
    POST: text and files. CSRF is checked in ``_appeal`` once the
    streaming upload limits are in place (backoffice.upload_handlers)."""
    case = _own_case(request, reference)
    try:
        decision = appealable_decision_for_citizen(case, pk)
    except Decision.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        install_upload_limits(request, max_total_bytes=_remaining_quota(case))
    return _appeal(request, case, decision)


@csrf_protect
def _appeal(request, case, decision):
    existing = appeals_by_decision([decision]).get(decision.pk)
    can_lodge = existing is None and selectors.accepts_messages(case)
    if request.method != "POST" or not can_lodge:
        if request.method == "POST":
            if existing is not None and str(existing.submission_key) == request.POST.get("submission_key"):
                return redirect(_case_url(case, decision))  # the same form sent twice
            messages.info(request, _("We have already received a complaint about this decision."))
            return redirect(request.path)
        form = AppealForm(initial={"submission_key": uuid.uuid4()}, accept=_accept())
        return _render(request, case, decision, form, existing, can_lodge)

    form = AppealForm(request.POST, accept=_accept())
    form.is_valid()
    dropped = upload_errors(request)
    for error in dropped:
        form.add_error("files", error)
    files = request.FILES.getlist("files")
    if "text" in form.cleaned_data:
        form.check_not_empty(bool(files) or bool(dropped))
    validated, used = [], selectors.used_upload_bytes(case)
    for uploaded in files:
        try:
            upload = validate_upload(uploaded, already_used_bytes=used)
        except UploadRejected as error:
            form.add_error("files", error)
        else:
            used += upload.size
            validated.append(upload)
    if not form.errors:
        try:
            services.lodge_appeal(decision, request.user, text=form.cleaned_data["text"], uploads=validated,
                                  submission_key=form.cleaned_data["submission_key"])
        except CitizenActionRefused as refused:
            form.add_error(None, refused.message)
        except PermissionError:
            raise Http404 from None
        else:
            messages.success(request, _("Thank you. We have received your complaint. We will look at the "
                                        "decision again and write to you."))
            return redirect(_case_url(case, decision))
    # Nothing was stored; what was typed is still in the form.
    return _render(request, case, decision, form, None, can_lodge, files_not_sent=bool(files or dropped),
                   status=400)


def _case_url(case, decision):
    return reverse("my_page_case", kwargs={"reference": case.reference}) + f"#appeal-{decision.pk}"


def _render(request, case, decision, form, existing, can_lodge, *, files_not_sent=False, status=200):
    return render(request, "portal/my_page/appeal.html", {
        "case": case,
        "decision": decision,
        "decision_title": selectors.DECISION_TITLES.get(decision.kind, decision.get_kind_display()),
        "appeal_deadline": appeal_deadline(decision),
        "appeal": existing,
        "form": form,
        "can_lodge": can_lodge,
        "files_not_sent": files_not_sent,
        "allowed_kinds": allowed_kinds(),
        "max_file_bytes": settings.UPLOAD_MAX_FILE_BYTES,
        "left_bytes": _remaining_quota(case),
    }, status=status)
