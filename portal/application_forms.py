"""The steps of the online application, one form each.

Cleaned data must be JSON-serialisable: it is saved on the draft after every
step (target groups by code, amounts as whole kroner)."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from backoffice.models import TargetGroup
from backoffice.validators import validate_cpr

from .templatetags.portal_tags import dkk

POSTCODE = RegexValidator(r"^\d{4}$", _("Enter a postcode of 4 digits, for example 9000."))
PHONE = RegexValidator(r"^\+?[\d ]{8,15}$", _("Enter a phone number of 8 digits, for example 12 34 56 78."))


def _text(label, help_text="", required=True, max_length=200):
    return forms.CharField(label=label, help_text=help_text, required=required, max_length=max_length)


def _long_text(label, help_text="", required=True):
    return forms.CharField(label=label, help_text=help_text, required=required, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 5}))


def _kroner(label, help_text="", required=True):
    return forms.IntegerField(
        label=label, help_text=help_text, required=required, min_value=0, max_value=10_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Write the amount in whole kroner, with digits only, for example 25000.")},
    )


class AboutYouForm(forms.Form):
    full_name = _text(_("Full name"))
    cpr_number = forms.CharField(
        label=_("CPR number"), help_text=_("10 digits. We use it only to find your case at the jobcenter."),
        max_length=11, validators=[validate_cpr],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )
    address = _text(_("Address"))
    postcode = forms.CharField(label=_("Postcode"), max_length=4, validators=[POSTCODE],
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}))
    city = _text(_("Town"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=20, validators=[PHONE],
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    target_group = forms.ChoiceField(
        label=_("What do you live on now?"), widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you live on now.")},
    )
    caseworker_name = _text(_("Your caseworker at the jobcenter"), required=False,
                            help_text=_("If you have one. It helps us talk to the right person."))

    field_order = ["full_name", "cpr_number", "address", "postcode", "city", "phone", "email",
                   "target_group", "caseworker_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_group"].choices = [(g.code, g.name) for g in TargetGroup.objects.filter(active=True)]
        # A CPR number that came from the MitID sign-in is not asked for
        # (nor can a posted one replace it); the step shows it masked.
        self.verified_cpr = self.initial.get("cpr_number") if self.initial.get("cpr_verified") else None
        if self.verified_cpr:
            del self.fields["cpr_number"]

    @property
    def cpr_masked(self):
        digits = str(self.verified_cpr or "").replace("-", "")
        return f"{digits[:6]}-****" if len(digits) == 10 else ""

    def clean(self):
        cleaned = super().clean()
        if self.verified_cpr:
            cleaned["cpr_number"] = self.verified_cpr
        return cleaned

    def clean_cpr_number(self):
        digits = self.cleaned_data["cpr_number"].replace("-", "").strip()
        return f"{digits[:6]}-{digits[6:]}"

    def clean_phone(self):
        return " ".join(self.cleaned_data["phone"].split())


class IdeaForm(forms.Form):
    business_idea = _long_text(_("Your business idea"), _("What will you sell, and to whom? A few sentences are enough."))
    industry = _text(_("Industry"), _("For example cleaning, crafts, food or IT."))
    customers = _long_text(_("Your customers"), _("Who will buy, and how will they find you?"))
    competitors = _long_text(_("Competitors"), _("Who sells something similar? What will you do differently?"),
                             required=False)
    experience = _long_text(_("Your experience and education"),
                            _("Jobs, courses and things you are good at that help the business."))
    motivation = _long_text(_("Why do you want to be self-employed?"))


class MoneyForm(forms.Form):
    startup_costs_dkk = _kroner(_("What will it cost to start?"),
                                _("Equipment, goods, rent and other expenses before you earn money."))
    own_funding_dkk = _kroner(_("How much can you pay yourself?"), _("Write 0 if nothing."))
    requested_amount_dkk = _kroner(_("How much do you want to borrow?"))
    expected_monthly_income_dkk = _kroner(
        _("What do you expect to earn a month?"), _("After expenses, when the business is running. Your best guess."),
    )

    def __init__(self, *args, loan_policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.loan_policy = loan_policy
        self.fields["requested_amount_dkk"].help_text = _("You can borrow from %(min)s to %(max)s.") % {
            "min": dkk(loan_policy.min_amount), "max": dkk(loan_policy.max_amount)}

    def clean_requested_amount_dkk(self):
        amount = self.cleaned_data["requested_amount_dkk"]
        policy = self.loan_policy
        if not policy.min_amount <= amount <= policy.max_amount:
            raise forms.ValidationError(
                _("You can borrow from %(min)s to %(max)s. Change the amount."),
                code="outside_policy", params={"min": dkk(policy.min_amount), "max": dkk(policy.max_amount)},
            )
        return amount


class DeclarationsForm(forms.Form):
    truthful = forms.BooleanField(
        label=_("What I have written is true, and I will tell you if something changes."),
        error_messages={"required": _("Tick the box to confirm that what you have written is true.")},
    )
    consent = forms.BooleanField(
        label=_("I have read how my information is used, and the case may use it to assess my application."),
        error_messages={"required": _("Tick the box to confirm that you have read how we use your information.")},
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class DocumentsForm(forms.Form):
    """The documents step. Only renders the file inputs: each file is checked
    and stored by ``applications.add_draft_document``, one at a time, so one
    refused file never costs the citizen the others."""

    business_plan = forms.FileField(
        label=_("Business plan"), required=False,
        help_text=_("Your plan for the business: the idea, customers, prices and how you will sell."))
    budget = forms.FileField(
        label=_("Budget"), required=False,
        help_text=_("What you expect to earn and spend the first year. A spreadsheet or a PDF."))
    cv = forms.FileField(label=_("CV"), required=False,
                         help_text=_("Optional. Your jobs, education and courses."))
    other = forms.FileField(
        label=_("Other documents"), required=False, widget=MultipleFileInput,
        help_text=_("Optional. For example offers from suppliers or letters from customers. "
                    "You can choose several files."))

    def __init__(self, *args, accept="", **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["accept"] = accept
