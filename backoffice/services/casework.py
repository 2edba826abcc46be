"""What staff do on a case besides deciding: take it on or hand it over,
note what the citizen said on the phone (notatpligt), ask the citizen for
more information, and write to them.

Each function checks that the user may do it on this case (role and
municipality), locks the case, refuses a change made on an outdated page
(``expected_version``), saves, bumps the version and writes the audit entry,
all in one transaction. Audit data holds ids and dates, never the text."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..deadlines import next_working_day
from ..lifecycle import OPEN_STATUSES
from ..models import Case, InformationRequest, JournalNote, Message
from ..tenancy import may_act_on
from . import notifications, transitions
from .transitions import StaleCase, TransitionError

S = Case.Status

ASSIGNED_ACTION = "backoffice.case.assigned"
NOTE_ADDED_ACTION = "backoffice.case.note_added"
INFORMATION_REQUESTED_ACTION = "backoffice.case.information_requested"
STAFF_MESSAGE_ACTION = "backoffice.case.staff_message"

NOTE_MAX_LENGTH = 10000
QUESTION_MAX_LENGTH = 5000
MESSAGE_MAX_LENGTH = 5000

# Asking the citizen for information puts a case that is being assessed on
# hold; later in the lifecycle a question does not change the status.
WAITS_FOR_INFORMATION_FROM = {S.SUBMITTED, S.SCREENING}


class CaseworkRefused(TransitionError):
    """The change cannot be made; ``message`` says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Staff:
    """Who may be given a case: staff of its municipality who handle cases."""

    pk: int
    name: str


def assignable_staff(municipality):
    """Users of ``municipality`` who may handle cases (by role group or by
    direct permission), by name."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    handle = Permission.objects.get(content_type__app_label="backoffice", codename="handle_case")
    return (
        get_user_model().objects.filter(is_active=True, staff_membership__municipality=municipality)
        .filter(Q(groups__permissions=handle) | Q(user_permissions=handle))
        .distinct().order_by("first_name", "last_name", "email")
    )


def _locked_case(case, user, permission, expected_version):
    if not (user.has_perm(permission) and may_act_on(user, case)):
        raise PermissionDenied
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleCase
    if locked.status == S.ANONYMISED:
        raise CaseworkRefused(_("This case has been anonymised."))
    return locked


def _changed(case, locked):
    transitions.bump_version(locked)
    case.version = locked.version


def assign_case(case, user, assignee, *, expected_version=None):
    """Give ``case`` to ``assignee`` (None: nobody). Needs ``assign_case``,
    except that a caseworker may always take a case themselves."""
    permission = "backoffice.handle_case" if assignee is not None and assignee.pk == user.pk \
        else "backoffice.assign_case"
    with transaction.atomic():
        locked = _locked_case(case, user, permission, expected_version)
        if assignee is not None and not assignable_staff(locked.municipality_id).filter(pk=assignee.pk).exists():
            raise CaseworkRefused(_("%(name)s does not handle cases in this municipality.")
                                  % {"name": assignee.get_full_name() or assignee.get_username()})
        previous = locked.assigned_to_id
        if previous == (assignee.pk if assignee else None):
            return case
        Case.objects.filter(pk=locked.pk).update(assigned_to=assignee)
        case.assigned_to = assignee
        _changed(case, locked)
        log(instance=case, action=ASSIGNED_ACTION, user=user, data={
            "reference": locked.reference, "from": previous, "to": assignee.pk if assignee else None,
        })
    return case


def add_journal_note(case, user, body, *, noted_at=None, expected_version=None):
    """Note information the citizen or others gave orally (forvaltningsloven
    § 13). ``noted_at``: when it was said, if not now."""
    body = (body or "").strip()
    if not body:
        raise CaseworkRefused(_("Write the note."))
    if len(body) > NOTE_MAX_LENGTH:
        raise CaseworkRefused(_("The note is too long."))
    now = timezone.now()
    if noted_at and noted_at > now:
        raise CaseworkRefused(_("The information cannot have been given in the future."))
    with transaction.atomic():
        locked = _locked_case(case, user, "backoffice.handle_case", None)
        note = JournalNote.objects.create(case=locked, author=user, body=body, noted_at=noted_at or now)
        _changed(case, locked)
        log(instance=case, action=NOTE_ADDED_ACTION, user=user,
            data={"reference": locked.reference, "note": note.pk})
    return note


def request_information(case, user, question, due_on, *, expected_version=None):
    """Ask the citizen for more information by ``due_on``. The question is
    shown on My page; the e-mail only says there is a question. A case being
    assessed waits for the answer (status AWAITING_INFORMATION). A
    ``due_on`` on a weekend or holiday moves to the next working day (the
    Danish deadline rule, ``deadlines``); the request's ``due_on`` is the
    date used."""
    question = (question or "").strip()
    if not question:
        raise CaseworkRefused(_("Write what you need from the citizen."))
    if len(question) > QUESTION_MAX_LENGTH:
        raise CaseworkRefused(_("The question is too long."))
    if due_on < timezone.localdate():
        raise CaseworkRefused(_("The deadline cannot be in the past."))
    due_on = next_working_day(due_on)
    with transaction.atomic():
        locked = _locked_case(case, user, "backoffice.handle_case", expected_version)
        if locked.status not in OPEN_STATUSES:
            raise CaseworkRefused(_("The case is closed, so the citizen cannot be asked any more."))
        if locked.citizen_id is None:
            raise CaseworkRefused(_("This case has no citizen login, so questions cannot reach them here."))
        request = InformationRequest.objects.create(case=locked, question=question, due_on=due_on,
                                                    created_by=user)
        log(instance=case, action=INFORMATION_REQUESTED_ACTION, user=user, data={
            "reference": locked.reference, "information_request": request.pk, "due_on": due_on.isoformat(),
        })
        if locked.status in WAITS_FOR_INFORMATION_FROM:
            transitions.transition(locked, S.AWAITING_INFORMATION, user=user, authorised=True,
                                   data={"reason": "information_requested"})
            case.status, case.status_changed_at = locked.status, locked.status_changed_at
        _changed(case, locked)
        notifications.notify_citizen(case, notifications.CITIZEN_INFORMATION_REQUEST)
    return request


def send_staff_message(case, user, body, *, expected_version=None):
    """A message to the citizen; they get an e-mail that there is news."""
    body = (body or "").strip()
    if not body:
        raise CaseworkRefused(_("Write the message."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise CaseworkRefused(_("The message is too long."))
    with transaction.atomic():
        locked = _locked_case(case, user, "backoffice.handle_case", None)
        if locked.citizen_id is None:
            raise CaseworkRefused(_("This case has no citizen login, so messages cannot reach them here."))
        now = timezone.now()
        message = Message.objects.create(case=locked, sender=user, from_staff=True, body=body,
                                         created_at=now, read_by_staff_at=now)
        _changed(case, locked)
        log(instance=case, action=STAFF_MESSAGE_ACTION, user=user,
            data={"reference": locked.reference, "message": message.pk})
        notifications.notify_citizen(case, notifications.CITIZEN_MESSAGE)
    return message


def mark_messages_read_by_staff(case, user, now=None):
    """Staff have seen the citizen's messages (the case page shows them).
    Not a change to the case: no version bump, no audit entry."""
    if not (user.has_perm("backoffice.view_case") and may_act_on(user, case)):
        return 0
    return Message.objects.filter(case=case, from_staff=False, read_by_staff_at__isnull=True).update(
        read_by_staff_at=now or timezone.now())


def start_assessment(case, user, *, expected_version=None):
    """The caseworker starts looking at a new application."""
    return transitions.transition(case, S.SCREENING, user=user, expected_version=expected_version,
                                  data={"reason": "assessment_started"})
