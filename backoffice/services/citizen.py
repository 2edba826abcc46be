"""What the citizen does on their own case from My page: answer a request
for information, write to the caseworker, withdraw the application, and take
a copy of everything held about them.

The portal calls these after it has looked the case up with the citizen and
the site's municipality (``backoffice.selectors``); the functions check the
citizen once more, so a mistake in a view cannot write to someone else's
case. Every write bumps ``Case.version`` and leaves an audit entry
(Wagtail's log); a status change goes through ``transition_case`` only.
Audit data holds references and counts, never text, names or CPR numbers.
"""

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..models import (
    AccessLogEntry,
    Case,
    CaseApplication,
    Decision,
    Document,
    InformationRequest,
    Message,
    ScreeningTalk,
)
from ..selectors import HIDDEN_STATUSES, accepts_answers, accepts_messages, citizen_status
from ..uploads import safe_filename
from . import journal, notifications, transitions
from .transitions import STATUS_CHANGED_ACTION

WITHDRAWN_ACTION = "backoffice.case.withdrawn"
INFORMATION_ANSWERED_ACTION = "backoffice.case.information_answered"
CITIZEN_MESSAGE_ACTION = "backoffice.case.citizen_message"
CITIZEN_DOCUMENT_ACTION = "backoffice.case.citizen_document"

MESSAGE_MAX_LENGTH = 5000
ANSWER_MAX_LENGTH = 10000


class CitizenActionRefused(Exception):
    """The citizen may not do this (now). ``message`` is for the citizen."""

    def __init__(self, message, code=""):
        super().__init__(str(message))
        self.message = message
        self.code = code


class TransitionNotAllowed(CitizenActionRefused):
    def __init__(self, from_status, to_status):
        super().__init__(
            _("This cannot be done on your case any more. Reload the page to see its status."),
            code="transition_not_allowed",
        )
        self.from_status = from_status
        self.to_status = to_status


# --- Status changes go through backoffice.services.transitions ---------------------------------


def transition_case(case, to_status, *, user, action=STATUS_CHANGED_ACTION, data=None, now=None):
    """``transitions.transition`` for a change the citizen's own action
    causes (already checked by the caller), with the citizen's wording
    when it cannot happen."""
    try:
        return transitions.transition(case, to_status, user=user, action=action, data=data, now=now,
                                      authorised=True)
    except transitions.TransitionError as exc:
        raise TransitionNotAllowed(case.status, to_status) from exc


def _own_locked_case(case, user):
    """The case row, locked, after checking once more that it is the
    citizen's and not anonymised."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if (
        user is None
        or not user.is_authenticated
        or locked.citizen_id != user.pk
        or locked.status in HIDDEN_STATUSES
    ):
        raise PermissionError("Not the citizen's case")
    return locked


# --- Withdrawing --------------------------------------------------------------------------------


def withdraw_case(case, user):
    """The citizen withdraws their application. Allowed wherever the
    lifecycle allows WITHDRAWN; staff are told by e-mail."""
    with transaction.atomic():
        _own_locked_case(case, user)
        transition_case(case, Case.Status.WITHDRAWN, user=user, action=WITHDRAWN_ACTION)
        notifications.notify_staff(case, notifications.STAFF_WITHDRAWN)
    return case


# --- Documents and answers ----------------------------------------------------------------------


def add_citizen_document(case, user, upload, *, kind=Document.Kind.OTHER, information_request=None, now=None):
    """Store a file the citizen sent (a ``ValidatedUpload`` from
    ``backoffice.uploads.validate_upload``) on their case, visible to them.
    Call inside a transaction that also records why it came."""
    document = Document(
        case=case,
        kind=kind,
        information_request=information_request,
        uploaded_by=user,
        uploaded_at=now or timezone.now(),
        visible_to_citizen=True,
        **upload.document_fields(),
    )
    document.save()  # the file field stores the content under a random name
    journal.journalise(document)
    log(
        instance=case,
        action=CITIZEN_DOCUMENT_ACTION,
        user=user,
        data={
            "reference": case.reference,
            "document": document.pk,
            "kind": kind,
            "information_request": information_request.pk if information_request else None,
        },
    )
    return document


def answer_information_request(information_request, user, text, uploads=()):
    """The citizen's answer to a request for information: text and/or files
    (``ValidatedUpload``s). When it was the last open request on a case that
    waits for information, the case goes back to assessment.

    Raises ``CitizenActionRefused`` when the request is already answered or
    the case no longer takes answers; nothing is stored then."""
    text = (text or "").strip()
    if not text and not uploads:
        raise CitizenActionRefused(_("Write an answer or choose a file."), code="empty")
    if len(text) > ANSWER_MAX_LENGTH:
        raise CitizenActionRefused(_("Your answer is too long."), code="too_long")
    stored = []
    try:
        with transaction.atomic():
            case = _own_locked_case(information_request.case, user)
            request = InformationRequest.objects.select_for_update().get(pk=information_request.pk, case=case)
            if not request.is_open:
                raise CitizenActionRefused(_("You have already answered these questions."), code="answered")
            if not accepts_answers(case):
                raise CitizenActionRefused(
                    _("Your case is closed, so you cannot answer any more."), code="closed"
                )
            now = timezone.now()
            for upload in uploads:
                stored.append(
                    add_citizen_document(
                        case,
                        user,
                        upload,
                        kind=Document.Kind.INFORMATION_ANSWER,
                        information_request=request,
                        now=now,
                    )
                )
            request.answer_text = text
            request.answered_at = now
            request.save(update_fields=["answer_text", "answered_at"])
            transitions.bump_version(case)
            log(
                instance=case,
                action=INFORMATION_ANSWERED_ACTION,
                user=user,
                data={
                    "reference": case.reference,
                    "information_request": request.pk,
                    "documents": len(stored),
                },
            )
            still_open = InformationRequest.objects.filter(case=case, answered_at__isnull=True).exists()
            if case.status == Case.Status.AWAITING_INFORMATION and not still_open:
                transition_case(
                    case, Case.Status.SCREENING, user=user, data={"reason": "information_answered"}
                )
            notifications.notify_staff(case, notifications.STAFF_ANSWER)
    except BaseException:
        for document in stored:  # the rows are rolled back; remove the files too
            document.file.storage.delete(document.file.name)
        raise
    information_request.answer_text, information_request.answered_at = (
        request.answer_text,
        request.answered_at,
    )
    return request, stored


# --- Messages -----------------------------------------------------------------------------------


def send_citizen_message(case, user, body):
    """A message from the citizen to the caseworker. The caseworker gets an
    e-mail that says only that there is a new message."""
    body = (body or "").strip()
    if not body:
        raise CitizenActionRefused(_("Write your message."), code="empty")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise CitizenActionRefused(_("Your message is too long."), code="too_long")
    with transaction.atomic():
        locked = _own_locked_case(case, user)
        if not accepts_messages(locked):
            raise CitizenActionRefused(
                _("Your case is closed, so you cannot send messages any more."), code="closed"
            )
        message = Message.objects.create(case=locked, sender=user, from_staff=False, body=body)
        transitions.bump_version(case)
        log(
            instance=case,
            action=CITIZEN_MESSAGE_ACTION,
            user=user,
            data={"reference": case.reference, "message": message.pk},
        )
        notifications.notify_staff(case, notifications.STAFF_MESSAGE)
    return message


def mark_messages_read_by_citizen(case, user, now=None):
    """The citizen has seen the staff's messages on the case. Not a change
    to the case: no version bump, no audit entry."""
    if user is None or case.citizen_id != user.pk:
        return 0
    return Message.objects.filter(case=case, from_staff=True, read_by_citizen_at__isnull=True).update(
        read_by_citizen_at=now or timezone.now()
    )


# --- Access log ---------------------------------------------------------------------------------


def record_citizen_download(user, document, ip=None):
    """The citizen downloaded a file from their case (files are only served
    by views that check access and write this log)."""
    return AccessLogEntry.objects.create(
        user=user,
        user_label=_user_label(user),
        municipality_id=document.case.municipality_id,
        case=document.case,
        document=document,
        action=AccessLogEntry.Action.DOWNLOAD_DOCUMENT,
        ip=ip or None,
    )


def _user_label(user):
    return (getattr(user, "get_username", lambda: "")() or "")[:150]


# --- "Download all data about me" ---------------------------------------------------------------


@dataclass(frozen=True)
class ExportedFile:
    """A file held outside the case (e.g. on a draft in the portal)."""

    kind: str
    original_name: str
    content_type: str
    size: int
    uploaded_at: object
    file: object  # a FieldFile


@dataclass(frozen=True)
class ExportedDraft:
    """An application not yet sent, as the portal holds it."""

    id: str
    status: str
    started_at: object
    last_saved_at: object
    submitted_at: object
    answers: dict
    files: list[ExportedFile] = field(default_factory=list)
    case_reference: str = ""  # once sent: its files are on the case, not repeated here


@dataclass
class CitizenExport:
    filename: str
    file: object  # a binary file object at position 0
    size: int


EXPORT_SPOOL_BYTES = 10 * 1024 * 1024


def export_citizen_data(user, municipality, *, drafts=(), ip=None, now=None):
    """A zip of everything this municipality holds about the citizen:
    ``summary.json`` (account, drafts, cases with the full application –
    their own CPR number included –, requests, messages, talks, decisions,
    documents) and their own files under ``files/``.

    Files that the virus scan found infected are listed but not included.
    Writes an access-log entry ("Exported data")."""
    now = now or timezone.now()
    cases = list(
        Case.objects.filter(citizen=user, municipality=municipality)
        .exclude(status__in=HIDDEN_STATUSES)
        .select_related("target_group")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=Document.objects.filter(visible_to_citizen=True).order_by("uploaded_at", "id"),
            ),
            Prefetch(
                "information_requests", queryset=InformationRequest.objects.order_by("created_at", "id")
            ),
            Prefetch("messages", queryset=Message.objects.order_by("created_at", "id")),
            Prefetch("talks", queryset=ScreeningTalk.objects.order_by("starts_at", "id")),
            Prefetch(
                "decisions",
                queryset=Decision.objects.filter(status=Decision.Status.FINAL).order_by("created_at", "id"),
            ),
        )
        .order_by("submitted_at", "id")
    )
    applications = {a.case_id: a for a in CaseApplication.objects.filter(case__in=cases)}

    spool = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)
    used_names = set()

    def arcname(folder, name):
        stem, ext = os.path.splitext(safe_filename(name or "document"))
        candidate, n = f"files/{folder}/{stem}{ext}", 1
        while candidate in used_names:  # two files may have the same name
            n += 1
            candidate = f"files/{folder}/{stem}-{n}{ext}"
        used_names.add(candidate)
        return candidate

    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:

        def add_file(folder, name, field_file, infected=False):
            if infected or not field_file:
                return None
            path = arcname(folder, name)
            try:
                with field_file.open("rb") as source, archive.open(path, "w", force_zip64=True) as target:
                    for chunk in iter(lambda: source.read(1024 * 1024), b""):
                        target.write(chunk)
            except (FileNotFoundError, OSError):
                used_names.discard(path)
                return None
            return path

        summary = {
            "generated_at": now,
            "municipality": municipality.name,
            "about": str(
                _(
                    "Everything %(municipality)s holds about you in the micro-loan scheme: your account, "
                    "applications you have not sent, and your cases with your own files."
                )
                % {"municipality": municipality.name}
            ),
            "account": {
                "username": user.get_username(),
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
            },
            "drafts": [],
            "cases": [],
        }
        for number, draft in enumerate(drafts, start=1):
            folder = f"drafts/{number}"
            summary["drafts"].append(
                {
                    "id": str(draft.id),
                    "status": draft.status,
                    "started_at": draft.started_at,
                    "last_saved_at": draft.last_saved_at,
                    "submitted_at": draft.submitted_at,
                    "case_reference": draft.case_reference or None,
                    "answers": draft.answers,
                    "files": [
                        {
                            "kind": f.kind,
                            "name": f.original_name,
                            "content_type": f.content_type,
                            "size": f.size,
                            "uploaded_at": f.uploaded_at,
                            "path": add_file(folder, f.original_name, f.file),
                        }
                        for f in draft.files
                    ],
                }
            )
        for case in cases:
            summary["cases"].append(_case_summary(case, applications.get(case.pk), add_file))

        archive.writestr(
            "summary.json", json.dumps(summary, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )

    size = spool.tell()
    spool.seek(0)
    AccessLogEntry.objects.create(
        user=user,
        user_label=_user_label(user),
        municipality=municipality,
        action=AccessLogEntry.Action.EXPORT,
        ip=ip or None,
    )
    filename = f"mikrolaan-data-{timezone.localdate(now):%Y-%m-%d}.zip"
    return CitizenExport(filename=filename, file=spool, size=size)


def _case_summary(case, application, add_file):
    folder = case.reference or f"case-{case.pk}"
    application_data = None
    if application is not None:
        application_data = {
            f.name: getattr(application, f.name)
            for f in CaseApplication._meta.concrete_fields
            if f.name not in ("id", "case")
        }
    return {
        "reference": case.reference,
        "status": case.status,
        "status_text": str(citizen_status(case.status).label),
        "target_group": case.target_group.name if case.target_group else None,
        "submitted_at": case.submitted_at,
        "withdrawn_at": case.withdrawn_at,
        "closed_at": case.closed_at,
        "application": application_data,
        "information_requests": [
            {
                "question": r.question,
                "due_on": r.due_on,
                "asked_at": r.created_at,
                "answered_at": r.answered_at,
                "answer": r.answer_text,
            }
            for r in case.information_requests.all()
        ],
        "messages": [
            {"from": "municipality" if m.from_staff else "you", "sent_at": m.created_at, "message": m.body}
            for m in case.messages.all()
        ],
        "talks": [
            {
                "starts_at": t.starts_at,
                "ends_at": t.ends_at,
                "place": t.location,
                "video_url": t.video_url,
                "cancelled_at": t.cancelled_at,
            }
            for t in case.talks.all()
        ],
        "decisions": [
            {
                "kind": d.kind,
                "title": d.get_kind_display(),
                "decided_at": d.decided_at,
                "fully_granted": d.fully_granted,
                "legal_basis": d.legal_basis,
                "reason": d.reason,
                "appeal_guidance": d.appeal_guidance,
            }
            for d in case.decisions.all()
        ],
        "documents": [
            {
                "kind": d.kind,
                "title": d.get_kind_display(),
                "name": d.original_name,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": d.uploaded_at,
                "path": add_file(
                    folder,
                    d.original_name or d.get_kind_display(),
                    d.file,
                    infected=d.scan_status == Document.ScanStatus.INFECTED,
                ),
                **(
                    {"note": "not included: the virus scan found a problem in this file"}
                    if d.scan_status == Document.ScanStatus.INFECTED
                    else {}
                ),
            }
            for d in case.documents.all()
        ],
    }
