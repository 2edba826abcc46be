"""Appeals (klager) against a final decision, as services.

The route (retssikkerhedsloven §§ 66–69): the complaint comes to the
municipality (from My page, or by letter, e-mail or phone, registered by
staff); the municipality reassesses the decision within 4 weeks
(``DecisionTemplate.reassessment_weeks``, moved to a working day). Then it
either changes the decision – a new decision through
``services.decisions``, so the rules of a decision (reasons, consultation,
letter, case status) hold for it too – or upholds it and forwards the
complaint with the case bundle (``appeal_bundle``) to the appeal body named
in the template. The appeal body's outcome is recorded when its letter
comes. A complaint after the deadline is still taken and marked late: the
appeal body decides whether to look at it.

Each function checks who may do it, locks the case, refuses a change made
on an outdated page (``expected_version`` → ``StaleCase``), saves, and
writes the audit entry on the Case in one transaction. Audit data holds
ids, statuses and dates, never the complaint's words."""

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..deadlines import APPEAL_WEEKS, appeal_deadline, deadline_after
from ..models import Appeal, Case, Decision, Document
from ..selectors import HIDDEN_STATUSES
from ..tenancy import may_act_on
from . import appeal_bundle, journal, letters, notifications, transitions
from .citizen import ANSWER_MAX_LENGTH, CitizenActionRefused
from .decisions import (DecisionRefused, draft_decision, finalise_decision, rule_for)
from .files import atomic_with_files
from .transitions import StaleCase

A = Appeal.Status

LODGED_ACTION = "backoffice.case.appeal_lodged"
REASSESSMENT_ACTION = "backoffice.case.appeal_reassessment"
CHANGED_ACTION = "backoffice.case.appeal_changed"
FORWARDED_ACTION = "backoffice.case.appeal_forwarded"
OUTCOME_ACTION = "backoffice.case.appeal_outcome"
WITHDRAWN_ACTION = "backoffice.case.appeal_withdrawn"

HANDLE = "backoffice.handle_case"
NOTE_MAX_LENGTH = 20000
BUNDLE_CONTENT_TYPE = "application/zip"


class AppealRefused(DecisionRefused):
    """A rule stops the step; ``message`` says why, for staff."""


# --- Reads ----------------------------------------------------------------------------------------


def may_appeal(decision):
    """A final decision that does not fully grant what was applied for."""
    return decision.status == Decision.Status.FINAL and not decision.fully_granted


def live_appeal(decision):
    return Appeal.objects.filter(decision=decision).exclude(status=A.WITHDRAWN).first()


def reassessment_weeks(decision):
    template = decision.template if decision.template_id else None
    return getattr(template, "reassessment_weeks", None) or APPEAL_WEEKS


# --- Helpers --------------------------------------------------------------------------------------




def _staff_locked_case(case, user, permission, expected_version):
    if not (user.is_authenticated and user.has_perm(permission) and may_act_on(user, case)):
        raise PermissionDenied
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleCase
    if locked.status in HIDDEN_STATUSES:
        raise AppealRefused(_("This case has been anonymised."))
    return locked


def _locked_appeal(appeal, locked_case, statuses):
    current = Appeal.objects.select_for_update().get(pk=appeal.pk, case=locked_case)
    if current.status not in statuses:
        raise StaleCase  # moved on by someone else meanwhile
    return current


def _store(case, upload, user, now, *, visible=True):
    """A ``ValidatedUpload`` (``backoffice.uploads.validate_upload``) as a document on the case."""
    document = Document(case=case, kind=Document.Kind.OTHER, uploaded_by=user, uploaded_at=now,
                        visible_to_citizen=visible, **upload.document_fields())
    document.save()
    journal.journalise(document)
    return document


def _clean(text, too_long):
    text = (text or "").strip()
    if len(text) > NOTE_MAX_LENGTH:
        raise AppealRefused(too_long)
    return text


def _logged(case, locked, user, action, appeal, **data):
    transitions.bump_version(locked)
    case.version = locked.version
    log(instance=case, action=action, user=user, data={
        "reference": locked.reference, "appeal": appeal.pk, "decision": appeal.decision_id,
        "status": appeal.status, **data})


def _sync(target, source):
    for field in Appeal._meta.concrete_fields:
        if field.name != "case":
            setattr(target, field.attname, getattr(source, field.attname))
    return target


# --- Lodging --------------------------------------------------------------------------------------


def lodge_appeal(decision, user, *, text="", uploads=(), channel=Appeal.Channel.MY_PAGE, lodged_on=None,
                 submission_key=None, now=None):
    """A complaint about ``decision``: from the case's own citizen on My page,
    or registered by staff (``handle_case``) with how and when it came.
    ``uploads``: ``ValidatedUpload``s. The same ``submission_key`` twice
    gives the first appeal back; a second complaint about the same decision
    is refused (it belongs in the first). Raises ``CitizenActionRefused``
    (for the citizen), ``AppealRefused`` (staff), ``PermissionError`` for a
    citizen on another's case, ``PermissionDenied`` for staff without
    access."""
    now = now or timezone.now()
    text = (text or "").strip()
    # Staff register complaints; anybody else can only be the case's citizen.
    is_citizen = not user.has_perm(HANDLE)
    refused = CitizenActionRefused if is_citizen else AppealRefused
    if not text and not uploads:
        raise refused(_("Write what you disagree with, or choose a file."), code="empty")
    if len(text) > ANSWER_MAX_LENGTH:
        raise refused(_("Your complaint is too long."), code="too_long")
    if is_citizen:
        channel, lodged_on = Appeal.Channel.MY_PAGE, timezone.localdate(now)
    elif channel == Appeal.Channel.MY_PAGE or lodged_on is None:
        raise AppealRefused(_("Say how and when the complaint was received."), code="channel")
    elif lodged_on > timezone.localdate(now):
        raise AppealRefused(_("The complaint cannot have been received in the future."), code="future")

    if submission_key and (existing := Appeal.objects.filter(submission_key=submission_key).first()):
        if existing.decision_id != decision.pk:
            raise PermissionError("Submission key of another decision")
        return existing  # the same form sent twice
    try:
        with atomic_with_files() as stored:
            if is_citizen:
                locked = Case.objects.select_for_update().get(pk=decision.case_id)
                if locked.citizen_id != user.pk or locked.status in HIDDEN_STATUSES:
                    raise PermissionError("Not the citizen's case")
            else:
                locked = _staff_locked_case(decision.case, user, HANDLE, None)
            current = Decision.objects.select_related("template", "letter").get(pk=decision.pk, case=locked)
            if not may_appeal(current):
                raise refused(_("This decision cannot be appealed."), code="not_appealable")
            if live_appeal(current) is not None:
                raise refused(_("We have already received a complaint about this decision. If you want to "
                                "add something, write to us in the messages."), code="already_lodged")
            deadline = appeal_deadline(current)
            template = current.template
            address = "\n".join(part for part in (getattr(template, "appeal_body_address", ""),
                                                  getattr(template, "appeal_body_email", "")) if part)
            appeal = Appeal.objects.create(
                case=locked, decision=current, channel=channel, lodged_on=lodged_on, text=text,
                appeal_deadline=deadline, is_late=bool(deadline and lodged_on > deadline),
                reassessment_deadline=deadline_after(lodged_on, weeks=reassessment_weeks(current)),
                appeal_body=getattr(template, "appeal_body", ""), appeal_body_address=address,
                submission_key=submission_key, created_by=user, created_at=now)
            documents = [_store(locked, upload, user, now) for upload in uploads]
            stored.extend(document.file for document in documents)
            appeal.documents.add(*documents)
            _logged(decision.case, locked, user, LODGED_ACTION, appeal, channel=channel,
                    lodged_on=lodged_on.isoformat(), late=appeal.is_late, documents=len(documents))
            if is_citizen:
                notifications.notify_staff(locked, notifications.STAFF_APPEAL)
    except IntegrityError:
        # A double submit that raced past the check above: the first one stands.
        if submission_key and (existing := Appeal.objects.filter(submission_key=submission_key).first()):
            return existing
        raise
    return appeal


# --- Reassessment ---------------------------------------------------------------------------------


def start_reassessment(appeal, user, *, expected_version=None, now=None):
    """Staff take up the complaint: the decision is reassessed (genvurdering)."""
    case = appeal.case
    with transaction.atomic():
        locked = _staff_locked_case(case, user, HANDLE, expected_version)
        current = _locked_appeal(appeal, locked, (A.LODGED,))
        current.status = A.REASSESSING
        current.reassessment_started_at = now or timezone.now()
        current.save(update_fields=["status", "reassessment_started_at"])
        _logged(case, locked, user, REASSESSMENT_ACTION, current,
                deadline=current.reassessment_deadline.isoformat())
    return _sync(appeal, current)


def change_decision(appeal, user, *, kind, reason="", fully_granted=None, consultation_waived_reason="",
                    expected_version, now=None):
    """The reassessment changes the decision: a new decision of ``kind`` (of
    the same group, e.g. admission after a refused admission) is drafted and
    made final through ``services.decisions``, which checks its rules and
    moves the case; the old decision stays in the file. A decision that does
    not fully grant the application still needs consultation or a written
    reason to skip it (``consultation_waived_reason``)."""
    case = appeal.case
    now = now or timezone.now()
    if rule_for(kind).group != rule_for(appeal.decision.kind).group:
        raise AppealRefused(_("Choose a decision on the same matter as the decision appealed."), code="kind")
    with transaction.atomic():
        locked = _staff_locked_case(case, user, rule_for(kind).permission, expected_version)
        current = _locked_appeal(appeal, locked, Appeal.OPEN_STATUSES)
        new = draft_decision(case, user, kind, reason=reason, fully_granted=fully_granted,
                             expected_version=locked.version, now=now)
        new = finalise_decision(new, user, expected_version=case.version,
                                consultation_waived_reason=consultation_waived_reason, now=now)
        current.status = A.CHANGED
        current.new_decision = new
        current.reassessment_started_at = current.reassessment_started_at or now
        current.save(update_fields=["status", "new_decision", "reassessment_started_at"])
        _logged(case, locked, user, CHANGED_ACTION, current, new_decision=new.pk, kind=new.kind)
    return _sync(appeal, current)


def uphold_and_forward(appeal, user, *, reassessment_note, expected_version, now=None):
    """The reassessment upholds the decision: the complaint goes to the
    appeal body with the case bundle, stored on the case (staff-only) for
    download. ``reassessment_note``: why, as the appeal body will read it."""
    case = appeal.case
    now = now or timezone.now()
    note = _clean(reassessment_note, _("The reassessment is too long."))
    if not note:
        raise AppealRefused(_("Write why the decision is upheld: the appeal body reads it."), code="note")
    with atomic_with_files() as stored:
        locked = _staff_locked_case(case, user, rule_for(appeal.decision.kind).permission, expected_version)
        current = _locked_appeal(appeal, locked, Appeal.OPEN_STATUSES)
        if not current.appeal_body:
            raise AppealRefused(_("The decision template names no appeal body. Add it to the template "
                                  "first."), code="appeal_body")
        current.case = case
        current.reassessment_note = note
        pdf = appeal_bundle.forwarding_letter_pdf(current, user=user, now=now)
        with translation.override(settings.LANGUAGE_CODE):  # the index is in Danish, like the letter
            content, rows = appeal_bundle.build_bundle(appeal_bundle.appeal_items(current, pdf))
        bundle = Document(
            case=locked, kind=Document.Kind.OTHER, original_name=f"klagesag-{locked.reference}.zip",
            content_type=BUNDLE_CONTENT_TYPE, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
            scan_status=Document.ScanStatus.NOT_SCANNED, scan_detail=letters.LETTER_SCAN_DETAIL,
            uploaded_by=user, uploaded_at=now)
        bundle.file.save("bundle.zip", ContentFile(content), save=False)
        stored.append(bundle.file)
        bundle.save()
        journal.journalise(bundle, direction=journal.Direction.OUT, description=_(
            "Complaint and case file sent to %(body)s") % {"body": current.appeal_body})
        current.status = A.UPHELD_FORWARDED
        current.forwarded_at = now
        current.bundle = bundle
        current.reassessment_started_at = current.reassessment_started_at or now
        current.save(update_fields=["status", "reassessment_note", "forwarded_at", "bundle",
                                    "reassessment_started_at"])
        _logged(case, locked, user, FORWARDED_ACTION, current, bundle=bundle.pk, documents=len(rows))
    return _sync(appeal, current)


def record_outcome(appeal, user, *, outcome, decided_on, note="", letter_upload=None, expected_version,
                   now=None):
    """The appeal body's decision, from its letter (``letter_upload``: a
    ``ValidatedUpload``, shown to the citizen too). A change or a remittal
    (hjemvisning) is then followed by a new decision of the municipality."""
    case = appeal.case
    now = now or timezone.now()
    outcome = Appeal.Outcome(outcome)
    note = _clean(note, _("The note is too long."))
    if decided_on is None or decided_on > timezone.localdate(now):
        raise AppealRefused(_("Give the date of the appeal body's decision."), code="date")
    with atomic_with_files() as stored:
        locked = _staff_locked_case(case, user, HANDLE, expected_version)
        current = _locked_appeal(appeal, locked, (A.UPHELD_FORWARDED,))
        if letter_upload is not None:
            current.outcome_letter = _store(locked, letter_upload, user, now)
            stored.append(current.outcome_letter.file)
        current.status = A.DECIDED_EXTERNALLY
        current.outcome, current.outcome_on, current.outcome_note = outcome, decided_on, note
        current.save(update_fields=["status", "outcome", "outcome_on", "outcome_note", "outcome_letter"])
        _logged(case, locked, user, OUTCOME_ACTION, current, outcome=outcome.value,
                outcome_on=decided_on.isoformat(), letter=current.outcome_letter_id)
    return _sync(appeal, current)


def withdraw_appeal(appeal, user, *, expected_version=None, now=None):
    """The citizen takes the complaint back (on My page, or staff record it
    after a call). Possible until the appeal body has decided."""
    case = appeal.case
    now = now or timezone.now()
    with transaction.atomic():
        if not user.has_perm(HANDLE):
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.citizen_id != user.pk or locked.status in HIDDEN_STATUSES:
                raise PermissionError("Not the citizen's case")
        else:
            locked = _staff_locked_case(case, user, HANDLE, expected_version)
        current = _locked_appeal(appeal, locked, (*Appeal.OPEN_STATUSES, A.UPHELD_FORWARDED))
        current.status = A.WITHDRAWN
        current.withdrawn_at = now
        current.save(update_fields=["status", "withdrawn_at"])
        _logged(case, locked, user, WITHDRAWN_ACTION, current)
    return _sync(appeal, current)
