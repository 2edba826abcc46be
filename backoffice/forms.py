"""Forms of the staff case page. Each carries the case version the user saw,
so a change made on an outdated page is refused instead of overwriting."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .deadlines import deadline_after
from .services.casework import MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH, QUESTION_MAX_LENGTH, assignable_staff
from .validators import cpr_birth_date

DEFAULT_ANSWER_DAYS = 14


class CaseVersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, case=None, **kwargs):
        kwargs.setdefault("initial", {})
        if case is not None:
            kwargs["initial"].setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        self.case = case


class AssignForm(CaseVersionForm):
    assignee = forms.ModelChoiceField(
        label=_("Caseworker"), queryset=None, required=False, empty_label=_("Nobody"),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["assignee"].queryset = assignable_staff(case.municipality_id)
        self.fields["assignee"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
        self.fields["assignee"].initial = case.assigned_to_id


class JournalNoteForm(CaseVersionForm):
    body = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the citizen or others said that matters for the case, in your own words."),
    )
    noted_at = forms.DateTimeField(
        label=_("When was it said?"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty if it was just now."),
    )

    def clean_noted_at(self):
        noted_at = self.cleaned_data.get("noted_at")
        if noted_at and noted_at > timezone.now():
            raise forms.ValidationError(_("The information cannot have been given in the future."))
        return noted_at


class InformationRequestForm(CaseVersionForm):
    question = forms.CharField(
        label=_("What do you need from the citizen?"), max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Write it plainly; the citizen reads it on My page and answers there."),
    )
    due_on = forms.DateField(
        label=_("Answer by"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("A date on a weekend or public holiday moves to the next working day."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_on"].initial = deadline_after(timezone.localdate(), days=DEFAULT_ANSWER_DAYS)

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(_("The deadline cannot be in the past."))
        return due_on


class StaffMessageForm(CaseVersionForm):
    body = forms.CharField(
        label=_("Message to the citizen"), max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The citizen gets an e-mail saying there is a new message, and reads it on My page."),
    )


class FindByCprForm(forms.Form):
    cpr_number = forms.CharField(
        label=_("CPR number"), max_length=11,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
        help_text=_("10 digits, with or without a dash. Only an exact match is found."),
    )

    def clean_cpr_number(self):
        digits = self.cleaned_data["cpr_number"].replace("-", "").replace(" ", "")
        if len(digits) != 10 or not digits.isdigit() or cpr_birth_date(digits) is None:
            raise forms.ValidationError(_("Write the 10 digits of the CPR number, for example 010190-1234."))
        return f"{digits[:6]}-{digits[6:]}"
