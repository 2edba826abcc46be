"""A case's documents for staff: download, and preview of PDFs and images in
the browser. Both go through the case's access check and are logged; an
infected file is never sent."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from ..downloads import private_file_response
from ..models import AccessLogEntry, Document
from .access import log_access, staff_case_or_404

# Shown inline only when the upload check decided the type from the content.
PREVIEWABLE = {"application/pdf", "image/png", "image/jpeg"}


def _document(request, case_pk, pk):
    case = staff_case_or_404(request, case_pk)
    document = Document.objects.filter(case=case, pk=pk).first()
    if document is None or document.scan_status == Document.ScanStatus.INFECTED:
        raise Http404("No such document")
    document.case = case
    return case, document


def is_previewable(document):
    return document.content_type in PREVIEWABLE


def download(request, case_pk, pk):
    case, document = _document(request, case_pk, pk)
    log_access(request, AccessLogEntry.Action.DOWNLOAD_DOCUMENT, document=document)
    return private_file_response(document.file, document.original_name or document.get_kind_display(),
                                 document.content_type)


def preview(request, case_pk, pk):
    """An admin page with the document shown in it (PDF viewer or image)."""
    case, document = _document(request, case_pk, pk)
    if not is_previewable(document):
        raise Http404("No preview for this type")
    return render(request, "backoffice/case/document_preview.html", {
        "case": case, "document": document,
        "page_title": document.original_name or document.get_kind_display(),
        "inline_url": reverse("backoffice:document_inline", args=[case.pk, document.pk]),
        "download_url": reverse("backoffice:document", args=[case.pk, document.pk]),
    })


@xframe_options_sameorigin
def inline(request, case_pk, pk):
    """The file itself for the preview frame: inline, sandboxed, never sniffed."""
    case, document = _document(request, case_pk, pk)
    if not is_previewable(document):
        raise Http404("No preview for this type")
    log_access(request, AccessLogEntry.Action.DOWNLOAD_DOCUMENT, document=document)
    response = private_file_response(document.file, document.original_name or "document", document.content_type)
    response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
    # The browser's PDF viewer needs to run; the file may only be framed by us.
    # (Chromium's PDF viewer refuses a sandboxed document, so no "sandbox" here.)
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; object-src 'self'; " \
                                          "style-src 'unsafe-inline'; frame-ancestors 'self'"
    return response
