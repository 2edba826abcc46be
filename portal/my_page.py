"""My page: the citizen's applications and cases. Thin views: reads come
from ``backoffice.selectors``, writes go through ``backoffice.services.citizen``.

Access: every case, document, request and message is looked up with the
logged-in citizen AND the current site's municipality, so anybody else –
another citizen, staff, an anonymous visitor – gets a 404 and learns nothing
about whether it exists. Only the overview and the data export send an
anonymous visitor to log in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from backoffice import selectors
from backoffice.downloads import private_file_response
from backoffice.models import Case, Document, InformationRequest
from backoffice.services import citizen as services
from backoffice.upload_handlers import install_upload_limits, upload_errors
from backoffice.uploads import UploadRejected, allowed_kinds, validate_upload

from .models import ApplicationDraft
from .my_page_forms import InformationAnswerForm, MessageForm
from .my_page_appeal_status import attach_appeals
from .selectors import municipality_or_404




def _own_case(request, reference):
    """The citizen's case on this site, or a 404 for everybody else
    (anonymous visitors included: no login redirect that confirms a URL)."""
    if not request.user.is_authenticated:
        raise Http404
    try:
        return selectors.case_for_citizen(request.user, municipality_or_404(request), reference)
    except Case.DoesNotExist:
        raise Http404 from None


def _own_request(request, case, pk):
    try:
        return selectors.information_request_for_citizen(case, pk)
    except InformationRequest.DoesNotExist:
        raise Http404 from None


def _case_url(case, anchor=""):
    url = reverse("my_page_case", kwargs={"reference": case.reference})
    return f"{url}#{anchor}" if anchor else url


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


# --- Overview -----------------------------------------------------------------------------------


@never_cache
@login_required
def overview(request):
    municipality = municipality_or_404(request)
    cases = selectors.cases_for_citizen(request.user, municipality)
    for case in cases:
        case.citizen_status = selectors.citizen_status(case.status)
    drafts = list(
        ApplicationDraft.objects.filter(
            citizen=request.user,
            municipality=municipality,
            status=ApplicationDraft.Status.DRAFT,
        ).order_by("-updated_at")
    )
    return render(request, "portal/my_page/overview.html", {"cases": cases, "drafts": drafts})


# --- One case -----------------------------------------------------------------------------------


def _render_case(request, case, message_form=None, status=200):
    detail = selectors.citizen_case_detail(case)
    attach_appeals(detail.decisions)
    response = render(
        request,
        "portal/my_page/case.html",
        {
            "case": case,
            "detail": detail,
            "message_form": message_form or MessageForm(),
        },
        status=status,
    )
    # Shown once as "new"; from now on they count as read.
    if detail.unread_messages:
        services.mark_messages_read_by_citizen(case, request.user)
    return response


@never_cache
def case_detail(request, reference):
    return _render_case(request, _own_case(request, reference))


@never_cache
def message(request, reference):
    """POST: a message to the caseworker. GET goes to the thread."""
    case = _own_case(request, reference)
    if request.method != "POST":
        return redirect(_case_url(case, "messages"))
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.send_citizen_message(case, request.user, form.cleaned_data["body"])
        except services.CitizenActionRefused as refused:
            form.add_error("body", refused.message)
        else:
            messages.success(
                request, _("Your message has been sent. We send you an e-mail when there is an answer.")
            )
            return redirect(_case_url(case, "messages"))
    return _render_case(request, case, message_form=form)


@never_cache
def case_document(request, pk):
    if not request.user.is_authenticated:
        raise Http404
    try:
        document = selectors.document_for_citizen(request.user, municipality_or_404(request), pk)
    except Document.DoesNotExist:
        raise Http404 from None
    response = private_file_response(
        document.file, document.original_name or document.get_kind_display(), document.content_type
    )
    services.record_citizen_download(request.user, document, ip=_client_ip(request))
    return response


# --- Requests for information -------------------------------------------------------------------


def _accept():
    return ",".join(f".{ext}" for kind in allowed_kinds() for ext in kind.extensions)


def _remaining_quota(case):
    return max(0, settings.UPLOAD_MAX_APPLICATION_BYTES - selectors.used_upload_bytes(case))


@never_cache
@csrf_exempt
def information_answer(request, reference, pk):
    """GET: the question and the answer form (or the answer given). POST:
    text and files. CSRF is checked in ``_information_answer`` once the
    streaming upload limits are in place (backoffice.upload_handlers)."""
    case = _own_case(request, reference)
    information_request = _own_request(request, case, pk)
    if request.method == "POST":
        install_upload_limits(request, max_total_bytes=_remaining_quota(case))
    return _information_answer(request, case, information_request)


@csrf_protect
def _information_answer(request, case, information_request):
    can_answer = information_request.is_open and selectors.accepts_answers(case)
    if request.method != "POST" or not can_answer:
        if request.method == "POST":
            messages.info(
                request,
                _("You have already answered these questions.")
                if not information_request.is_open
                else _("Your case is closed, so you cannot answer any more."),
            )
            return redirect(request.path)
        return _render_answer(
            request, case, information_request, InformationAnswerForm(accept=_accept()), can_answer
        )

    form = InformationAnswerForm(request.POST, accept=_accept())
    form.is_valid()
    dropped = upload_errors(request)  # files too large, dropped while streaming
    for error in dropped:
        form.add_error("files", error)
    files = request.FILES.getlist("files")
    form.check_not_empty(bool(files) or bool(dropped))
    validated = []
    used = selectors.used_upload_bytes(case)
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
            services.answer_information_request(
                information_request, request.user, form.cleaned_data["answer_text"], validated
            )
        except services.CitizenActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Thank you. We have received your answer."))
            return redirect(_case_url(case, "requests"))
    # Nothing was stored; what was typed is still in the form.
    return _render_answer(
        request, case, information_request, form, can_answer, files_not_sent=bool(files or dropped)
    )


def _render_answer(request, case, information_request, form, can_answer, files_not_sent=False):
    return render(
        request,
        "portal/my_page/information_answer.html",
        {
            "case": case,
            "information_request": information_request,
            "form": form,
            "can_answer": can_answer,
            "files_not_sent": files_not_sent,
            "allowed_kinds": allowed_kinds(),
            "max_file_bytes": settings.UPLOAD_MAX_FILE_BYTES,
            "left_bytes": _remaining_quota(case),
        },
    )


# --- Withdrawing --------------------------------------------------------------------------------


@never_cache
def withdraw(request, reference):
    case = _own_case(request, reference)
    if request.method == "POST":
        try:
            services.withdraw_case(case, request.user)
        except services.CitizenActionRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request, _("Your application has been withdrawn. You are welcome to apply again later.")
            )
        return redirect(_case_url(case))
    return render(
        request,
        "portal/my_page/withdraw.html",
        {
            "case": case,
            "can_withdraw": selectors.can_withdraw(case),
            "status": selectors.citizen_status(case.status),
        },
    )


# --- Everything about me ------------------------------------------------------------------------


@never_cache
@login_required
def export(request):
    """A zip of everything this municipality holds about the citizen."""
    municipality = municipality_or_404(request)
    drafts = (
        ApplicationDraft.objects.filter(citizen=request.user, municipality=municipality)
        .select_related("case")
        .prefetch_related("documents")
        .order_by("created_at")
    )
    exported = [
        services.ExportedDraft(
            id=str(draft.pk),
            status=draft.status,
            started_at=draft.created_at,
            last_saved_at=draft.updated_at,
            submitted_at=draft.submitted_at,
            answers=draft.answers,
            case_reference=draft.case.reference if draft.case else "",
            # A sent application's files became the case's documents (the same stored files).
            files=[]
            if draft.case
            else [
                services.ExportedFile(
                    kind=d.kind,
                    original_name=d.original_name,
                    content_type=d.content_type,
                    size=d.size,
                    uploaded_at=d.uploaded_at,
                    file=d.file,
                )
                for d in draft.documents.all()
                if d.scan_status != Document.ScanStatus.INFECTED
            ],
        )
        for draft in drafts
    ]
    result = services.export_citizen_data(request.user, municipality, drafts=exported, ip=_client_ip(request))
    response = FileResponse(
        result.file, as_attachment=True, filename=result.filename, content_type="application/zip"
    )
    response["Content-Length"] = str(result.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
