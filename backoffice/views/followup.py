"""Staff screens for follow-up after start-up: plan the monthly contacts,
write down a held one, and record the outcome at a checkpoint. Thin views:
``services.followup`` and ``services.outcomes`` check, save and audit."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from wagtail.admin import messages

from ..deadlines import next_working_day
from ..forms import CaseVersionForm
from ..models import FollowUp, Outcome
from ..services import followup as services
from ..services import outcomes
from ..services.transitions import TransitionError
from .access import staff_case_or_404

PERMISSION = services.PERMISSION
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- Forms ----------------------------------------------------------------------------------------


class PlanFollowUpsForm(CaseVersionForm):
    start = forms.DateField(label=gettext_lazy("First follow-up on"), widget=DATE_WIDGET)
    months = forms.IntegerField(
        label=gettext_lazy("Number of months"), min_value=1, max_value=services.MAX_MONTHS,
        initial=services.DEFAULT_MONTHS,
        help_text=gettext_lazy("One follow-up a month. Usually the first six months after start-up."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=FollowUp.Kind.choices,
                             initial=FollowUp.Kind.CALL)


class FollowUpForm(CaseVersionForm):
    done_on = forms.DateField(label=gettext_lazy("Held on"), widget=DATE_WIDGET)
    notes = forms.CharField(
        label=gettext_lazy("Notes"), max_length=services.NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("What the citizen told you and what you agreed, as far as it matters for the "
                               "case (the duty to take notes)."),
    )


class OutcomeForm(CaseVersionForm):
    checkpoint = forms.ChoiceField(label=gettext_lazy("Checkpoint"), choices=Outcome.Checkpoint.choices)
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=Outcome.Result.choices)
    recorded_on = forms.DateField(label=gettext_lazy("Applies on"), widget=DATE_WIDGET)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=outcomes.NOTE_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}))


# --- Helpers --------------------------------------------------------------------------------------


def _case(request, pk):
    return staff_case_or_404(request, pk, permission=PERMISSION)


def case_url(case, anchor="followup-section"):
    return reverse("backoffice:case", args=[case.pk]) + f"#{anchor}"


def _breadcrumbs(case, label):
    return [
        {"url": reverse("wagtailadmin_home"), "label": _("Home")},
        {"url": reverse("backoffice:case", args=[case.pk]), "label": case.reference},
        {"url": "", "label": label},
    ]


def _run(request, form, action):
    """Call the service; True when it saved. Otherwise the form or the page says why."""
    try:
        action()
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    except TransitionError as error:  # stale page, refused at this stage
        messages.error(request, str(error.message))
    else:
        return True
    return False


def _page(request, template, case, form, title, **extra):
    return render(request, template, {
        "case": case, "form": form, "page_title": f"{title} – {case.reference}",
        "breadcrumbs_items": _breadcrumbs(case, title), **extra,
    }, status=400 if request.method == "POST" else 200)


# --- Views ----------------------------------------------------------------------------------------


@never_cache
def plan(request, case_pk):
    case = _case(request, case_pk)
    form = PlanFollowUpsForm(request.POST or None, case=case,
                             initial={"start": next_working_day(timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _run(request, form, lambda: services.plan_follow_ups(
                case, request.user, start=data["start"], months=data["months"], kind=data["kind"],
                expected_version=data["version"])):
            messages.success(request, _("The follow-ups are planned."))
            return HttpResponseRedirect(case_url(case))
    return _page(request, "backoffice/followup/plan.html", case, form, _("Plan follow-up"))


@never_cache
def follow_up(request, case_pk, pk):
    case = _case(request, case_pk)
    item = FollowUp.objects.filter(case=case, pk=pk).select_related("staff").first()
    if item is None:
        raise Http404("No such follow-up")
    item.case = case
    initial = {"done_on": item.done_on or timezone.localdate(), "notes": item.notes}
    form = FollowUpForm(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _run(request, form, lambda: services.record_follow_up(
                item, request.user, done_on=data["done_on"], notes=data["notes"],
                expected_version=data["version"])):
            messages.success(request, _("The follow-up is written."))
            return HttpResponseRedirect(case_url(case))
    return _page(request, "backoffice/followup/follow_up.html", case, form, _("Follow-up"), follow_up=item)


@never_cache
def outcome(request, case_pk):
    """GET: the form on its own page; POST from it or from the case page's section."""
    case = _case(request, case_pk)
    form = OutcomeForm(request.POST or None, case=case, initial={"recorded_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _run(request, form, lambda: outcomes.record_outcome(
                case, request.user, checkpoint=data["checkpoint"], result=data["result"],
                recorded_on=data["recorded_on"], note=data["note"], expected_version=data["version"])):
            messages.success(request, _("The outcome is recorded."))
            return HttpResponseRedirect(case_url(case))
    return _page(request, "backoffice/followup/outcome.html", case, form, _("Record outcome"))
