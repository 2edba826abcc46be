"""Where the participant ended up, recorded at the evaluation's fixed
checkpoints (end of course, 6, 12 and 24 months after start-up, 5 years).

One outcome per checkpoint (a database constraint). Recording a checkpoint
again corrects it: the row keeps the latest result, date and recorder, and
the audit entry keeps the result it replaced, so the history of the figure
the evaluation uses is not lost. The note stays on the outcome, not in the
audit log (it is often what the citizen told us)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..models import Case, Outcome
from ..tenancy import may_act_on
from . import transitions
from .business import BusinessRefused
from .transitions import StaleCase

S = Case.Status

OUTCOME_RECORDED_ACTION = "backoffice.case.outcome_recorded"
PERMISSION = "backoffice.handle_case"
NOTE_MAX_LENGTH = 5000
# Outcomes are measured for participants: from admission on, never before.
NOT_YET_STATUSES = frozenset({
    S.SUBMITTED, S.SCREENING, S.AWAITING_INFORMATION, S.CONSULTATION, S.NOT_ADMITTED, S.ANONYMISED,
})

__all__ = ["StaleCase", "BusinessRefused", "record_outcome", "outcomes_by_checkpoint"]


def record_outcome(case, user, *, checkpoint, result, recorded_on, note="", expected_version=None,
                   today=None):
    """Record (or correct) the outcome at ``checkpoint``. Returns ``(outcome, created)``.
    Raises ``ValidationError`` per field, ``BusinessRefused``, ``StaleCase``, ``PermissionDenied``."""
    today = today or timezone.localdate()
    note = (note or "").strip()
    errors = {}
    if checkpoint not in Outcome.Checkpoint.values:
        errors["checkpoint"] = _("Choose the checkpoint.")
    if result not in Outcome.Result.values:
        errors["result"] = _("Choose the result.")
    if not isinstance(recorded_on, datetime.date):
        errors["recorded_on"] = _("Give the date the outcome applies to.")
    elif recorded_on > today:
        errors["recorded_on"] = _("The date cannot be in the future.")
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("The note is too long.")
    if errors:
        raise ValidationError(errors)
    if not (user.has_perm(PERMISSION) and may_act_on(user, case)):
        raise PermissionDenied
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if expected_version is not None and int(expected_version) != locked.version:
            raise StaleCase
        if locked.status in NOT_YET_STATUSES:
            raise BusinessRefused(_("Outcomes are recorded for participants admitted to the scheme."))
        outcome = Outcome.objects.select_for_update().filter(case=locked, checkpoint=checkpoint).first()
        created = outcome is None
        previous = None if created else outcome.result
        if created:
            outcome = Outcome(case=locked, checkpoint=checkpoint)
        outcome.result, outcome.recorded_on, outcome.note = result, recorded_on, note
        outcome.recorded_by = user
        outcome.save()
        log(instance=case, action=OUTCOME_RECORDED_ACTION, user=user, data={
            "reference": locked.reference, "outcome": outcome.pk, "checkpoint": checkpoint, "result": result,
            "recorded_on": recorded_on.isoformat(), "corrected": not created, "previous_result": previous,
        })
        transitions.bump_version(locked)
        case.version = locked.version
    return outcome, created


def outcomes_by_checkpoint(case):
    """``(checkpoint value, label, outcome or None)`` for every checkpoint,
    in order. Uses ``case.outcomes.all()`` (prefetch it with ``recorded_by``)."""
    recorded = {outcome.checkpoint: outcome for outcome in case.outcomes.all()}
    return [(value, label, recorded.get(value)) for value, label in Outcome.Checkpoint.choices]
