"""Screening talks: booking, moving, cancelling, and noting what was said.

Each function checks that the user handles cases in the case's municipality,
locks the case, refuses a change made on an outdated page
(``expected_version``), saves, bumps the version, writes the audit entry on
the Case and queues the citizen's e-mail, all in one transaction. The e-mail
only says that there is news on My page; the time and place are read there
or in the calendar file.

The outcome notes are the note of what the citizen said at the talk
(notatpligt, forvaltningsloven § 13): they stay on the talk, and the audit
entry only records that they were written, never the text. A cancellation
reason is written as a journal note for the same reason."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..models import Case, InformationRequest, ScreeningTalk
from ..tenancy import may_act_on
from . import casework, notifications, transitions
from .transitions import StaleCase, TransitionError

S = Case.Status

TALK_BOOKED_ACTION = "backoffice.case.talk_booked"
TALK_RESCHEDULED_ACTION = "backoffice.case.talk_rescheduled"
TALK_CANCELLED_ACTION = "backoffice.case.talk_cancelled"
TALK_OUTCOME_ACTION = "backoffice.case.talk_outcome_recorded"
TALK_ACTIONS = (TALK_BOOKED_ACTION, TALK_RESCHEDULED_ACTION, TALK_CANCELLED_ACTION, TALK_OUTCOME_ACTION)

PERMISSION = "backoffice.handle_case"
# Screening talks belong to the time before the admission decision.
TALK_STATUSES = frozenset({S.SUBMITTED, S.SCREENING, S.AWAITING_INFORMATION, S.CONSULTATION})
OUTCOME_MAX_LENGTH = 20000
REASON_MAX_LENGTH = 2000

__all__ = [
    "TalkRefused", "StaleCase", "TalkDetails", "book_talk", "reschedule_talk", "cancel_talk",
    "record_talk_outcome", "talk_staff", "talk_sequence",
]


class TalkRefused(TransitionError):
    """The change cannot be made as a whole; ``message`` says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class TalkDetails:
    """What is booked: when, where (a place and/or a video link), who."""

    starts_at: object
    ends_at: object
    location: str = ""
    video_url: str = ""
    staff: tuple = ()


def talk_staff(municipality):
    """Who may be present for the municipality: its active staff who handle
    cases. The form's choices and the service's check use the same list."""
    return casework.assignable_staff(municipality)


def talk_sequence(talk):
    """How many times the booked talk was changed or cancelled: the
    calendar file's SEQUENCE, so calendars replace an older copy."""
    from wagtail.models import ModelLogEntry

    return ModelLogEntry.objects.filter(
        content_type__app_label="backoffice", content_type__model="case", object_id=str(talk.case_id),
        action__in=(TALK_RESCHEDULED_ACTION, TALK_CANCELLED_ACTION), data__talk=talk.pk,
    ).count()


# --- Checks ---------------------------------------------------------------------------------------


def _check_permission(user, case):
    """Handles cases, in the case's municipality: checked before anything
    else, so nobody else learns even what the form would refuse."""
    if not (user.has_perm(PERMISSION) and may_act_on(user, case)):
        raise PermissionDenied


def _locked_case(case, user, expected_version):
    _check_permission(user, case)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleCase
    return locked


def _clean_details(case, details, *, now, booked_start=None):
    """The booking as it will be saved, or ``ValidationError`` with the
    problems per form field. ``booked_start``: the talk's present start,
    which may have passed (the staff list of a talk under way can change)."""
    errors = {}
    location = (details.location or "").strip()
    video_url = (details.video_url or "").strip()
    if details.starts_at is None or details.ends_at is None:
        errors["starts_at"] = _("Give the date and the time the talk starts and ends.")
    elif details.ends_at <= details.starts_at:
        errors["ends_at"] = _("The talk must end after it starts.")
    elif details.starts_at < now and details.starts_at != booked_start:
        errors["starts_at"] = _("The time has already passed. Choose a time in the future.")
    if not location and not video_url:
        errors["location"] = _("Give a place or a link to a video meeting.")
    if len(location) > ScreeningTalk._meta.get_field("location").max_length:
        errors["location"] = _("The place is too long.")
    if video_url and not video_url.lower().startswith("https://"):
        # The citizen opens the link from My page: only a secure web address.
        errors["video_url"] = _("The video link must be a web address starting with https://.")
    staff = list(details.staff or ())
    allowed = set(talk_staff(case.municipality_id).filter(pk__in=[u.pk for u in staff])
                  .values_list("pk", flat=True))
    if any(u.pk not in allowed for u in staff):
        errors["staff"] = _("Only staff of the municipality who handle cases can take part.")
    if errors:
        raise ValidationError(errors)
    return location, video_url, staff


def _open_talk(talk, user, expected_version):
    """The talk's case, locked; refuses a talk that was cancelled meanwhile."""
    locked = _locked_case(talk.case, user, expected_version)
    fresh = ScreeningTalk.objects.select_for_update().get(pk=talk.pk)
    if fresh.cancelled_at is not None:
        raise TalkRefused(_("The talk has been cancelled."))
    return locked, fresh


def _audit(case, action, user, locked, talk, **data):
    log(instance=case, action=action, user=user, data={
        "reference": locked.reference, "talk": talk.pk, **data,
    })


def _iso(value):
    """A time for the audit data: ISO 8601 in UTC, whatever zone it came in."""
    return value.astimezone(datetime.UTC).isoformat()


def _times(talk):
    return {"starts_at": _iso(talk.starts_at), "ends_at": _iso(talk.ends_at)}


# --- Writes ---------------------------------------------------------------------------------------


def book_talk(case, user, *, starts_at, ends_at, location="", video_url="", staff=(),
              expected_version=None, now=None):
    """Book a screening talk and tell the citizen. A new application goes
    into screening. Raises ``ValidationError`` (per field), ``TalkRefused``,
    ``StaleCase``, ``PermissionDenied``."""
    now = now or timezone.now()
    details = TalkDetails(starts_at, ends_at, location, video_url, tuple(staff))
    _check_permission(user, case)
    location, video_url, staff = _clean_details(case, details, now=now)
    with transaction.atomic():
        locked = _locked_case(case, user, expected_version)
        if locked.status not in TALK_STATUSES:
            raise TalkRefused(_("Talks are booked before the admission decision. This case is past that."))
        talk = ScreeningTalk.objects.create(
            case=locked, starts_at=starts_at, ends_at=ends_at, location=location, video_url=video_url)
        talk.staff.set(staff)
        _audit(case, TALK_BOOKED_ACTION, user, locked, talk, **_times(talk),
               staff=sorted(u.pk for u in staff), video=bool(video_url))
        if _moves_to_screening(locked):
            transitions.transition(locked, S.SCREENING, user=user,
                                   data={"reason": "talk_booked", "talk": talk.pk})
            case.status, case.status_changed_at = locked.status, locked.status_changed_at
        else:
            transitions.bump_version(locked)
        case.version = locked.version
        notifications.notify_citizen(case, notifications.CITIZEN_TALK_BOOKED)
    return talk


def _moves_to_screening(locked):
    """A new application is being screened once a talk is booked. A case
    waiting for the citizen's answer keeps waiting while a question is open
    (the answer moves it on), so the queue still shows who we wait for."""
    if locked.status == S.SUBMITTED:
        return True
    return locked.status == S.AWAITING_INFORMATION and not InformationRequest.objects.filter(
        case=locked, answered_at__isnull=True).exists()


def reschedule_talk(talk, user, *, starts_at, ends_at, location="", video_url="", staff=(),
                    expected_version=None, now=None):
    """Change the time, place, link or staff of a booked talk. The citizen
    is told when what concerns them (time, place, link) changed."""
    now = now or timezone.now()
    case = talk.case
    _check_permission(user, case)
    location, video_url, staff = _clean_details(
        case, TalkDetails(starts_at, ends_at, location, video_url, tuple(staff)), now=now,
        booked_start=talk.starts_at)
    with transaction.atomic():
        locked, fresh = _open_talk(talk, user, expected_version)
        if fresh.outcome_notes:
            raise TalkRefused(
                _("The talk has taken place and its outcome is written. Book a new talk instead."))
        before = {"starts_at": fresh.starts_at, "ends_at": fresh.ends_at, "location": fresh.location,
                  "video_url": fresh.video_url}
        old_staff = set(fresh.staff.values_list("pk", flat=True))
        after = {"starts_at": starts_at, "ends_at": ends_at, "location": location, "video_url": video_url}
        changed = sorted(name for name in before if before[name] != after[name])
        new_staff = {u.pk for u in staff}
        if new_staff != old_staff:
            changed.append("staff")
        if not changed:
            return talk
        ScreeningTalk.objects.filter(pk=fresh.pk).update(**after)
        fresh.staff.set(staff)
        for name, value in after.items():
            setattr(talk, name, value)
        # Times before and after; place and link only by name (a place can
        # be the citizen's home address).
        _audit(case, TALK_RESCHEDULED_ACTION, user, locked, fresh, changed=changed,
               before={"starts_at": _iso(before["starts_at"]), "ends_at": _iso(before["ends_at"])},
               after=_times(talk), staff=sorted(new_staff))
        transitions.bump_version(locked)
        case.version = locked.version
        if set(changed) - {"staff"}:
            notifications.notify_citizen(case, notifications.CITIZEN_TALK_CHANGED)
    return talk


def cancel_talk(talk, user, reason, *, expected_version=None, now=None):
    """Cancel a booked talk and tell the citizen. The reason goes into a
    journal note on the case (it is often what the citizen said on the
    phone), not into the audit log."""
    now = now or timezone.now()
    _check_permission(user, talk.case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write why the talk is cancelled.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("The reason is too long.")})
    case = talk.case
    with transaction.atomic():
        locked, fresh = _open_talk(talk, user, expected_version)
        if fresh.outcome_notes:
            raise TalkRefused(
                _("The talk has taken place and its outcome is written, so it cannot be cancelled."))
        ScreeningTalk.objects.filter(pk=fresh.pk).update(cancelled_at=now)
        talk.cancelled_at = now
        note = casework.add_journal_note(case, user, _cancellation_note(fresh, reason))
        _audit(case, TALK_CANCELLED_ACTION, user, locked, fresh, **_times(fresh), note=note.pk)
        transitions.bump_version(locked)
        case.version = locked.version
        notifications.notify_citizen(case, notifications.CITIZEN_TALK_CANCELLED)
    return talk


def _cancellation_note(talk, reason):
    """The journal note's text, in the installation's language: the case
    file is kept in Danish whatever language the staff member's screen uses."""
    when = timezone.localtime(talk.starts_at)
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("Talk on %(date)s at %(time)s cancelled. Reason: %(reason)s") % {
            "date": when.strftime("%d.%m.%Y"), "time": when.strftime("%H:%M"), "reason": reason})


def record_talk_outcome(talk, user, notes, *, expected_version=None, now=None):
    """Write (or correct) what was said and agreed at the talk. Possible
    from the start of the talk; the audit entry says whether it was a
    correction, the notes themselves stay on the talk."""
    now = now or timezone.now()
    _check_permission(user, talk.case)
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({"outcome_notes": _("Write what was said and agreed at the talk.")})
    if len(notes) > OUTCOME_MAX_LENGTH:
        raise ValidationError({"outcome_notes": _("The notes are too long.")})
    case = talk.case
    with transaction.atomic():
        locked, fresh = _open_talk(talk, user, expected_version)
        if fresh.starts_at > now:
            raise TalkRefused(_("The talk has not started yet. Write the outcome after the talk."))
        if fresh.outcome_notes == notes:
            return talk
        corrected = bool(fresh.outcome_notes)
        ScreeningTalk.objects.filter(pk=fresh.pk).update(outcome_notes=notes)
        talk.outcome_notes = notes
        _audit(case, TALK_OUTCOME_ACTION, user, locked, fresh, starts_at=_iso(fresh.starts_at),
               corrected=corrected)
        transitions.bump_version(locked)
        case.version = locked.version
    return talk
