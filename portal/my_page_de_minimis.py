"""My page: the business's declaration of its other de minimis aid in the
last three years, asked while the loan is being decided (the loan is state
aid under Regulation (EU) 2023/2831, and the business may receive at most
EUR 300,000 of such aid over three years). Thin view: the service
``backoffice.services.de_minimis.declare_other_aid`` checks, saves, audits
and tells staff.

Access as on the rest of My page: the case is looked up with the logged-in
citizen and the site's municipality, so anybody else gets a 404."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from backoffice.models import LoanPolicy
from backoffice.services import de_minimis
from backoffice.services.citizen import CitizenActionRefused

from .my_page import _own_case
from .my_page_business_forms import DATE_WIDGET, normalise_kroner

EMPTY_ROWS = 3


class EuroField(forms.DecimalField):
    """Euro as typed the Danish way ("12.500,50"), cleaned to a Decimal."""

    def __init__(self, **kwargs):
        super().__init__(min_value=Decimal("0.01"), max_value=Decimal("100000000"), decimal_places=2,
                         max_digits=12, **kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        return super().to_python(normalise_kroner(value))

    def prepare_value(self, value):
        """Shown the Danish way: a comma before the cents, no thousands dots."""
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",").removesuffix(",00")
        return value


class DeclarationForm(forms.Form):
    """"None", or one row per grant: who granted it, when, how much (EUR).
    ``rows`` is kept in a hidden field so a posted form keeps its rows."""

    no_other_aid = forms.BooleanField(
        label=gettext_lazy("The business has not received any other de minimis aid in the last three years"),
        required=False)
    rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=de_minimis.MAX_DECLARED_AIDS)

    def __init__(self, *args, rows=EMPTY_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            try:
                rows = int(self.data.get("rows") or rows)
            except ValueError:
                pass
        self.row_count = rows = max(1, min(int(rows), de_minimis.MAX_DECLARED_AIDS))
        self.fields["rows"].initial = rows
        for number in range(1, rows + 1):
            self.fields[f"grantor_{number}"] = forms.CharField(
                label=gettext_lazy("Granted by"), required=False, max_length=de_minimis.GRANTOR_MAX_LENGTH,
                help_text=gettext_lazy("E.g. a municipality, a ministry or a fund."))
            self.fields[f"granted_on_{number}"] = forms.DateField(
                label=gettext_lazy("Date of the grant"), required=False, widget=DATE_WIDGET)
            self.fields[f"amount_{number}"] = EuroField(label=gettext_lazy("Amount (EUR)"), required=False)

    def grant_rows(self):
        """The rows' bound fields, for the template: (number, grantor, date, amount)."""
        return [(n, self[f"grantor_{n}"], self[f"granted_on_{n}"], self[f"amount_{n}"])
                for n in range(1, self.row_count + 1)]

    def clean(self):
        cleaned = super().clean()
        aids = []
        for number in range(1, self.row_count + 1):
            values = [cleaned.get(f"{name}_{number}") for name in ("grantor", "granted_on", "amount")]
            if not any(values):
                continue
            for name, value in zip(("grantor", "granted_on", "amount"), values):
                if not value and f"{name}_{number}" not in self.errors:
                    self.add_error(f"{name}_{number}", _("Fill in all three for each grant."))
            aids.append(values)
        if cleaned.get("no_other_aid") and aids:
            self.add_error("no_other_aid", _("Either list the aid or tick that there is none, not both."))
        elif not cleaned.get("no_other_aid") and not aids and not self.errors:
            self.add_error("no_other_aid", _("List the de minimis aid, or tick that there is none."))
        cleaned["aids"] = [(grantor, day, int(amount * 100)) for grantor, day, amount in aids
                           if grantor and day and amount]
        return cleaned


def _initial(declaration):
    if declaration is None:
        return {}, EMPTY_ROWS
    initial = {"no_other_aid": declaration.no_other_aid}
    aids = list(declaration.aids.all())
    for number, aid in enumerate(aids, start=1):
        initial.update({f"grantor_{number}": aid.grantor, f"granted_on_{number}": aid.granted_on,
                        f"amount_{number}": Decimal(aid.amount_eur_cents) / 100})
    return initial, min(len(aids) + EMPTY_ROWS, de_minimis.MAX_DECLARED_AIDS)


@never_cache
def declaration(request, reference):
    """GET: the declaration given, and the form while it may be given.
    POST: the declaration."""
    case = _own_case(request, reference)
    current = de_minimis.declaration_for(case)
    open_ = de_minimis.may_declare(case) and de_minimis.is_enabled(case.municipality_id)
    if request.method == "POST" and open_:
        form = DeclarationForm(request.POST)
        if form.is_valid():
            try:
                de_minimis.declare_other_aid(case, request.user, no_other_aid=form.cleaned_data["no_other_aid"],
                                             aids=form.cleaned_data["aids"])
            except CitizenActionRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Thank you. Your declaration has been saved, and we have told your "
                                            "caseworker."))
                return redirect("my_page_de_minimis", reference=case.reference)
    else:
        initial, rows = _initial(current)
        form = DeclarationForm(initial=initial, rows=rows)
    return render(request, "portal/my_page/de_minimis.html", {
        "case": case, "form": form, "declaration": current, "can_declare": open_,
        "ceiling_eur": LoanPolicy.objects.filter(municipality_id=case.municipality_id)
        .values_list("de_minimis_ceiling_eur", flat=True).first(),
    }, status=400 if form.errors else 200)
