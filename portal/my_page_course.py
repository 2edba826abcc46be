"""My page: the citizen's course – their cohort, its sessions (date, time,
module, place, teacher), their own attendance, and a calendar file (.ics)
with all the sessions.

Same rule as the rest of My page: looked up with the logged-in citizen AND
this site's municipality, so anybody else gets a 404. A visitor who is not
logged in is sent to log in first (before any lookup, so that says nothing
about whether the case exists)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from wagtail.models import ModelLogEntry

from backoffice import calendar, selectors
from backoffice.models import Attendance, Case, Enrolment
from backoffice.services.courses import SESSION_CHANGED_ACTION

from .selectors import municipality_or_404

E = Enrolment.Status
# Those who have (had) a place get the timetable in their calendar.
WITH_PLACE = (E.ENROLLED, E.COMPLETED, E.DROPPED_OUT, E.LEFT_FOR_EMPLOYMENT)


def _own_enrolment(request, reference):
    """The citizen's case on this site and its latest enrolment; 404 otherwise."""
    try:
        case = selectors.case_for_citizen(request.user, municipality_or_404(request), reference)
    except Case.DoesNotExist:
        raise Http404 from None
    enrolment = (Enrolment.objects.filter(case=case).select_related("cohort")
                 .order_by("-cohort__starts_on", "-pk").first())
    if enrolment is None:
        raise Http404
    return case, enrolment


def _after_leaving(enrolment, session):
    """A session after the participant left the course: no longer theirs."""
    return (enrolment.status in (E.DROPPED_OUT, E.LEFT_FOR_EMPLOYMENT) and enrolment.ended_on is not None
            and timezone.localdate(session.starts_at) > enrolment.ended_on)


@never_cache
@login_required
def course(request, reference):
    case, enrolment = _own_enrolment(request, reference)
    has_place = enrolment.status in WITH_PLACE
    sessions = list(enrolment.cohort.sessions.all())
    attendance = {a.session_id: a.present for a in Attendance.objects.filter(enrolment=enrolment)}
    now = timezone.now()
    rows = [{
        "session": session,
        "past": session.starts_at <= now,
        "attended": attendance.get(session.pk),  # None: no register taken
        "after_leaving": _after_leaving(enrolment, session),
    } for session in sessions]
    registered = [value for value in attendance.values()]
    return render(request, "portal/my_page/course.html", {
        "case": case, "enrolment": enrolment, "cohort": enrolment.cohort, "rows": rows,
        "has_place": has_place,
        "attended": sum(1 for value in registered if value), "registered": len(registered),
    })


def _sequences(cohort):
    """How many times each session was changed: the calendar's SEQUENCE."""
    counts = {}
    for data in ModelLogEntry.objects.filter(
            content_type__app_label="backoffice", content_type__model="cohort", object_id=str(cohort.pk),
            action=SESSION_CHANGED_ACTION).values_list("data", flat=True):
        session = (data or {}).get("session")
        counts[session] = counts.get(session, 0) + 1
    return counts


def session_events(case, enrolment, sessions, *, my_page_url=""):
    """The cohort's sessions as calendar events, in the active language. No
    names of participants, no attendance: only what the timetable says."""
    cohort = enrolment.cohort
    hostname = case.municipality.site.hostname or "mikrolaan.invalid"
    sequences = _sequences(cohort)
    events = []
    for session in sessions:
        what = session.title or session.get_module_display()
        description = [
            _("Course session on the cohort %(name)s: %(what)s.") % {"name": cohort.name, "what": what}]
        if session.teacher:
            description.append(_("Teacher: %(teacher)s") % {"teacher": session.teacher})
        if my_page_url:
            description.append(_("See the timetable on My page: %(url)s") % {"url": my_page_url})
        events.append(calendar.CalendarEvent(
            uid=f"course-session-{session.pk}@{hostname}",
            starts_at=session.starts_at, ends_at=session.ends_at,
            summary=_("Course: %(what)s – %(municipality)s") % {
                "what": what, "municipality": case.municipality.name},
            location=cohort.place, description="\n".join(str(line) for line in description), url=my_page_url,
            cancelled=_after_leaving(enrolment, session), sequence=sequences.get(session.pk, 0),
        ))
    return events


@never_cache
@login_required
def course_ics(request, reference):
    """All the cohort's sessions in one calendar file; none before the
    citizen has a place (a waiting list is not a timetable)."""
    case, enrolment = _own_enrolment(request, reference)
    if enrolment.status not in WITH_PLACE:
        raise Http404
    my_page_url = request.build_absolute_uri(reverse("my_page_course", kwargs={"reference": case.reference}))
    sessions = list(enrolment.cohort.sessions.all())
    body = calendar.render_calendar(session_events(case, enrolment, sessions, my_page_url=my_page_url))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="forloeb-{case.reference}.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
