"""Screening talks for staff: book one, then move, cancel or note the outcome
of it, and take the calendar file. Thin views: the services in
``services.talks`` check, save, audit and notify.

Times are entered and shown in the installation's time zone (Europe/
Copenhagen); the database and the calendar file keep UTC."""

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from wagtail.admin import messages

from .. import calendar
from ..forms import CaseVersionForm
from ..models import AccessLogEntry, Case, ScreeningTalk
from ..services import notifications, talks
from ..services.transitions import TransitionError
from .access import log_access, staff_case_or_404

PERMISSION = "backoffice.handle_case"
DEFAULT_LENGTH = datetime.timedelta(hours=1)
# Service field -> form field, to show the service's errors next to the right field.
SERVICE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}


# --- Forms ----------------------------------------------------------------------------------------


class TalkForm(CaseVersionForm):
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"},
                                                                               format="%Y-%m-%d"))
    start_time = forms.TimeField(label=gettext_lazy("Starts at"),
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=gettext_lazy("Ends at"),
                               widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    location = forms.CharField(
        label=gettext_lazy("Place"), required=False, max_length=200,
        help_text=gettext_lazy("Address and room, as the citizen needs it to find you. Leave empty for a "
                               "video meeting only."),
    )
    video_url = forms.URLField(
        label=gettext_lazy("Link to video meeting"), required=False, assume_scheme="https",
        help_text=gettext_lazy("The citizen sees the link on My page and in the calendar file."),
    )
    staff = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Staff present"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, case=None, talk=None, **kwargs):
        kwargs.setdefault("initial", {})
        if talk is not None:
            starts = timezone.localtime(talk.starts_at, _zone())
            ends = timezone.localtime(talk.ends_at, _zone())
            kwargs["initial"].update(date=starts.date(), start_time=starts.time(), end_time=ends.time(),
                                     location=talk.location, video_url=talk.video_url,
                                     staff=[u.pk for u in talk.staff.all()])
        super().__init__(*args, case=case, **kwargs)
        self.fields["staff"].queryset = talks.talk_staff(case.municipality_id)
        self.fields["staff"].label_from_instance = _staff_name

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        if day and start and end:
            cleaned["starts_at"] = _aware(day, start)
            cleaned["ends_at"] = _aware(day, end)
            if cleaned["ends_at"] <= cleaned["starts_at"]:
                self.add_error("end_time", _("The talk must end after it starts."))
        return cleaned

    def booking(self):
        data = self.cleaned_data
        return {"starts_at": data["starts_at"], "ends_at": data["ends_at"], "location": data["location"],
                "video_url": data["video_url"], "staff": list(data["staff"]),
                "expected_version": data["version"]}


class CancelTalkForm(CaseVersionForm):
    reason = forms.CharField(
        label=gettext_lazy("Why is the talk cancelled?"), max_length=talks.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Written as a journal note on the case. The citizen is told that the talk is "
                               "cancelled, not why."),
    )


class OutcomeForm(CaseVersionForm):
    outcome_notes = forms.CharField(
        label=gettext_lazy("Outcome of the talk"), max_length=talks.OUTCOME_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("What the citizen told you and what you agreed, as far as it matters for the "
                               "case (the duty to take notes). The citizen can see it if they ask for their "
                               "file."),
    )


def _zone():
    return ZoneInfo(settings.TIME_ZONE)


def _aware(day, time):
    return timezone.make_aware(datetime.datetime.combine(day, time), _zone())


def _staff_name(user):
    return user.get_full_name() or user.get_username()


# --- Helpers --------------------------------------------------------------------------------------


def _case(request, pk, permission=PERMISSION):
    """The case through the one access check; a role without the permission
    at all (editors, the steering group) gets 403 whatever the case."""
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return staff_case_or_404(request, pk, permission=permission,
                             queryset=Case.objects.select_related("municipality__site"))


def _talk(case, pk):
    talk = ScreeningTalk.objects.filter(case=case, pk=pk).prefetch_related("staff").first()
    if talk is None:
        raise Http404("No such talk")
    talk.case = case
    return talk


def case_url(case, anchor="talks-section"):
    return reverse("backoffice:case", args=[case.pk]) + (f"#{anchor}" if anchor else "")


def _breadcrumbs(case, label):
    return [
        {"url": reverse("wagtailadmin_home"), "label": _("Home")},
        {"url": reverse("backoffice:case", args=[case.pk]), "label": case.reference},
        {"url": "", "label": label},
    ]


def _add_service_errors(form, error):
    """A ``ValidationError`` from a service, shown next to the form's fields."""
    for field, messages_ in error.message_dict.items():
        field = SERVICE_FIELDS.get(field, field)
        form.add_error(field if field in form.fields else None, messages_)


def _run(request, form, action):
    """Call the service; True when it saved. Otherwise the form or the page
    says why, and nothing was saved."""
    try:
        action()
    except ValidationError as error:
        _add_service_errors(form, error)
    except TransitionError as error:  # stale page, refused change
        messages.error(request, str(error.message))
    else:
        return True
    return False


# --- Views ----------------------------------------------------------------------------------------


@never_cache
def talk_new(request, case_pk):
    case = _case(request, case_pk)
    form = TalkForm(request.POST or None, case=case, initial=_default_times())
    if request.method == "POST" and form.is_valid():
        if _run(request, form, lambda: talks.book_talk(case, request.user, **form.booking())):
            messages.success(request, _("The talk is booked. The citizen has been told by e-mail and sees "
                                        "it on My page."))
            return HttpResponseRedirect(case_url(case))
    return render(request, "backoffice/talks/new.html", {
        "case": case, "form": form,
        "page_title": _("Book a talk – %(reference)s") % {"reference": case.reference},
        "breadcrumbs_items": _breadcrumbs(case, _("Book a talk")),
    }, status=400 if request.method == "POST" else 200)


def _default_times():
    """Tomorrow at 10, for an hour: a start the caseworker adjusts."""
    start = timezone.localtime(timezone.now(), _zone()).replace(hour=10, minute=0, second=0, microsecond=0)
    start += datetime.timedelta(days=1)
    return {"date": start.date(), "start_time": start.time(), "end_time": (start + DEFAULT_LENGTH).time()}


@never_cache
def talk(request, case_pk, pk):
    """One talk: its details, and the forms to move it, cancel it or write
    its outcome (``action`` in the POST says which)."""
    case = _case(request, case_pk)
    talk = _talk(case, pk)
    bound = {}
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reschedule":
            form = bound["edit_form"] = TalkForm(request.POST, case=case, talk=talk)
            if form.is_valid() and _run(request, form, lambda: talks.reschedule_talk(
                    talk, request.user, **form.booking())):
                messages.success(request, _("The talk has been changed. The citizen has been told if the "
                                            "time or place changed."))
                return HttpResponseRedirect(case_url(case))
        elif action == "cancel":
            form = bound["cancel_form"] = CancelTalkForm(request.POST, case=case)
            if form.is_valid() and _run(request, form, lambda: talks.cancel_talk(
                    talk, request.user, form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"])):
                messages.success(request, _("The talk has been cancelled and the citizen has been told."))
                return HttpResponseRedirect(case_url(case))
        elif action == "outcome":
            form = bound["outcome_form"] = OutcomeForm(request.POST, case=case)
            if form.is_valid() and _run(request, form, lambda: talks.record_talk_outcome(
                    talk, request.user, form.cleaned_data["outcome_notes"],
                    expected_version=form.cleaned_data["version"])):
                messages.success(request, _("The outcome of the talk has been saved."))
                return HttpResponseRedirect(case_url(case))
        else:
            return HttpResponse(status=400)
        case.refresh_from_db(fields=["version", "status"])
    else:
        log_access(request, AccessLogEntry.Action.VIEW_CASE, case=case)
    now = timezone.now()
    context = {
        "case": case, "talk": talk,
        "edit_form": TalkForm(case=case, talk=talk),
        "cancel_form": CancelTalkForm(case=case),
        "outcome_form": OutcomeForm(case=case, initial={"outcome_notes": talk.outcome_notes}),
        "can_change": not talk.cancelled_at and not talk.outcome_notes,
        "can_record_outcome": not talk.cancelled_at and talk.starts_at <= now,
        "page_title": _("Talk – %(reference)s") % {"reference": case.reference},
        "breadcrumbs_items": _breadcrumbs(case, _("Talk")),
        **bound,
    }
    return render(request, "backoffice/talks/talk.html", context, status=400 if bound else 200)


def talk_ics(request, case_pk, pk):
    """The same calendar file the citizen gets, for the staff's own calendar."""
    case = _case(request, case_pk)
    talk = _talk(case, pk)
    my_page_url = notifications.citizen_case_url(case) if case.reference else ""
    return calendar.talk_ics_response(talk, my_page_url=my_page_url)
