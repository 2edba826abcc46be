"""Cohorts in the admin: the list, creating and changing a cohort, its page
(timetable, participants, waiting list, enrolment, endings, group coaching)
and the attendance register of one session. Thin views: the services in
``services.courses`` check, save and audit.

Who: staff who see cases (``view_case``) may read a cohort of their own
municipality; writing needs ``manage_course``. A cohort of another
municipality is a 404, as for cases. Times are entered and shown in the
installation's time zone."""

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from ..models import Attendance, Case, Cohort, CourseSession, Enrolment
from ..services import courses
from ..services.transitions import TransitionError
from ..tenancy import municipality_of, visible_municipalities

S = Case.Status
E = Enrolment.Status
READ_PERMISSION = "backoffice.view_case"
WRITE_PERMISSION = courses.PERMISSION
ENDINGS = [(E.COMPLETED, E.COMPLETED.label), (E.DROPPED_OUT, E.DROPPED_OUT.label),
           (E.LEFT_FOR_EMPLOYMENT, E.LEFT_FOR_EMPLOYMENT.label)]


def _zone():
    return ZoneInfo(settings.TIME_ZONE)


def _aware(day, time):
    return timezone.make_aware(datetime.datetime.combine(day, time), _zone())


def _name(user):
    return user.get_full_name() or user.get_username()


def _case_label(case):
    if not hasattr(case, "application"):
        return case.reference
    return f"{case.reference} – {case.application.full_name}"


# --- Forms ----------------------------------------------------------------------------------------


class CohortForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("E.g. \"Spring 2027\". Unique in the municipality."))
    starts_on = forms.DateField(label=gettext_lazy("Starts"),
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=gettext_lazy("Ends"),
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    capacity = forms.IntegerField(label=gettext_lazy("Places"), min_value=1, max_value=200, initial=20)
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False,
                            help_text=gettext_lazy("Where the course is held, as participants need it."))
    responsible = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Responsible staff"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, municipality, cohort=None, **kwargs):
        if cohort is not None:
            kwargs.setdefault("initial", {}).update(
                {name: getattr(cohort, name) for name in courses.COHORT_FIELDS},
                responsible=[u.pk for u in cohort.responsible.all()])
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = courses.responsible_staff(municipality)
        self.fields["responsible"].label_from_instance = _name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", _("The course must end after it starts."))
        return cleaned

    def values(self):
        data = dict(self.cleaned_data)
        data["responsible"] = list(data["responsible"])
        return data


class SessionForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"),
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(label=gettext_lazy("Starts at"),
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=gettext_lazy("Ends at"),
                               widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    module = forms.ChoiceField(label=gettext_lazy("Module"), choices=CourseSession.Module.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    teacher = forms.CharField(
        label=gettext_lazy("Teacher"), max_length=200, required=False,
        help_text=gettext_lazy("Name of the teacher or consultant. Participants see it."))

    def __init__(self, *args, session=None, **kwargs):
        if session is not None:
            starts = timezone.localtime(session.starts_at, _zone())
            ends = timezone.localtime(session.ends_at, _zone())
            kwargs.setdefault("initial", {}).update(
                date=starts.date(), start_time=starts.time(), end_time=ends.time(), module=session.module,
                title=session.title, teacher=session.teacher)
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        if day and start and end:
            cleaned["starts_at"], cleaned["ends_at"] = _aware(day, start), _aware(day, end)
            if cleaned["ends_at"] <= cleaned["starts_at"]:
                self.add_error("end_time", _("The session must end after it starts."))
        return cleaned

    def values(self):
        data = self.cleaned_data
        return {name: data[name] for name in courses.SESSION_FIELDS}


class EnrolForm(forms.Form):
    case = forms.ModelChoiceField(label=gettext_lazy("Admitted case"), queryset=None,
                                  empty_label=gettext_lazy("Choose a case"))

    def __init__(self, *args, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = (
            Case.objects.filter(municipality_id=cohort.municipality_id, status=S.ADMITTED)
            .exclude(enrolments__status__in=courses.ACTIVE).exclude(enrolments__cohort=cohort)
            .select_related("application").order_by("status_changed_at", "pk"))
        self.fields["case"].label_from_instance = _case_label


class EndEnrolmentForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("How did the course end?"), choices=ENDINGS)


class CoachingNoteForm(forms.Form):
    enrolment = forms.ModelChoiceField(
        label=gettext_lazy("Participant"), queryset=None, required=False,
        empty_label=gettext_lazy("The whole cohort (group coaching)"))
    body = forms.CharField(
        label=gettext_lazy("Note"), max_length=courses.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Business or social coaching: what you talked about and agreed. The citizen "
                               "can see it if they ask for their file."))

    def __init__(self, *args, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = (
            Enrolment.objects.filter(cohort=cohort, status=E.ENROLLED).select_related("case__application"))
        self.fields["enrolment"].label_from_instance = lambda e: _case_label(e.case)


# --- Helpers --------------------------------------------------------------------------------------


def _check_read(request):
    if not request.user.has_perm(READ_PERMISSION):
        raise PermissionDenied


def _cohorts(user):
    return Cohort.objects.filter(municipality__in=visible_municipalities(user))


def _cohort(request, pk, *, write=False):
    """The cohort among the user's municipality's; 404 for any other, 403
    for a role that may not do what the view does."""
    _check_read(request)
    try:
        cohort = _cohorts(request.user).select_related("municipality").get(pk=pk)
    except Cohort.DoesNotExist as exc:
        raise Http404("No such cohort") from exc
    if write and not request.user.has_perm(WRITE_PERMISSION):
        raise PermissionDenied
    return cohort


def cohort_url(cohort, anchor=""):
    return reverse("backoffice:cohort", args=[cohort.pk]) + (f"#{anchor}" if anchor else "")


def _breadcrumbs(*items):
    crumbs = [{"url": reverse("wagtailadmin_home"), "label": _("Home")},
              {"url": reverse("backoffice:cohorts"), "label": _("Cohorts")}]
    for url, label in items:
        crumbs.append({"url": url, "label": label})
    return crumbs


def _service_errors(form, error):
    for field, errors in error.message_dict.items():
        field = {"starts_at": "date", "ends_at": "end_time"}.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


def _run(request, form, action):
    """Call the service; True when it saved, else the form or a message says why."""
    try:
        action()
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
        else:
            _service_errors(form, error)
    except TransitionError as error:
        messages.error(request, str(error.message))
    else:
        return True
    return False


# --- List, create, edit ---------------------------------------------------------------------------


@never_cache
def cohort_list(request):
    _check_read(request)
    cohorts = (_cohorts(request.user).select_related("municipality")
               .annotate(taken=Count("enrolments", filter=Q(enrolments__status__in=courses.PLACE_HOLDING)),
                         waiting=Count("enrolments", filter=Q(enrolments__status=E.WAITING)))
               .prefetch_related("responsible"))
    return render(request, "backoffice/cohorts/index.html", {
        "cohorts": cohorts, "today": timezone.localdate(),
        "can_manage": request.user.has_perm(WRITE_PERMISSION) and municipality_of(request.user) is not None,
        "page_title": _("Cohorts"), "header_icon": "group",
    })


@never_cache
def cohort_new(request):
    _check_read(request)
    municipality = municipality_of(request.user)
    if not request.user.has_perm(WRITE_PERMISSION) or municipality is None:
        raise PermissionDenied
    form = CohortForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        created = {}

        def create():
            created["cohort"] = courses.create_cohort(municipality, request.user, **form.values())

        if _run(request, form, create):
            messages.success(request, _("The cohort has been created. Add its sessions."))
            return HttpResponseRedirect(cohort_url(created["cohort"]))
    return render(request, "backoffice/cohorts/form.html", {
        "form": form, "cohort": None, "page_title": _("New cohort"),
        "breadcrumbs_items": _breadcrumbs(("", _("New cohort"))),
    }, status=400 if request.method == "POST" else 200)


@never_cache
def cohort_edit(request, pk):
    cohort = _cohort(request, pk, write=True)
    form = CohortForm(request.POST or None, municipality=cohort.municipality, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        if _run(request, form, lambda: courses.update_cohort(cohort, request.user, **form.values())):
            messages.success(request, _("The cohort has been saved."))
            return HttpResponseRedirect(cohort_url(cohort))
    return render(request, "backoffice/cohorts/form.html", {
        "form": form, "cohort": cohort, "page_title": _("Change %(name)s") % {"name": cohort.name},
        "breadcrumbs_items": _breadcrumbs((cohort_url(cohort), cohort.name), ("", _("Change"))),
    }, status=400 if request.method == "POST" else 200)


# --- The cohort page ------------------------------------------------------------------------------


def _participants(cohort):
    """Everybody who has had a place, with how many sessions they came to."""
    return list(
        Enrolment.objects.filter(cohort=cohort).exclude(status=E.WAITING)
        .select_related("case__application")
        .annotate(attended=Count("attendance", filter=Q(attendance__present=True)),
                  registered=Count("attendance"))
        .order_by("case__application__full_name", "pk"))


def _waiting(cohort):
    return list(Enrolment.objects.filter(cohort=cohort, status=E.WAITING)
                .select_related("case__application").order_by("waiting_position", "pk"))


@never_cache
def cohort_detail(request, pk, bound=None, status=200):
    cohort = _cohort(request, pk)
    can_manage = request.user.has_perm(WRITE_PERMISSION)
    sessions = list(cohort.sessions.annotate(
        present=Count("attendance", filter=Q(attendance__present=True)), registered=Count("attendance")))
    participants = _participants(cohort)
    context = {
        "cohort": cohort,
        "responsible": list(cohort.responsible.all()),
        "sessions": sessions,
        "participants": participants,
        "places_taken": sum(1 for e in participants if e.status in courses.PLACE_HOLDING),
        "waiting": _waiting(cohort),
        "notes": list(cohort.coaching_notes.select_related("author")),
        "can_manage": can_manage,
        "is_open": cohort.ends_on >= timezone.localdate(),
        "now": timezone.now(),
        "endings": ENDINGS,
        "page_title": cohort.name,
        "breadcrumbs_items": _breadcrumbs(("", cohort.name)),
    }
    if can_manage:
        context["enrol_form"] = EnrolForm(cohort=cohort)
        context["note_form"] = CoachingNoteForm(cohort=cohort)
    context.update(bound or {})
    return render(request, "backoffice/cohorts/detail.html", context, status=status)


@require_POST
def enrol(request, pk):
    cohort = _cohort(request, pk, write=True)
    form = EnrolForm(request.POST, cohort=cohort)
    if not form.is_valid():
        messages.error(request, _("Choose an admitted case that has no place yet."))
        return HttpResponseRedirect(cohort_url(cohort, "participants"))
    case = form.cleaned_data["case"]
    result = {}

    def action():
        result["enrolment"] = courses.enrol(case, request.user, cohort)

    if _run(request, None, action):
        enrolment = result["enrolment"]
        if enrolment.status == E.WAITING:
            messages.success(request, _(
                "The cohort is full. %(case)s is number %(position)s on the waiting list.") % {
                "case": case.reference, "position": enrolment.waiting_position})
        else:
            messages.success(request, _("%(case)s has a place on the cohort.") % {"case": case.reference})
    return HttpResponseRedirect(cohort_url(cohort, "participants"))


@require_POST
def end_enrolment(request, pk, enrolment_pk):
    cohort = _cohort(request, pk, write=True)
    enrolment = (Enrolment.objects.filter(cohort=cohort, pk=enrolment_pk)
                 .select_related("cohort", "case").first())
    if enrolment is None:
        raise Http404("No such participant")
    form = EndEnrolmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the course ended."))
        return HttpResponseRedirect(cohort_url(cohort, "participants"))
    result = {}

    def action():
        result["moved"] = courses.end_enrolment(enrolment, request.user, form.cleaned_data["outcome"])

    if _run(request, None, action):
        messages.success(request, _("Saved: %(case)s – %(outcome)s.") % {
            "case": enrolment.case.reference, "outcome": E(form.cleaned_data["outcome"]).label})
        for moved in result["moved"]:
            messages.success(request, _("%(case)s has moved up from the waiting list and has a place.") % {
                "case": moved.case.reference})
    return HttpResponseRedirect(cohort_url(cohort, "participants"))


@require_POST
def coaching_note(request, pk):
    cohort = _cohort(request, pk, write=True)
    form = CoachingNoteForm(request.POST, cohort=cohort)
    if form.is_valid():
        enrolment = form.cleaned_data["enrolment"]
        target = enrolment.case if enrolment else cohort
        body = form.cleaned_data["body"]
        if _run(request, form, lambda: courses.add_coaching_note(target, request.user, body)):
            messages.success(request, _("The coaching note has been saved."))
            return HttpResponseRedirect(cohort_url(cohort, "coaching"))
    return cohort_detail(request, pk, bound={"note_form": form}, status=400)


# --- Sessions and attendance ----------------------------------------------------------------------


def _session(cohort, pk):
    session = CourseSession.objects.filter(cohort=cohort, pk=pk).first()
    if session is None:
        raise Http404("No such session")
    session.cohort = cohort
    return session


@never_cache
def session_new(request, pk):
    cohort = _cohort(request, pk, write=True)
    form = SessionForm(request.POST or None, initial={"date": max(cohort.starts_on, timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        if _run(request, form, lambda: courses.add_session(cohort, request.user, **form.values())):
            messages.success(request, _("The session has been added. Participants see it on My page."))
            return HttpResponseRedirect(cohort_url(cohort, "sessions"))
    return render(request, "backoffice/cohorts/session_form.html", {
        "cohort": cohort, "session": None, "form": form, "page_title": _("New session"),
        "breadcrumbs_items": _breadcrumbs((cohort_url(cohort), cohort.name), ("", _("New session"))),
    }, status=400 if request.method == "POST" else 200)


@never_cache
def session_edit(request, pk, session_pk):
    cohort = _cohort(request, pk, write=True)
    session = _session(cohort, session_pk)
    form = SessionForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        if _run(request, form, lambda: courses.update_session(session, request.user, **form.values())):
            messages.success(request, _("The session has been changed. Participants see it on My page."))
            return HttpResponseRedirect(cohort_url(cohort, "sessions"))
    return render(request, "backoffice/cohorts/session_form.html", {
        "cohort": cohort, "session": session, "form": form, "page_title": _("Change session"),
        "breadcrumbs_items": _breadcrumbs((cohort_url(cohort), cohort.name), ("", _("Change session"))),
    }, status=400 if request.method == "POST" else 200)


def _register(cohort, session):
    """The session's register: participants who had a place on the day,
    each with their attendance row (if any)."""
    day = timezone.localdate(session.starts_at)
    enrolments = (Enrolment.objects.filter(cohort=cohort).exclude(status=E.WAITING)
                  .exclude(ended_on__lt=day).select_related("case__application")
                  .prefetch_related(Prefetch(
                      "attendance", queryset=Attendance.objects.filter(session=session), to_attr="rows"))
                  .order_by("case__application__full_name", "pk"))
    rows = []
    for enrolment in enrolments:
        row = enrolment.rows[0] if enrolment.rows else None
        rows.append({"enrolment": enrolment, "present": bool(row and row.present),
                     "note": row.note if row else "", "registered": row is not None})
    return rows


@never_cache
def attendance(request, pk, session_pk):
    """One form for the whole register: a checkbox and a note per participant."""
    cohort = _cohort(request, pk, write=request.method == "POST")
    session = _session(cohort, session_pk)
    rows = _register(cohort, session)
    status = 200
    if request.method == "POST":
        marks = {row["enrolment"].pk: f"present-{row['enrolment'].pk}" in request.POST for row in rows}
        notes = {row["enrolment"].pk: request.POST.get(f"note-{row['enrolment'].pk}", "") for row in rows}
        if _run(request, None, lambda: courses.record_attendance(session, request.user, marks, notes)):
            messages.success(request, _("The register has been saved."))
            return HttpResponseRedirect(cohort_url(cohort, "sessions"))
        status = 400
        for row in rows:
            row["present"] = marks[row["enrolment"].pk]
            row["note"] = notes[row["enrolment"].pk]
    return render(request, "backoffice/cohorts/attendance.html", {
        "cohort": cohort, "session": session, "rows": rows,
        "can_manage": request.user.has_perm(WRITE_PERMISSION),
        "has_started": session.starts_at <= timezone.now(),
        "note_max_length": courses.ATTENDANCE_NOTE_MAX_LENGTH,
        "page_title": _("Register – %(name)s") % {"name": cohort.name},
        "breadcrumbs_items": _breadcrumbs((cohort_url(cohort), cohort.name), ("", _("Attendance"))),
    }, status=status)

