"""The one way to change a case's status.

``transition`` checks, in one transaction: that the user may act on the
case (their municipality, their role's permission for the new status, or
the citizen's own withdrawal), that the lifecycle allows the move from the
status in the database now (``backoffice.lifecycle``), and - when the caller
says which version they saw - that nobody changed the case meanwhile. Then
it saves, bumps the version and writes the audit entry. Two staff acting on
one case at once: the first wins, the second gets ``StaleCase`` and a
message to reload."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..lifecycle import can_transition
from ..models import Case
from ..tenancy import may_act_on

S = Case.Status
STATUS_CHANGED_ACTION = "backoffice.case.status_changed"

# The permission a staff member needs to move a case INTO each status.
REQUIRED_PERMISSION = {
    S.SCREENING: "backoffice.handle_case",
    S.AWAITING_INFORMATION: "backoffice.handle_case",
    S.CONSULTATION: "backoffice.decide_admission",
    S.ADMITTED: "backoffice.decide_admission",
    S.NOT_ADMITTED: "backoffice.decide_admission",
    S.WITHDRAWN: "backoffice.handle_case",  # staff record a withdrawal given by phone
    S.IN_COURSE: "backoffice.manage_course",
    S.COURSE_COMPLETED: "backoffice.manage_course",
    S.LEFT_FOR_EMPLOYMENT: "backoffice.manage_course",
    S.DROPPED_OUT: "backoffice.manage_course",
    S.LOAN_CONSULTATION: "backoffice.decide_loan",
    S.LOAN_GRANTED: "backoffice.decide_loan",
    S.LOAN_DECLINED: "backoffice.decide_loan",
    S.BUSINESS_SETUP: "backoffice.manage_loan",
    S.LOAN_DISBURSED: "backoffice.manage_loan",
    S.IN_REPAYMENT: "backoffice.manage_loan",
    S.CLOSED: "backoffice.handle_case",
    S.ANONYMISED: "backoffice.anonymise_case",
}

# When a status is entered, the matching timestamp is set too.
TIMESTAMP_FIELDS = {S.WITHDRAWN: "withdrawn_at", S.CLOSED: "closed_at", S.ANONYMISED: "anonymised_at"}

# The person-group marker runs from the course place through the loan period
# (DOMAIN.md); entering one of these statuses ends it, as the case leaves the
# scheme (no loan ahead, or the loan period over). A declined loan granted
# after all (reconsideration, appeal) opens the loan period again.
MARKER_ENDING_STATUSES = frozenset({S.DROPPED_OUT, S.LEFT_FOR_EMPLOYMENT, S.WITHDRAWN, S.LOAN_DECLINED,
                                    S.CLOSED})


class TransitionError(Exception):
    """A status change that did not happen; ``message`` is for the user."""

    message = ""

    def __str__(self):
        return str(self.message)


class TransitionNotAllowed(TransitionError):
    message = _("This cannot be done on the case in its present status. Reload the page to see its status.")

    def __init__(self, from_status, to_status):
        super().__init__(f"{from_status} -> {to_status}")
        self.from_status, self.to_status = from_status, to_status


class StaleCase(TransitionError):
    message = _("Someone else changed the case while you were working on it. Reload the page to see "
                "the change, and try again.")


def may_transition(user, case, to_status):
    """Whether ``user`` may move ``case`` to ``to_status`` (role, municipality
    and the citizen's own withdrawal); the lifecycle is checked separately."""
    if to_status == S.WITHDRAWN and case.citizen_id is not None and case.citizen_id == user.pk:
        return True
    permission = REQUIRED_PERMISSION.get(S(to_status))
    return bool(permission) and user.has_perm(permission) and may_act_on(user, case)


def transition(case, to_status, *, user, expected_version=None, action=STATUS_CHANGED_ACTION, data=None,
               now=None, authorised=False):
    """Move ``case`` to ``to_status``; update ``case`` in place and return it.

    ``expected_version``: the version the user saw (from the form); a
    different version in the database raises ``StaleCase``. Raises
    ``PermissionDenied`` and ``TransitionNotAllowed`` too. ``authorised``:
    the caller has already checked that ``user`` may cause this change
    (a citizen's answer moving the case back to assessment). Call it inside
    the caller's transaction when other writes must succeed or fail with it."""
    to_status = S(to_status)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().only(
            "pk", "status", "version", "reference", "municipality_id", "citizen_id", "marked_from",
            "marked_until").get(pk=case.pk)
        if not authorised and not may_transition(user, locked, to_status):
            raise PermissionDenied
        if expected_version is not None and int(expected_version) != locked.version:
            raise StaleCase
        if not can_transition(locked.status, to_status):
            raise TransitionNotAllowed(locked.status, to_status)
        fields = {"status": to_status, "status_changed_at": now, "version": locked.version + 1}
        if to_status in TIMESTAMP_FIELDS:
            fields[TIMESTAMP_FIELDS[to_status]] = now
        fields.update(_marker_change(locked, to_status, timezone.localdate(now)))
        # Conditional on the version read under the lock: on databases
        # without row locks (SQLite) a concurrent write still cannot be lost.
        if Case.objects.filter(pk=locked.pk, version=locked.version).update(**fields) != 1:
            raise StaleCase
        for name, value in fields.items():
            setattr(case, name, value)
        log(instance=case, action=action, user=user, data={
            "reference": locked.reference, "from": str(locked.status), "to": str(to_status), **(data or {}),
        })
    return case


def _marker_change(locked, to_status, today):
    """The marker fields to change when ``locked`` enters ``to_status``."""
    if to_status in MARKER_ENDING_STATUSES and locked.marked_from and locked.marked_until is None:
        return {"marked_until": max(today, locked.marked_from)}
    if to_status == S.LOAN_GRANTED and locked.status == S.LOAN_DECLINED and locked.marked_until is not None:
        return {"marked_until": None}
    return {}


def bump_version(case):
    """Record that ``case`` changed without a status change (a note, a
    message, a document), so a form opened before it is recognised as stale."""
    from django.db.models import F

    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
    case.version = Case.objects.filter(pk=case.pk).values_list("version", flat=True).get()
    return case
