"""Opening a case from a submitted application."""

import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from ..models import Case, CaseApplication, Document, Municipality, ReferenceSequence, TargetGroup
from . import journal, registers

SUBMITTED_ACTION = "backoffice.case.submitted"

# Not the register snapshot: the register fills that, not the citizen.
APPLICATION_FIELDS = {f.name for f in CaseApplication._meta.get_fields()} - {
    "id", "case", "submitted_at", "cpr_lookup"}


@dataclass(frozen=True)
class SubmittedDocument:
    """A file the portal has already validated and stored in private
    storage; the case takes it over without copying."""

    kind: str
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    scan_status: str = Document.ScanStatus.NOT_SCANNED
    scan_detail: str = ""


@dataclass(frozen=True)
class ApplicationSubmission:
    submission_key: uuid.UUID
    municipality: Municipality
    citizen: object
    answers: dict
    target_group: TargetGroup | None = None
    documents: list[SubmittedDocument] = field(default_factory=list)


def submit_application(submission):
    """Open the case for a submitted application, exactly once.

    Returns ``(case, created)``. Repeating the call with the same
    submission key, also concurrently from another process, returns the
    case the first call created."""
    unknown = set(submission.answers) - APPLICATION_FIELDS
    if unknown:
        raise ValueError(f"Unknown application fields: {sorted(unknown)}")

    existing = Case.objects.filter(submission_key=submission.submission_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _open_case(submission), True
    except IntegrityError:
        # Another request with the same key won the race; its case stands.
        case = Case.objects.filter(submission_key=submission.submission_key).first()
        if case is None:
            raise
        return case, False


def _open_case(submission):
    now = timezone.now()
    kle_number, kle_facet = journal.default_kle(submission.municipality)
    case = Case.objects.create(
        municipality=submission.municipality,
        kle_number=kle_number, kle_facet=kle_facet,
        citizen=submission.citizen,
        target_group=submission.target_group,
        status=Case.Status.SUBMITTED,
        submitted_at=now,
        received_on=timezone.localdate(now),
        submission_key=submission.submission_key,
        reference=next_reference(submission.municipality, timezone.localdate(now).year),
    )
    CaseApplication.objects.create(case=case, submitted_at=now, **submission.answers)
    for document in submission.documents:
        stored = Document.objects.create(
            case=case, kind=document.kind, file=document.stored_name,
            original_name=document.original_name, content_type=document.content_type,
            size=document.size, sha256=document.sha256, scan_status=document.scan_status,
            scan_detail=document.scan_detail, uploaded_by=submission.citizen, uploaded_at=now,
            visible_to_citizen=True,
        )
        journal.journalise(stored)
    log(instance=case, action=SUBMITTED_ACTION, user=submission.citizen,
        data={"reference": case.reference, "documents": len(submission.documents)})
    # After the commit, as a task: the CPR register being slow or down never blocks the submission.
    registers.enqueue_person_lookup(case)
    return case


def next_reference(municipality, year):
    """The next case number, e.g. "NOR-2026-00042". Must run inside the
    transaction that saves the case: the row lock serialises concurrent
    submissions, and a rolled-back case gives its number back."""
    sequence, _ = ReferenceSequence.objects.get_or_create(municipality=municipality, year=year)
    sequence = ReferenceSequence.objects.select_for_update().get(pk=sequence.pk)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    prefix = municipality.slug[:3].upper()
    return f"{prefix}-{year}-{sequence.last_number:05d}"
