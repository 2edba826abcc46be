"""Referral to the ordinary employment effort (henvisning til almindelig
beskæftigelsesrettet indsats) of a participant who took the course and gets
no loan: the evaluation counts them ("the other 6 course participants were
referred to the ordinary effort"), so the date is kept on the case
(``Case.referred_ordinary_effort_on``) and the case is closed.

Possible when the course is over and no loan will follow: the course was
completed without a loan decision, the participant dropped out, or the loan
was declined. Not for someone who left for a job (they are self-sufficient,
not referred) nor for a case with a loan. A citizen not admitted at
screening is referred by the admission decision itself
(``DecisionKind.REFER_TO_ORDINARY_EFFORT``).

Check → lock → save → close through ``transitions.transition`` (which writes
the audit entry) in one transaction. The note, if any, is kept as a journal
note on the case, never in the audit log."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Case, JournalNote, Loan
from ..tenancy import may_act_on
from . import transitions
from .transitions import StaleCase, TransitionError

S = Case.Status

REFERRED_ACTION = "backoffice.case.referred_ordinary_effort"
PERMISSIONS = ("backoffice.decide_admission", "backoffice.decide_loan")
REFERABLE_STATUSES = frozenset({S.COURSE_COMPLETED, S.DROPPED_OUT, S.LOAN_DECLINED})
NOTE_MAX_LENGTH = 2000

__all__ = ["ReferralRefused", "StaleCase", "may_refer", "refer_to_ordinary_effort"]


class ReferralRefused(TransitionError):
    """The referral cannot be recorded now; ``message`` says why, for staff."""

    def __init__(self, message, code=""):
        super().__init__(str(message))
        self.message = message
        self.code = code


def may_refer(user):
    """Whether ``user``'s role may refer (caseworker, coordinator)."""
    return user.is_authenticated and any(user.has_perm(permission) for permission in PERMISSIONS)


def refer_to_ordinary_effort(case, user, *, referred_on=None, note="", expected_version=None, today=None):
    """Record that the participant is referred to the ordinary employment
    effort on ``referred_on`` (default today) and close the case.
    Raises ``ReferralRefused``, ``StaleCase``, ``PermissionDenied``."""
    today = today or timezone.localdate()
    referred_on = referred_on or today
    note = (note or "").strip()
    if not (may_refer(user) and may_act_on(user, case)):
        raise PermissionDenied
    if not isinstance(referred_on, datetime.date) or referred_on > today:
        raise ReferralRefused(_("The date of the referral cannot be in the future."), code="date")
    if len(note) > NOTE_MAX_LENGTH:
        raise ReferralRefused(_("The note is too long."), code="note")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if expected_version is not None and int(expected_version) != locked.version:
            raise StaleCase
        if locked.referred_ordinary_effort_on is not None:
            raise ReferralRefused(_("The citizen has already been referred to the ordinary employment effort."),
                                  code="already")
        if locked.status not in REFERABLE_STATUSES:
            raise ReferralRefused(_("A referral to the ordinary employment effort is recorded after the course, "
                                    "when no loan follows. It does not fit the case in its present status."),
                                  code="wrong_status")
        if locked.loan_granted_on is not None or Loan.objects.filter(case=locked).exists():
            raise ReferralRefused(_("The case has a loan, so it is not referred to the ordinary employment "
                                    "effort."), code="loan")
        started = locked.course_started_on or locked.marked_from
        if started and referred_on < started:
            raise ReferralRefused(_("The referral cannot be dated before the course started."), code="date")
        fields = {"referred_ordinary_effort_on": referred_on}
        if locked.marked_from and locked.marked_until is None:
            # The person-group marker ends with the referral: the case leaves the scheme.
            fields["marked_until"] = max(referred_on, locked.marked_from)
        Case.objects.filter(pk=locked.pk).update(**fields)
        for name, value in fields.items():
            setattr(case, name, value)
        if note:
            JournalNote.objects.create(case=locked, author=user, body=note)
        # Checked above: the role may refer, in its own municipality.
        transitions.transition(case, S.CLOSED, user=user, expected_version=locked.version, authorised=True,
                               action=REFERRED_ACTION,
                               data={"reason": "referred_ordinary_effort", "referred_on": referred_on.isoformat(),
                                     "note": bool(note)})
    return case
