"""Letters on their way to the citizen: the dispatch record, the sending
task with its retries, and what staff may do when a letter did not go.

``queue_letter`` is called by ``services.decisions`` inside the transaction
that stores the letter; the send starts once that has committed
(``transaction.on_commit``), in the ``deliver_letter`` task.

No letter goes twice: the record's ``message_uuid`` is made once and sent
with every attempt (Serviceplatformen takes a UUID it has seen as the same
message); an attempt first claims the record (queued → sending) under a
row lock, and a record already sent is left alone. A time-out may mean the
message arrived: it is retried, with the same UUID. Failures are retried
after ``BACKOFF``; after the last one the record is failed and the case
page asks staff to send it again or print it."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from wagtail.log_actions import log

from .. import digital_post
from ..models import LetterDispatch
from ..selectors import DECISION_TITLES
from ..tenancy import may_act_on

S = LetterDispatch.Status
CONSULTATION = LetterDispatch.Kind.CONSULTATION
DECISION = LetterDispatch.Kind.DECISION

SENT_ACTION = "backoffice.case.letter_sent"
FAILED_ACTION = "backoffice.case.letter_failed"
NEEDS_PRINTING_ACTION = "backoffice.case.letter_needs_printing"
DELIVERED_ACTION = "backoffice.case.letter_delivered"
RESEND_ACTION = "backoffice.case.letter_resend"
PRINTED_ACTION = "backoffice.case.letter_printed"

# The wait before attempt 2, 3, ...; after the last, the letter has failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
# An attempt still "sending" after this crashed on the way: it may be tried again.
STUCK_AFTER = timedelta(minutes=15)
# Who may send a letter again or record that it was printed.
STAFF_PERMISSIONS = ("backoffice.decide_admission", "backoffice.handle_case")


class DispatchRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- Queueing -------------------------------------------------------------------------------------


def label_for(kind, reference, decision=None):
    """The letter's title in the citizen's inbox, in the letters' language."""
    with translation.override(settings.LANGUAGE_CODE):
        if kind == CONSULTATION:
            return f"{gettext('Consultation')} – {reference}"  # "Partshøring – NOR-2026-00001"
        if decision is None:  # a reminder or notice (services.collection): no decision behind it
            return f"{LetterDispatch.Kind(kind).label} – {reference}"
        return str(DECISION_TITLES.get(decision.kind, decision.get_kind_display()))


def queue_letter(case, letter, *, kind, decision, now=None):
    """Record that ``letter`` (a ``Document`` of ``case``) is to be sent,
    and send it when the caller's transaction commits."""
    dispatch = LetterDispatch.objects.create(
        document=letter, case=case, kind=kind, label=label_for(kind, case.reference, decision)[:150],
        queued_at=now or timezone.now())
    transaction.on_commit(partial(enqueue, dispatch.pk))
    return dispatch


def enqueue(pk, run_after=None):
    """Start ``deliver_letter``; later when ``run_after`` is given and the
    task backend can wait (the database worker). A backend that cannot (in
    development) leaves the retry to ``send_pending_letters``."""
    if run_after is None:
        deliver_letter.enqueue(pk)
    elif deliver_letter.get_backend().supports_defer:
        deliver_letter.using(run_after=run_after).enqueue(pk)


def due(now=None):
    """Dispatches whose next attempt is due: queued (first or retry) and
    ones stuck in "sending"."""
    now = now or timezone.now()
    return LetterDispatch.objects.filter(
        Q(status=S.QUEUED, next_attempt_at__isnull=True) | Q(status__in=(S.QUEUED, S.SENDING),
                                                             next_attempt_at__lte=now))


# --- Sending --------------------------------------------------------------------------------------


@task()
def deliver_letter(dispatch_pk):
    attempt(dispatch_pk)


def attempt(pk, now=None):
    """One attempt to send the dispatch ``pk``. Does nothing unless it is
    due; returns the record as it is afterwards."""
    now = now or timezone.now()
    with transaction.atomic():
        dispatch = LetterDispatch.objects.select_for_update().filter(pk=pk).first()
        if dispatch is None or not due(now).filter(pk=pk).exists():
            return dispatch
        dispatch.status = S.SENDING
        dispatch.attempts += 1
        dispatch.next_attempt_at = now + STUCK_AFTER
        dispatch.save(update_fields=["status", "attempts", "next_attempt_at"])
    dispatch = LetterDispatch.objects.select_related("case__municipality", "document").get(pk=pk)
    try:
        outcome = digital_post.send_letter(dispatch.case, dispatch.document)
    except digital_post.SendFailed as exc:
        return _failed(pk, exc.code, exc.retry, now)
    except Exception as exc:  # a fault of ours must not leave the letter "sending" for ever
        return _failed(pk, type(exc).__name__, True, now)
    return _done(pk, outcome, now)


def _claimed(pk):
    """The record, locked, if this attempt still holds it."""
    dispatch = LetterDispatch.objects.select_for_update().select_related("case").get(pk=pk)
    return dispatch if dispatch.status == S.SENDING else None


def _data(dispatch, **extra):
    return {"reference": dispatch.case.reference, "dispatch": dispatch.pk, "letter": dispatch.document_id,
            "kind": dispatch.kind, "channel": dispatch.channel, "attempts": dispatch.attempts, **extra}


def _done(pk, outcome, now):
    with transaction.atomic():
        dispatch = _claimed(pk)
        if dispatch is None:
            return LetterDispatch.objects.get(pk=pk)
        dispatch.channel = outcome.channel
        dispatch.transaction_id = outcome.transaction_id
        dispatch.payload_xml = outcome.payload_xml
        dispatch.next_attempt_at = None
        if outcome.needs_printing:
            dispatch.status = S.NEEDS_PRINTING
            dispatch.last_error = outcome.reason
            action = NEEDS_PRINTING_ACTION
        else:
            # In the Digital Post inbox (or handed to the print provider) now:
            # the letter's deadlines run from here.
            dispatch.status = S.SENT
            dispatch.last_error = ""
            dispatch.sent_at = dispatch.available_at = now
            action = SENT_ACTION
        dispatch.save()
        log(instance=dispatch.case, action=action, data=_data(dispatch, reason=outcome.reason or None))
    return dispatch


def _failed(pk, code, retry, now):
    with transaction.atomic():
        dispatch = _claimed(pk)
        if dispatch is None:
            return LetterDispatch.objects.get(pk=pk)
        dispatch.last_error = code[:200]
        if retry and dispatch.attempts < MAX_ATTEMPTS:
            dispatch.status = S.QUEUED
            dispatch.next_attempt_at = now + BACKOFF[dispatch.attempts - 1]
            transaction.on_commit(partial(enqueue, pk, dispatch.next_attempt_at))
            dispatch.save(update_fields=["status", "last_error", "next_attempt_at"])
        else:
            dispatch.status = S.FAILED
            dispatch.next_attempt_at = None
            dispatch.save(update_fields=["status", "last_error", "next_attempt_at"])
            log(instance=dispatch.case, action=FAILED_ACTION, data=_data(dispatch, error=dispatch.last_error))
    return dispatch


def record_delivery(message_uuid, *, at=None):
    """Serviceplatformen reports the message delivered (its status feed)."""
    with transaction.atomic():
        dispatch = (LetterDispatch.objects.select_for_update().select_related("case")
                    .filter(message_uuid=message_uuid, status=S.SENT).first())
        if dispatch is None:
            return None
        dispatch.status = S.DELIVERED
        dispatch.delivered_at = at or timezone.now()
        dispatch.save(update_fields=["status", "delivered_at"])
        log(instance=dispatch.case, action=DELIVERED_ACTION, data=_data(dispatch))
    return dispatch


# --- What staff do --------------------------------------------------------------------------------


def may_handle(user, dispatch):
    return (user.is_authenticated and any(user.has_perm(p) for p in STAFF_PERMISSIONS)
            and may_act_on(user, dispatch.case))


def _locked_for_staff(dispatch, user):
    if not may_handle(user, dispatch):
        raise PermissionDenied
    current = LetterDispatch.objects.select_for_update().select_related("case").get(pk=dispatch.pk)
    if not current.needs_staff:
        raise DispatchRefused(_("This letter is not waiting for you: it has been sent or is on its way."))
    return current


def send_again(dispatch, user):
    """Staff send a failed letter, or one waiting to be printed, again: a
    new round of attempts with the same message UUID."""
    with transaction.atomic():
        current = _locked_for_staff(dispatch, user)
        previous = current.status
        current.status = S.QUEUED
        current.attempts = 0
        current.next_attempt_at = None
        current.save(update_fields=["status", "attempts", "next_attempt_at"])
        log(instance=current.case, action=RESEND_ACTION, user=user, data=_data(current, previous=previous))
        transaction.on_commit(partial(enqueue, current.pk))
    return current


def mark_printed(dispatch, user, *, now=None):
    """Staff printed the letter and posted it: it counts as sent now."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_for_staff(dispatch, user)
        current.status = S.SENT
        current.channel = LetterDispatch.Channel.PRINT_BY_STAFF
        current.sent_at = current.available_at = now
        current.next_attempt_at = None
        current.save(update_fields=["status", "channel", "sent_at", "available_at", "next_attempt_at"])
        log(instance=current.case, action=PRINTED_ACTION, user=user, data=_data(current))
    return current
