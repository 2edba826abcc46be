"""Forms on the public site."""

from django import forms
from django.utils.translation import gettext_lazy as _

YES, NO = "yes", "no"
YES_NO = [(YES, _("Yes")), (NO, _("No"))]


class EligibilityForm(forms.Form):
    """The questions of the eligibility check ("Kan jeg søge?").

    Sent with GET and never saved: the answers live only in the address of
    the result page. Radio buttons render as one <fieldset> per question
    (templates/portal/includes/radio_field.html)."""

    NONE = "none"
    # Always in the address of a submitted check, so that sending the form
    # with no answer at all still shows the errors.
    SUBMITTED = "check"

    group = forms.ChoiceField(
        label=_("What do you live on now?"),
        help_text=_("Choose the one that fits you best."),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what you live on now, or choose “None of these / I don't know”."),
            "invalid_choice": _("Choose one of the options."),
        },
    )
    idea = forms.ChoiceField(
        label=_("Do you have an idea for a business?"),
        choices=YES_NO, widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes or no: do you have an idea for a business?"),
                        "invalid_choice": _("Choose one of the options.")},
    )
    course = forms.ChoiceField(
        label=_("Are you willing to take part in a course of about six months?"),
        help_text=_("The course is the core of the scheme: teaching, coaching and help with your business plan."),
        choices=YES_NO, widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes or no: are you willing to take part in the course?"),
                        "invalid_choice": _("Choose one of the options.")},
    )
    resident = forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes or no: do you live in the municipality?"),
                        "invalid_choice": _("Choose one of the options.")},
    )

    def __init__(self, *args, target_groups=(), municipality_name="", **kwargs):
        super().__init__(*args, **kwargs)
        self.target_groups = {group.code: group for group in target_groups}
        self.fields["group"].choices = [
            (group.code, group.name) for group in self.target_groups.values()
        ] + [(self.NONE, _("None of these / I don't know"))]
        resident = self.fields["resident"]
        if municipality_name:
            resident.label = _("Do you live in %(municipality)s?") % {"municipality": municipality_name}
            resident.error_messages["required"] = _(
                "Answer yes or no: do you live in %(municipality)s?"
            ) % {"municipality": municipality_name}
        else:
            resident.label = _("Do you live in the municipality?")

    @classmethod
    def is_submitted(cls, query):
        return any(name in query for name in (cls.SUBMITTED, *cls.base_fields))

    def answers(self):
        """The cleaned answers as ``assess`` takes them."""
        data = self.cleaned_data
        return {
            "target_group": self.target_groups.get(data["group"]),
            "has_idea": data["idea"] == YES,
            "willing_course": data["course"] == YES,
            "lives_here": data["resident"] == YES,
        }
