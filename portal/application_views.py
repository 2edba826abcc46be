"""The online application, step by step. Thin views: the rules are in
``portal.applications`` and the case is opened by the backoffice service.

Access: a draft is only ever looked up together with the logged-in citizen
and the current site's municipality, so anybody else gets a 404. Anonymous
visitors on a step are sent to log in (the same answer whether the draft
exists or not); an expired session on a POST keeps what was typed."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from backoffice.downloads import private_file_response
from backoffice.services.receipts import enqueue_application_receipt, find_receipt
from backoffice.upload_handlers import install_upload_limits, upload_errors
from backoffice.uploads import UploadRejected, allowed_kinds

from . import applications
from .application_forms import DocumentsForm
from .applications import STEPS, STEPS_BY_SLUG, IncompleteApplication
from .mitid.session import signed_in_identity
from .models import ApplicationDraft, DraftDocument
from .selectors import municipality_or_404
from .templatetags.portal_tags import dkk

logger = logging.getLogger(__name__)

RESUME_KEY = "application_resume"
# Fields never stashed across a login: the token is per session anyway.
_NOT_STASHED = {"csrfmiddlewaretoken", "action"}




def _own_draft(request, draft_id, status=ApplicationDraft.Status.DRAFT):
    if not request.user.is_authenticated:
        raise Http404
    draft = (ApplicationDraft.objects.select_related("municipality__loan_policy")
             .filter(pk=draft_id, citizen=request.user, municipality=municipality_or_404(request)).first())
    if draft is None or (status and draft.status != status):
        raise Http404
    return draft


def _step_url(draft, step):
    return reverse("application_step", args=[draft.pk, step.slug])


def _context(draft, step, **extra):
    documents = extra.pop("documents", None)
    if documents is None:
        documents = list(draft.documents.all())
    index = STEPS.index(step)
    progress = [
        {"step": s, "number": i + 1, "url": _step_url(draft, s), "current": s == step,
         "complete": s.is_complete(draft, documents) if s.slug != "review" else False}
        for i, s in enumerate(STEPS)
    ]
    return {"draft": draft, "step": step, "step_number": index + 1, "step_count": len(STEPS),
            "progress": progress, "previous": applications.previous_step(step), "documents": documents,
            **extra}


# --- Start ------------------------------------------------------------------------------------------


@never_cache
@login_required
def start(request):
    """GET: what the application asks for, and the citizen's unfinished
    drafts. POST: start a new draft (a double click reuses the one just made)."""
    municipality = municipality_or_404(request)
    drafts = list(ApplicationDraft.objects.filter(
        citizen=request.user, municipality=municipality, status=ApplicationDraft.Status.DRAFT))
    if request.method == "POST":
        fresh = next((d for d in drafts if not d.answers and not d.last_step), None)
        draft = fresh or ApplicationDraft.objects.create(citizen=request.user, municipality=municipality)
        return redirect(_step_url(draft, STEPS[0]))
    return render(request, "portal/application/start.html", {
        "drafts": drafts, "municipality": municipality, "loan_policy": municipality.loan_policy,
        "steps": STEPS, "allowed_kinds": allowed_kinds(),
    })


# --- Steps ------------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("cpr_number")
@csrf_exempt
def step(request, draft_id, step):
    """One step of the application. CSRF is checked in ``_step`` once the
    upload limits are in place (the documents step streams files)."""
    current = STEPS_BY_SLUG.get(step)
    if current is None:
        raise Http404
    if not request.user.is_authenticated:
        return _login_and_resume(request, draft_id, current)
    if current.slug == "documents" and request.method == "POST":
        install_upload_limits(request, max_total_bytes=_remaining_quota(request, draft_id))
    return _step(request, draft_id, current)


@csrf_protect
def _step(request, draft_id, current):
    draft = _draft_or_receipt(request, draft_id)
    if not isinstance(draft, ApplicationDraft):
        return draft
    applications.take_verified_identity(draft, signed_in_identity(request))
    if current.slug == "documents":
        return _documents_step(request, draft, current)
    if current.slug == "review":
        return _review_step(request, draft, current)
    return _form_step(request, draft, current)


def _draft_or_receipt(request, draft_id):
    """The citizen's open draft, or a redirect to the receipt when it has
    already been sent (the back button after submitting)."""
    draft = _own_draft(request, draft_id, status=None)
    if draft.status == ApplicationDraft.Status.SUBMITTED:
        return redirect("application_receipt", draft_id=draft.pk)
    return draft


def _remaining_quota(request, draft_id):
    draft = ApplicationDraft.objects.filter(pk=draft_id, citizen=request.user).first()
    return applications.remaining_upload_bytes(draft) if draft else 0


@csrf_protect
def _login_and_resume(request, draft_id, current):
    """The session has expired (or the citizen was never logged in). Keep a
    POST's answers in the new session and send them to log in; after login
    the step view finds them and puts them back (``_restore``)."""
    if request.method == "POST":
        data = {k: v for k, v in request.POST.lists() if k not in _NOT_STASHED}
        request.session[RESUME_KEY] = {"draft": str(draft_id), "step": current.slug, "data": data,
                                       "had_files": bool(request.FILES)}
        messages.info(request, _("You were logged out because you had not done anything for a while. "
                                 "Log in again, and you will come back to the same step with what you "
                                 "wrote."))
    return redirect_to_login(request.get_full_path())


def _restore(request, draft, current):
    """The answers kept over a login, if they belong to this draft and step."""
    stash = request.session.get(RESUME_KEY)
    if not stash or stash.get("draft") != str(draft.pk) or stash.get("step") != current.slug:
        return None
    del request.session[RESUME_KEY]
    data = QueryDict(mutable=True)
    for key, values in stash["data"].items():
        data.setlist(key, values)
    text = _("Welcome back. You are at the same step as before, and what you wrote has been kept.")
    if stash.get("had_files"):
        text += " " + _("Files you had chosen were not uploaded. Choose them again.")
    messages.info(request, text)
    return data


def _form_step(request, draft, current):
    data = request.POST if request.method == "POST" else _restore(request, draft, current)
    if data is None:
        form = current.form(draft)
        return render(request, "portal/application/step.html", _context(draft, current, form=form))

    form = current.form(draft, data=data)
    valid = form.is_valid()
    action = request.POST.get("action", "continue") if request.method == "POST" else "restore"
    following = applications.next_step(current)
    last_step = following.slug if valid and action == "continue" else current.slug
    draft.save_step(last_step, applications.raw_answers(form))

    if action == "back":
        return redirect(_step_url(draft, applications.previous_step(current) or current))
    if action == "save":
        return _saved_for_later(request)
    if valid and action == "continue":
        return redirect(_step_url(draft, following))
    return render(request, "portal/application/step.html", _context(draft, current, form=form))


def _saved_for_later(request):
    messages.success(request, _("Your application has been saved. You can continue from My page "
                                "whenever you like, also on another device."))
    return redirect("my_page")


def _documents_step(request, draft, current):
    accept = ",".join(f".{ext}" for kind in allowed_kinds() for ext in kind.extensions)
    if request.method != "POST":
        _restore(request, draft, current)  # only the message: files cannot be kept over a login
        form = DocumentsForm(accept=accept)
        documents = list(draft.documents.all())
        return render(request, "portal/application/documents.html", _context(
            draft, current, form=form, documents=documents, **_upload_context(draft, form, documents)))

    form = DocumentsForm(request.POST, accept=accept)
    form.is_valid()
    for error in upload_errors(request):  # files dropped while streaming (too large)
        form.add_error(error.field_name if error.field_name in form.fields else None, error)
    added = []
    for kind in DraftDocument.Kind.values:
        for uploaded in request.FILES.getlist(kind):
            try:
                added.append(applications.add_draft_document(draft, kind, uploaded))
            except UploadRejected as error:
                form.add_error(kind, error)
    if added:
        draft.save_step(current.slug, {})  # marks the draft as worked on now

    action = request.POST.get("action", "upload")
    if action.startswith("remove:"):
        document = draft.documents.filter(pk=action.partition(":")[2]).first()
        if document is not None:
            applications.remove_draft_document(document)
            messages.success(request, _("The file '%(name)s' has been removed.") % {"name": document.original_name})
        return redirect(_step_url(draft, current))
    documents = list(draft.documents.all())
    if not form.errors:
        if action == "back":
            return redirect(_step_url(draft, applications.previous_step(current)))
        if action == "save":
            return _saved_for_later(request)
        if action == "continue":
            if current.is_complete(draft, documents):
                draft.save_step(applications.next_step(current).slug, {})
                return redirect(_step_url(draft, applications.next_step(current)))
            kinds = {d.kind for d in documents}
            for kind in applications.REQUIRED_DOCUMENTS:
                if kind not in kinds:
                    form.add_error(kind, _MISSING[kind])
        if not form.errors:
            if added:
                messages.success(request, _n_uploaded(added))
            return redirect(_step_url(draft, current))
    return render(request, "portal/application/documents.html", _context(
        draft, current, form=form, documents=documents, added=added, **_upload_context(draft, form, documents)))


_MISSING = {
    DraftDocument.Kind.BUSINESS_PLAN: gettext_lazy("Upload your business plan. We need it to assess your application."),
    DraftDocument.Kind.BUDGET: gettext_lazy("Upload your budget. We need it to assess your application."),
}


def _n_uploaded(added):
    return ngettext("%(count)d file uploaded.", "%(count)d files uploaded.", len(added)) % {"count": len(added)}


def _upload_context(draft, form, documents):
    """The file inputs, each with the files already uploaded for it."""
    groups = [{"field": form[kind], "documents": [d for d in documents if d.kind == kind]}
              for kind in DraftDocument.Kind.values]
    return {"upload_groups": groups, **_upload_limits(draft)}


def _upload_limits(draft):
    used = applications.used_upload_bytes(draft)
    return {"max_file_bytes": settings.UPLOAD_MAX_FILE_BYTES, "max_total_bytes": settings.UPLOAD_MAX_APPLICATION_BYTES,
            "used_bytes": used, "left_bytes": max(0, settings.UPLOAD_MAX_APPLICATION_BYTES - used),
            "allowed_kinds": allowed_kinds()}


def _review_step(request, draft, current):
    documents = list(draft.documents.all())
    incomplete = [s for s in STEPS if s.slug != "review" and not s.is_complete(draft, documents)]
    return render(request, "portal/application/review.html", _context(
        draft, current, documents=documents, incomplete=incomplete,
        sections=_review_sections(draft)))


def _review_sections(draft):
    """The answers as the citizen will see them on the review page: labels
    from the forms, choices by name, CPR number masked."""
    sections = []
    for s in STEPS:
        if s.form_class is None:
            continue
        form = s.form(draft)
        rows = []
        if getattr(form, "verified_cpr", None):
            rows.append({"label": _("CPR number (from MitID)"), "value": form.cpr_masked, "id": "cpr_number"})
        for name, field in form.fields.items():
            if name in ("truthful", "consent"):
                continue
            value = draft.answers.get(name)
            if name == "cpr_number" and value:
                digits = str(value).replace("-", "")
                value = f"{digits[:6]}-****" if len(digits) == 10 else "****"
            elif hasattr(field, "choices") and value not in (None, ""):
                value = dict(field.choices).get(value, value)
            elif name.endswith("_dkk") and isinstance(value, int):
                value = dkk(value)
            rows.append({"label": field.label, "value": value, "id": name})
        sections.append({"step": s, "rows": rows})
    return [sec for sec in sections if sec["step"].slug != "declarations"]


# --- Submit and receipt -----------------------------------------------------------------------------


@never_cache
@require_POST
def submit(request, draft_id):
    draft = _own_draft(request, draft_id, status=None)
    try:
        case, created = applications.submit_draft(draft.pk, request.user)
    except IncompleteApplication as incomplete:
        messages.error(request, _("Something is missing in “%(step)s”. Fill it in, and send the "
                                  "application again.") % {"step": incomplete.step.title})
        return redirect(_step_url(draft, incomplete.step))
    if created:
        enqueue_application_receipt(case, request.build_absolute_uri(reverse("my_page")))
    return redirect("application_receipt", draft_id=draft.pk)


@never_cache
def receipt(request, draft_id):
    draft = _own_draft(request, draft_id, status=ApplicationDraft.Status.SUBMITTED)
    case = draft.case
    if case is None:
        raise Http404
    return render(request, "portal/application/receipt.html", {
        "draft": draft, "case": case, "receipt_document": find_receipt(case),
        "documents": list(draft.documents.all()),
    })


@never_cache
def draft_document(request, draft_id, document_id):
    draft = _own_draft(request, draft_id)
    document = draft.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    return private_file_response(document.file, document.original_name, document.content_type)
