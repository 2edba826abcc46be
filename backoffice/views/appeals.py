"""The case page's appeal actions: register a complaint that came by
letter or phone, start the reassessment, change the decision, uphold and
forward it, record the appeal body's outcome, withdraw. Each is a POST to a
service; a refusal or a form error is shown as a message on the case page,
where the section is (``_appeals.html``)."""

from django import forms
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from ..forms import CaseVersionForm
from ..models import Appeal, Decision
from ..services import appeals as services
from ..services.citizen import ANSWER_MAX_LENGTH
from ..services.decisions import RULES, rule_for
from ..services.transitions import TransitionError
from ..uploads import UploadRejected, validate_upload
from .access import staff_case_or_404

HANDLE = "backoffice.handle_case"


class LodgeForm(CaseVersionForm):
    decision = forms.ModelChoiceField(label=gettext_lazy("Decision complained about"), queryset=None)
    channel = forms.ChoiceField(label=gettext_lazy("Received by"),
                                choices=[c for c in Appeal.Channel.choices if c[0] != Appeal.Channel.MY_PAGE])
    lodged_on = forms.DateField(label=gettext_lazy("Received on"),
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    text = forms.CharField(label=gettext_lazy("The complaint"), required=False, max_length=ANSWER_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=gettext_lazy("What the citizen said or wrote, in their words."))
    file = forms.FileField(label=gettext_lazy("Letter or e-mail (scanned)"), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["decision"].queryset = Decision.objects.filter(case=case, status=Decision.Status.FINAL,
                                                                   fully_granted=False)


class ChangeForm(CaseVersionForm):
    kind = forms.ChoiceField(label=gettext_lazy("New decision"), choices=[(k.value, k.label) for k in RULES])
    reason = forms.CharField(label=gettext_lazy("Reasons"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4}))
    consultation_waived_reason = forms.CharField(
        label=gettext_lazy("Why the citizen need not be heard first"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Only for a new decision that does not fully grant the application."))


class UpholdForm(CaseVersionForm):
    reassessment_note = forms.CharField(
        label=gettext_lazy("Why the decision is upheld"),
        widget=forms.Textarea(attrs={"rows": 4}))


class OutcomeForm(CaseVersionForm):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Appeal.Outcome.choices)
    decided_on = forms.DateField(label=gettext_lazy("Date of the appeal body's decision"),
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=gettext_lazy("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    letter = forms.FileField(label=gettext_lazy("The appeal body's letter"), required=False)


def _back(case):
    return HttpResponseRedirect(reverse("backoffice:case", args=[case.pk]) + "#appeals")


def _appeal(case, pk):
    appeal = get_object_or_404(Appeal.objects.select_related("decision"), case=case, pk=pk)
    appeal.case = case
    return appeal


def _run(request, case, form, action, success):
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(case)
    try:
        action()
    except (TransitionError, UploadRejected) as refused:
        messages.error(request, str(getattr(refused, "message", refused)))
    else:
        messages.success(request, success)
    return _back(case)


def _upload(request, name):
    uploaded = request.FILES.get(name)
    return validate_upload(uploaded) if uploaded else None


def _version(request):
    version = request.POST.get("version")
    return version if (version or "").isdigit() else None


@require_POST
def lodge(request, case_pk):
    case = staff_case_or_404(request, case_pk, permission=HANDLE)
    form = LodgeForm(request.POST, request.FILES, case=case)
    return _run(request, case, form, lambda: services.lodge_appeal(
        form.cleaned_data["decision"], request.user, text=form.cleaned_data["text"],
        uploads=[u for u in [_upload(request, "file")] if u], channel=form.cleaned_data["channel"],
        lodged_on=form.cleaned_data["lodged_on"]), _("The complaint has been registered."))


@require_POST
def reassess(request, case_pk, pk):
    case = staff_case_or_404(request, case_pk, permission=HANDLE)
    appeal = _appeal(case, pk)
    return _run(request, case, None, lambda: services.start_reassessment(
        appeal, request.user, expected_version=_version(request)), _("The reassessment has started."))


@require_POST
def change(request, case_pk, pk):
    case = staff_case_or_404(request, case_pk)
    appeal = _appeal(case, pk)
    form = ChangeForm(request.POST, case=case)
    return _run(request, case, form, lambda: services.change_decision(
        appeal, request.user, kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"],
        fully_granted=None, consultation_waived_reason=form.cleaned_data["consultation_waived_reason"]
        if not rule_for(form.cleaned_data["kind"]).fully_granted_by_default else "",
        expected_version=form.cleaned_data["version"]),
        _("The decision has been changed. The citizen gets the new decision letter."))


@require_POST
def uphold(request, case_pk, pk):
    case = staff_case_or_404(request, case_pk)
    appeal = _appeal(case, pk)
    form = UpholdForm(request.POST, case=case)
    return _run(request, case, form, lambda: services.uphold_and_forward(
        appeal, request.user, reassessment_note=form.cleaned_data["reassessment_note"],
        expected_version=form.cleaned_data["version"]),
        _("The decision is upheld. Download the case bundle and send it with the complaint to the appeal "
          "body."))


@require_POST
def outcome(request, case_pk, pk):
    case = staff_case_or_404(request, case_pk, permission=HANDLE)
    appeal = _appeal(case, pk)
    form = OutcomeForm(request.POST, request.FILES, case=case)
    return _run(request, case, form, lambda: services.record_outcome(
        appeal, request.user, outcome=form.cleaned_data["outcome"],
        decided_on=form.cleaned_data["decided_on"],
        note=form.cleaned_data["note"], letter_upload=_upload(request, "letter"),
        expected_version=form.cleaned_data["version"]), _("The appeal body's decision has been recorded."))


@require_POST
def withdraw(request, case_pk, pk):
    case = staff_case_or_404(request, case_pk, permission=HANDLE)
    appeal = _appeal(case, pk)
    return _run(request, case, None, lambda: services.withdraw_appeal(
        appeal, request.user, expected_version=_version(request)), _("The complaint has been withdrawn."))

