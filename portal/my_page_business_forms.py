"""Forms on My page for the business set-up and the monthly report.
Amounts are typed in kroner (with øre after a comma if wanted) and handed
to the services as integer øre."""

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.services.followup import HOW_IT_GOES_MAX_LENGTH

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_KRONER = Decimal("100000000")


def to_ore(kroner):
    """Kroner as typed (a ``Decimal``) to integer øre."""
    return int((kroner or Decimal(0)) * 100)


def from_ore(ore):
    return (Decimal(ore) / 100) if ore is not None else None


class KronerField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", MAX_KRONER)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 12)
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        return super().to_python(normalise_kroner(value))

    def prepare_value(self, value):
        """Shown the Danish way: a comma before the øre, no thousands dots."""
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",").removesuffix(",00")
        return value


def normalise_kroner(value):
    """What people type in Denmark to a plain number: "1.500,50 kr." and
    "1500,50" become "1500.50"; "1.500" is fifteen hundred, "12.50" twelve
    and a half (a dot before exactly three digits is a thousands dot)."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower().removesuffix("kr.").removesuffix("kr").replace(" ", "").replace("\xa0", "")
    if "," in text:
        return text.replace(".", "").replace(",", ".")
    if text.count(".") > 1 or (text.count(".") == 1 and len(text.rsplit(".", 1)[1]) == 3):
        return text.replace(".", "")
    return text


class BusinessForm(forms.Form):
    name = forms.CharField(label=_("Name of the business"), max_length=200)
    cvr_number = forms.CharField(
        label=_("CVR number"), required=False, max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("8 digits. You get it when you register the business at virk.dk. Leave it empty if you "
                    "have not registered yet."),
    )
    industry = forms.CharField(label=_("Industry"), required=False, max_length=200,
                               help_text=_("For example hairdresser, bicycle repairs or cleaning."))
    started_on = forms.DateField(label=_("The business started on"), required=False, widget=DATE_WIDGET)

    def service_data(self):
        return dict(self.cleaned_data)


class BusinessAccountForm(forms.Form):
    """The account and the bank's confirmation. The file is checked by
    ``backoffice.uploads.validate_upload`` in the view; bind to POST only."""

    bank_name = forms.CharField(label=_("Bank"), max_length=200)
    requested_on = forms.DateField(label=_("When did you ask the bank for the account?"), required=False,
                                   widget=DATE_WIDGET)
    opened_on = forms.DateField(label=_("When was the account opened?"), required=False, widget=DATE_WIDGET,
                                help_text=_("Leave empty if the bank has not opened it yet."))
    registration_number = forms.CharField(
        label=_("Registration number"), required=False, max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("4 digits."))
    account_number = forms.CharField(
        # 34: an IBAN (DK…) is accepted too; services.business.clean_account splits it.
        label=_("Account number"), required=False, max_length=34,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Up to 10 digits, or the IBAN (DK…). It must be the business's account, not your own."))
    fees_paid = KronerField(label=_("Fees paid to the bank (kr.)"), required=False,
                            help_text=_("What the bank charged for opening the account, if anything."))
    notes = forms.CharField(
        label=_("Anything we should know?"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example if a bank said no, or what the bank asked you for."))
    proof = forms.FileField(
        label=_("Confirmation from the bank"), required=False,
        help_text=_("A letter or a screenshot from the bank showing the account and the business's name or "
                    "CVR number. We check the account against it before we pay the loan."))

    def __init__(self, *args, accept="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proof"].widget.attrs["accept"] = accept

    def service_data(self):
        data = {name: value for name, value in self.cleaned_data.items()
                if name not in ("proof", "fees_paid")}
        data["fees_paid_ore"] = to_ore(self.cleaned_data.get("fees_paid"))
        return data


class SelfReportForm(forms.Form):
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("If you report a month again, the new report replaces the earlier one."),
    )
    revenue = KronerField(label=_("Revenue of the business in the month (kr.)"),
                          help_text=_("What the business sold for, before costs."))
    hours = forms.IntegerField(label=_("Hours you worked in the business"), required=False, min_value=0,
                               max_value=744)
    small_jobs_income = KronerField(
        label=_("Income from small jobs beside the business (kr.)"), required=False,
        help_text=_("Wages from other work in the month. Write 0 if none."))
    how_it_goes = forms.CharField(
        label=_("How is it going?"), required=False, max_length=HOW_IT_GOES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("In your own words: customers, problems, what you need help with."))

    def service_kwargs(self):
        data = self.cleaned_data
        return {"month": data["month"], "revenue": to_ore(data["revenue"]), "hours": data.get("hours"),
                "small_jobs_income": to_ore(data.get("small_jobs_income")),
                "how_it_goes": data.get("how_it_goes", "")}


def default_report_month(today):
    """The month that has just ended: the one usually reported."""
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
