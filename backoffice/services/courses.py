"""The guidance and upskilling course: cohorts, sessions, enrolment,
attendance, coaching notes and how each participant ended the course.

Every write checks that the user may run courses (``manage_course``) in the
cohort's municipality, then saves and audits in one transaction. What
happens to a case (a place, the waiting list, attendance, a note, how the
course ended) is logged on the Case, so the case page's timeline shows it;
changes to the cohort itself are logged on the Cohort. Log data holds ids,
statuses and dates, never the text of a note.

Lifecycle: a case gets a place only while ADMITTED. Getting a place moves
it to IN_COURSE at once (the status means "has a place on a course", so the
queue shows the admitted cases still without one); a case on the waiting
list stays ADMITTED. Ending the course moves it on to COURSE_COMPLETED,
DROPPED_OUT or LEFT_FOR_EMPLOYMENT (the "double effect": a good outcome).

Places: completed and current participants hold a place; one who drops out
or leaves for a job frees it, and the first on the waiting list whose case
is still admitted moves up in the same transaction. The cohort row is
locked while places are counted, so two staff cannot fill the last place
twice.

Person-group marker: it runs from the course grant through the loan period
(DOMAIN.md). A place on a cohort sets ``marked_from`` if it is not set; a
participant who drops out or leaves for a job has no loan period ahead, so
the marker ends on that day.

The citizen is e-mailed (after commit, without content: "there is news on
My page") when the case gets a place, also when moved up from the waiting
list."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..models import Attendance, Case, CoachingNote, Cohort, CourseSession, Enrolment
from ..tenancy import may_act_on, municipality_of
from . import notifications, transitions
from .transitions import TransitionError

S = Case.Status
E = Enrolment.Status
PERMISSION = "backoffice.manage_course"

ENROLLED_ACTION = "backoffice.case.course_enrolled"
WAITING_ACTION = "backoffice.case.course_waiting_list"
MOVED_UP_ACTION = "backoffice.case.course_moved_up"
ENDED_ACTION = "backoffice.case.course_ended"
ATTENDANCE_ACTION = "backoffice.case.course_attendance"
COACHING_ACTION = "backoffice.case.coaching_note_added"
CASE_ACTIONS = (ENROLLED_ACTION, WAITING_ACTION, MOVED_UP_ACTION, ENDED_ACTION, ATTENDANCE_ACTION,
                COACHING_ACTION)

COHORT_CREATED_ACTION = "backoffice.cohort.created"
COHORT_CHANGED_ACTION = "backoffice.cohort.changed"
SESSION_ADDED_ACTION = "backoffice.cohort.session_added"
SESSION_CHANGED_ACTION = "backoffice.cohort.session_changed"
GROUP_COACHING_ACTION = "backoffice.cohort.coaching_note_added"
COHORT_ACTIONS = (COHORT_CREATED_ACTION, COHORT_CHANGED_ACTION, SESSION_ADDED_ACTION, SESSION_CHANGED_ACTION,
                  GROUP_COACHING_ACTION)

# Who holds a place on the cohort; the others have freed theirs (or wait).
PLACE_HOLDING = (E.ENROLLED, E.COMPLETED)
# How the course can end, and the case status each ending leads to.
OUTCOME_STATUS = {E.COMPLETED: S.COURSE_COMPLETED, E.DROPPED_OUT: S.DROPPED_OUT,
                  E.LEFT_FOR_EMPLOYMENT: S.LEFT_FOR_EMPLOYMENT}
FREES_PLACE = frozenset({E.DROPPED_OUT, E.LEFT_FOR_EMPLOYMENT})
ACTIVE = (E.WAITING, E.ENROLLED)
COHORT_FIELDS = ("name", "starts_on", "ends_on", "capacity", "place")
SESSION_FIELDS = ("starts_at", "ends_at", "module", "title", "teacher")
NOTE_MAX_LENGTH = 20000
ATTENDANCE_NOTE_MAX_LENGTH = Attendance._meta.get_field("note").max_length

__all__ = [
    "CourseRefused", "may_manage", "responsible_staff", "create_cohort", "update_cohort", "add_session",
    "update_session", "enrol", "end_enrolment", "record_attendance", "add_coaching_note", "places_taken",
]


class CourseRefused(TransitionError):
    """The change cannot be made as a whole; ``message`` says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- Checks ---------------------------------------------------------------------------------------


def may_manage(user, municipality_id):
    """Runs courses, in this municipality (superusers: all)."""
    if not user.has_perm(PERMISSION):
        return False
    own = municipality_of(user)
    return user.is_superuser or (own is not None and own.pk == municipality_id)


def _check(user, municipality_id):
    if not may_manage(user, municipality_id):
        raise PermissionDenied


def responsible_staff(municipality):
    """Who can be responsible for a cohort: the municipality's active staff
    who run courses (by role group or direct permission)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    manage = Permission.objects.get(content_type__app_label="backoffice", codename="manage_course")
    return (
        get_user_model().objects.filter(is_active=True, staff_membership__municipality=municipality)
        .filter(Q(groups__permissions=manage) | Q(user_permissions=manage))
        .distinct().order_by("first_name", "last_name", "email")
    )


def places_taken(cohort):
    return cohort.enrolments.filter(status__in=PLACE_HOLDING).count()


def _clean_cohort(municipality, fields, responsible, *, cohort=None):
    errors = {}
    name = (fields.get("name") or "").strip()
    starts_on, ends_on = fields.get("starts_on"), fields.get("ends_on")
    capacity = fields.get("capacity")
    if not name:
        errors["name"] = _("Give the cohort a name.")
    elif Cohort.objects.filter(municipality=municipality, name__iexact=name).exclude(
            pk=getattr(cohort, "pk", None)).exists():
        errors["name"] = _("The municipality already has a cohort with this name.")
    if not starts_on or not ends_on:
        errors["starts_on"] = _("Give the dates the course starts and ends.")
    elif ends_on < starts_on:
        errors["ends_on"] = _("The course must end after it starts.")
    if capacity is None or capacity < 1:
        errors["capacity"] = _("There must be at least one place.")
    elif cohort is not None and capacity < places_taken(cohort):
        errors["capacity"] = _(
            "The cohort already has %(count)s participants; there cannot be fewer places.") % {
            "count": places_taken(cohort)}
    allowed = set(responsible_staff(municipality).values_list("pk", flat=True))
    if any(u.pk not in allowed for u in responsible):
        errors["responsible"] = _("Only staff of the municipality who run courses can be responsible.")
    if errors:
        raise ValidationError(errors)
    return {**fields, "name": name, "place": (fields.get("place") or "").strip()}


def _clean_session(cohort, fields):
    errors = {}
    starts_at, ends_at = fields.get("starts_at"), fields.get("ends_at")
    if not starts_at or not ends_at:
        errors["starts_at"] = _("Give the date and the time the session starts and ends.")
    elif ends_at <= starts_at:
        errors["ends_at"] = _("The session must end after it starts.")
    elif not cohort.starts_on <= timezone.localdate(starts_at) <= cohort.ends_on:
        errors["starts_at"] = _("The session must be within the course's dates.")
    if fields.get("module") not in CourseSession.Module.values:
        errors["module"] = _("Choose a module.")
    if errors:
        raise ValidationError(errors)
    return {**fields, "title": (fields.get("title") or "").strip(),
            "teacher": (fields.get("teacher") or "").strip()}


def _session_data(session):
    return {"session": session.pk, "starts_at": session.starts_at.isoformat(), "module": session.module}


# --- Cohorts and sessions -------------------------------------------------------------------------


def create_cohort(municipality, user, *, name, starts_on, ends_on, capacity=20, place="", responsible=()):
    """A new cohort of ``municipality``. Raises ``ValidationError`` (per
    field) and ``PermissionDenied``."""
    _check(user, municipality.pk)
    responsible = list(responsible)
    fields = _clean_cohort(municipality, {"name": name, "starts_on": starts_on, "ends_on": ends_on,
                                          "capacity": capacity, "place": place}, responsible)
    with transaction.atomic():
        cohort = Cohort.objects.create(municipality=municipality, **fields)
        cohort.responsible.set(responsible)
        log(instance=cohort, action=COHORT_CREATED_ACTION, user=user,
            data={"starts_on": str(starts_on), "ends_on": str(ends_on), "capacity": capacity})
    return cohort


def update_cohort(cohort, user, *, responsible=None, **changes):
    """Change the cohort's name, dates, places, place or responsible staff.
    More places move people up from the waiting list at once."""
    _check(user, cohort.municipality_id)
    unknown = set(changes) - set(COHORT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown cohort fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
        fields = {name: changes.get(name, getattr(locked, name)) for name in COHORT_FIELDS}
        staff = list(responsible) if responsible is not None else list(locked.responsible.all())
        fields = _clean_cohort(locked.municipality, fields, staff, cohort=locked)
        changed = sorted(name for name in COHORT_FIELDS if fields[name] != getattr(locked, name))
        if responsible is not None and {u.pk for u in staff} != set(
                locked.responsible.values_list("pk", flat=True)):
            locked.responsible.set(staff)
            changed.append("responsible")
        if not changed:
            return cohort
        Cohort.objects.filter(pk=locked.pk).update(**fields)
        for name, value in fields.items():
            setattr(cohort, name, value)
            setattr(locked, name, value)
        log(instance=cohort, action=COHORT_CHANGED_ACTION, user=user, data={"changed": changed})
        _fill_places(locked, user)
    return cohort


def add_session(cohort, user, *, starts_at, ends_at, module=CourseSession.Module.OTHER, title="", teacher=""):
    """A session on the cohort's timetable, within the course's dates."""
    _check(user, cohort.municipality_id)
    fields = _clean_session(cohort, {"starts_at": starts_at, "ends_at": ends_at, "module": module,
                                     "title": title, "teacher": teacher})
    with transaction.atomic():
        session = CourseSession.objects.create(cohort=cohort, **fields)
        log(instance=cohort, action=SESSION_ADDED_ACTION, user=user, data=_session_data(session))
    return session


def update_session(session, user, **changes):
    """Move a session or change its module, title or teacher."""
    cohort = session.cohort
    _check(user, cohort.municipality_id)
    unknown = set(changes) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown session fields: {sorted(unknown)}")
    fields = _clean_session(
        cohort, {name: changes.get(name, getattr(session, name)) for name in SESSION_FIELDS})
    changed = sorted(name for name in SESSION_FIELDS if fields[name] != getattr(session, name))
    if not changed:
        return session
    with transaction.atomic():
        CourseSession.objects.filter(pk=session.pk).update(**fields)
        for name, value in fields.items():
            setattr(session, name, value)
        log(instance=cohort, action=SESSION_CHANGED_ACTION, user=user,
            data={**_session_data(session), "changed": changed})
    return session


# --- Places and the waiting list ------------------------------------------------------------------


def _lock_cohort(cohort):
    return Cohort.objects.select_for_update().get(pk=cohort.pk)


def _case_log(case, action, user, enrolment, **data):
    log(instance=case, action=action, user=user, data={
        "reference": case.reference, "cohort": enrolment.cohort_id, "enrolment": enrolment.pk, **data})


def _mark(case, day):
    """Start the person-group marker on the course grant, if not started."""
    if case.marked_from is None:
        Case.objects.filter(pk=case.pk, marked_from__isnull=True).update(marked_from=day)
        case.marked_from = day


def _start_course(case, cohort, today):
    """The course milestone for the evaluation: the cohort's first day, or
    the day the place was given when someone joins a running cohort."""
    started = max(cohort.starts_on, today)
    Case.objects.filter(pk=case.pk).update(course_started_on=started, course_completed_on=None)
    case.course_started_on, case.course_completed_on = started, None


def _give_place(enrolment, case, user, today, action, **data):
    """The enrolment gets a place; the case goes into the course."""
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=E.ENROLLED, waiting_position=None, enrolled_on=today)
    enrolment.status, enrolment.waiting_position, enrolment.enrolled_on = E.ENROLLED, None, today
    _case_log(case, action, user, enrolment, **data)
    transitions.transition(case, S.IN_COURSE, user=user, data={"reason": "course_place",
                                                                "cohort": enrolment.cohort_id})
    _mark(case, today)
    _start_course(case, enrolment.cohort, today)
    notifications.notify_citizen(case, notifications.CITIZEN_COURSE_PLACE)


def enrol(case, user, cohort, *, expected_version=None, today=None):
    """Give an admitted case a place on ``cohort``, or a place on its
    waiting list when the cohort is full. Returns the ``Enrolment``.
    Raises ``CourseRefused``, ``StaleCase``, ``PermissionDenied``."""
    today = today or timezone.localdate()
    _check(user, cohort.municipality_id)
    if case.municipality_id != cohort.municipality_id or not may_act_on(user, case):
        raise PermissionDenied
    with transaction.atomic():
        locked_cohort = _lock_cohort(cohort)
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if expected_version is not None and int(expected_version) != locked.version:
            raise transitions.StaleCase
        if locked.status != S.ADMITTED:
            raise CourseRefused(_("Only a case admitted to the course can be given a place on a cohort."))
        if locked_cohort.ends_on < today:
            raise CourseRefused(_("The course has ended."))
        if Enrolment.objects.filter(case=locked, status__in=ACTIVE).exists():
            raise CourseRefused(_("The case already has a place on a cohort or on its waiting list."))
        if Enrolment.objects.filter(case=locked, cohort=locked_cohort).exists():
            raise CourseRefused(_("The case has been on this cohort before."))
        if places_taken(locked_cohort) < locked_cohort.capacity:
            enrolment = Enrolment.objects.create(case=locked, cohort=locked_cohort, status=E.ENROLLED,
                                                 enrolled_on=today)
            _case_log(locked, ENROLLED_ACTION, user, enrolment)
            transitions.transition(locked, S.IN_COURSE, user=user, data={"reason": "course_place",
                                                                          "cohort": cohort.pk})
            _mark(locked, today)
            _start_course(locked, locked_cohort, today)
            notifications.notify_citizen(locked, notifications.CITIZEN_COURSE_PLACE)
        else:
            last = locked_cohort.enrolments.filter(status=E.WAITING).aggregate(m=Max("waiting_position"))["m"]
            enrolment = Enrolment.objects.create(case=locked, cohort=locked_cohort, status=E.WAITING,
                                                 waiting_position=(last or 0) + 1)
            _case_log(locked, WAITING_ACTION, user, enrolment, position=enrolment.waiting_position)
            transitions.bump_version(locked)
        for name in ("status", "status_changed_at", "version", "marked_from", "course_started_on"):
            setattr(case, name, getattr(locked, name))
    return enrolment


def _fill_places(cohort, user, today=None):
    """Move people up from the waiting list while there are free places
    (call with the cohort locked). A waiting case that is no longer
    admitted (withdrawn, left for a job) is skipped and stays listed."""
    today = today or timezone.localdate()
    if cohort.ends_on < today:
        return []
    free = cohort.capacity - places_taken(cohort)
    moved = []
    waiting = (Enrolment.objects.filter(cohort=cohort, status=E.WAITING)
               .select_related("case").order_by("waiting_position", "pk"))
    for enrolment in waiting:
        if free <= 0:
            break
        case = Case.objects.select_for_update().get(pk=enrolment.case_id)
        if case.status != S.ADMITTED:
            continue
        position = enrolment.waiting_position
        _give_place(enrolment, case, user, today, MOVED_UP_ACTION, position=position)
        Enrolment.objects.filter(cohort=cohort, status=E.WAITING, waiting_position__gt=position).update(
            waiting_position=F("waiting_position") - 1)
        moved.append(enrolment)
        free -= 1
    return moved


def end_enrolment(enrolment, user, outcome, *, ended_on=None, expected_version=None):
    """How the participant ended the course: completed, dropped out, or left
    for ordinary employment. The case moves on; a freed place goes to the
    first on the waiting list. Someone on the waiting list can only leave
    it for a job. Returns the cases moved up from the waiting list."""
    outcome = E(outcome)
    if outcome not in OUTCOME_STATUS:
        raise ValueError(f"Not an ending: {outcome}")
    ended_on = ended_on or timezone.localdate()
    cohort = enrolment.cohort
    _check(user, cohort.municipality_id)
    with transaction.atomic():
        locked_cohort = _lock_cohort(cohort)
        fresh = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        case = Case.objects.select_for_update().get(pk=fresh.case_id)
        if expected_version is not None and int(expected_version) != case.version:
            raise transitions.StaleCase
        if fresh.status == E.WAITING and outcome != E.LEFT_FOR_EMPLOYMENT:
            raise CourseRefused(_("Someone on the waiting list has not started the course. They can only "
                                  "leave the list for a job."))
        if fresh.status not in ACTIVE:
            raise CourseRefused(_("The participant's course has already ended."))
        was_waiting, position = fresh.status == E.WAITING, fresh.waiting_position
        Enrolment.objects.filter(pk=fresh.pk).update(status=outcome, waiting_position=None, ended_on=ended_on)
        enrolment.status, enrolment.waiting_position, enrolment.ended_on = outcome, None, ended_on
        _case_log(case, ENDED_ACTION, user, fresh, outcome=str(outcome), ended_on=str(ended_on),
                  waiting=was_waiting)
        transitions.transition(case, OUTCOME_STATUS[outcome], user=user,
                               data={"reason": "course_ended", "cohort": cohort.pk})
        if outcome == E.COMPLETED:
            Case.objects.filter(pk=case.pk).update(course_completed_on=ended_on)
        if outcome in FREES_PLACE and case.marked_from is not None:
            Case.objects.filter(pk=case.pk).update(marked_until=max(ended_on, case.marked_from))
        if was_waiting:
            Enrolment.objects.filter(
                cohort=locked_cohort, status=E.WAITING, waiting_position__gt=position,
            ).update(waiting_position=F("waiting_position") - 1)
            moved = []
        else:
            moved = _fill_places(locked_cohort, user, today=timezone.localdate())
    if Enrolment.case.is_cached(enrolment):
        enrolment.case.refresh_from_db()
    return moved


# --- Attendance and coaching ----------------------------------------------------------------------


def record_attendance(session, user, marks, notes=None, *, now=None):
    """Save the register of one session: ``marks`` maps enrolment id to
    present (True/False), ``notes`` optionally enrolment id to a short note
    (e.g. "sick, called in"). Only the cohort's participants (not those on
    the waiting list) and not before the session starts. Each case whose
    attendance changed gets an audit entry (present or not; never the note).
    Returns the number of rows changed."""
    now = now or timezone.now()
    notes = {int(k): (v or "").strip() for k, v in (notes or {}).items()}
    marks = {int(k): bool(v) for k, v in marks.items()}
    cohort = session.cohort
    _check(user, cohort.municipality_id)
    if session.starts_at > now:
        raise CourseRefused(_("The session has not started yet. Take the register on the day."))
    if any(len(note) > ATTENDANCE_NOTE_MAX_LENGTH for note in notes.values()):
        raise ValidationError({"notes": _("A note is too long.")})
    participants = {e.pk: e for e in Enrolment.objects.filter(cohort=cohort).exclude(status=E.WAITING)
                    .select_related("case")}
    if set(marks) - set(participants) or set(notes) - set(marks):
        raise ValidationError({"marks": _("Only the cohort's participants can be on the register.")})
    changed = 0
    with transaction.atomic():
        existing = {a.enrolment_id: a for a in Attendance.objects.select_for_update().filter(
            session=session, enrolment_id__in=list(marks))}
        for enrolment_id, present in marks.items():
            note = notes.get(enrolment_id, existing[enrolment_id].note if enrolment_id in existing else "")
            row = existing.get(enrolment_id)
            if row is None:
                Attendance.objects.create(
                    session=session, enrolment_id=enrolment_id, present=present, note=note)
            elif row.present != present or row.note != note:
                Attendance.objects.filter(pk=row.pk).update(present=present, note=note)
            else:
                continue
            changed += 1
            enrolment = participants[enrolment_id]
            _case_log(enrolment.case, ATTENDANCE_ACTION, user, enrolment, present=present,
                      corrected=row is not None, **_session_data(session))
    return changed


def add_coaching_note(target, user, body):
    """A coaching note on one participant (``target`` a Case with a place
    on a cohort) or on a whole cohort (``target`` a Cohort: a group
    session). A group note is logged on each current participant's case
    too, without the text."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the note.")})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError({"body": _("The note is too long.")})
    if isinstance(target, Cohort):
        _check(user, target.municipality_id)
        with transaction.atomic():
            note = CoachingNote.objects.create(cohort=target, author=user, body=body)
            log(instance=target, action=GROUP_COACHING_ACTION, user=user, data={"note": note.pk})
            for enrolment in target.enrolments.filter(status=E.ENROLLED).select_related("case"):
                _case_log(enrolment.case, COACHING_ACTION, user, enrolment, note=note.pk, group=True)
        return note
    case = target
    _check(user, case.municipality_id)
    enrolment = (Enrolment.objects.filter(case=case).exclude(status=E.WAITING).order_by("-pk").first())
    if enrolment is None:
        raise CourseRefused(_("Coaching notes are for participants on a cohort."))
    with transaction.atomic():
        note = CoachingNote.objects.create(case=case, author=user, body=body)
        _case_log(case, COACHING_ACTION, user, enrolment, note=note.pk, group=False)
        transitions.bump_version(case)
    return note

