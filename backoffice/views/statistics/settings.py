"""The coordinator's parameter forms: yearly targets (funnel page),
break-even parameters (break-even page), budget lines and expenses (budget
page). Thin views: ``services.statistics_settings`` checks the permission,
takes the municipality from the user, saves and writes the audit log."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from wagtail.admin import messages

from ...models import BreakEvenParameters, BudgetLine, Expense, YearlyTarget
from ...services import statistics_settings as services
from ...tenancy import municipality_of

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class YearlyTargetForm(forms.ModelForm):
    class Meta:
        model = YearlyTarget
        fields = ["year", "participants_target", "businesses_target"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].min_value = 2000
        self.fields["year"].widget.attrs.update({"min": 2000, "max": 2100})

    def validate_unique(self):  # one row per year: saving a year again changes it
        pass


class YearlyTargetEditForm(forms.ModelForm):
    class Meta:
        model = YearlyTarget
        fields = ["participants_target", "businesses_target"]


class BreakEvenForm(forms.ModelForm):
    class Meta:
        model = BreakEvenParameters
        fields = list(services.BREAK_EVEN_FIELDS)
        help_texts = {
            "yearly_project_cost_dkk": gettext_lazy("What the scheme costs a year in all; the three lines below "
                                                    "show what it is made of."),
            "yearly_support_saved_per_citizen_dkk": gettext_lazy(
                "What the municipality saves a year when one citizen supports themself (about a year of "
                "cash benefit)."),
        }


class BudgetLineForm(forms.ModelForm):
    prefix = "line"  # the budget page also has the expense form: keep the ids apart

    class Meta:
        model = BudgetLine
        fields = list(services.BUDGET_LINE_FIELDS)


class ExpenseForm(forms.ModelForm):
    prefix = "expense"

    class Meta:
        model = Expense
        fields = list(services.EXPENSE_FIELDS)
        widgets = {"spent_on": DATE_WIDGET}
        help_texts = {"note": gettext_lazy("What the money went to. No names of citizens.")}


def target_rows_for_editing(request, municipality):
    return list(YearlyTarget.objects.filter(municipality=municipality).order_by("-year"))


def _back(name, anchor):
    return reverse(f"backoffice:{name}") + f"#{anchor}"


def _post_only(request):
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def _save_or_errors(request, form, save, success, back):
    """Run ``save`` on a valid form; show the errors as messages otherwise
    (the small forms live on the report pages)."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return HttpResponseRedirect(back)


@never_cache
def target_save(request):
    refused = _post_only(request)
    if refused:
        return refused
    services.own_municipality(request.user, "add", "yearlytarget")
    return _save_or_errors(
        request, YearlyTargetForm(request.POST),
        lambda data: services.save_yearly_target(request.user, **data),
        _("The yearly target is saved."), _back("statistics_funnel", "targets"))


def _edit_page(request, *, form, title, back, delete_url):
    return render(request, "backoffice/statistics/settings_form.html", {
        "form": form, "page_title": title, "header_title": title, "back_url": back, "delete_url": delete_url,
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("backoffice:statistics_index"), "label": _("Statistics")},
            {"url": back, "label": _("Back to the report")},
            {"url": "", "label": title},
        ],
    })


@never_cache
def target_edit(request, pk):
    target = services.own_row(request.user, "yearlytarget", pk)
    back = _back("statistics_funnel", "targets")
    form = YearlyTargetEditForm(request.POST or None, instance=YearlyTarget(
        participants_target=target.participants_target, businesses_target=target.businesses_target))
    if request.method == "POST" and form.is_valid():
        services.save_yearly_target(request.user, year=target.year, **form.cleaned_data)
        messages.success(request, _("The yearly target is saved."))
        return HttpResponseRedirect(back)
    return _edit_page(request, form=form, back=back,
                      title=_("Targets for %(year)s") % {"year": target.year},
                      delete_url=reverse("backoffice:statistics_target_delete", args=[pk]))


@never_cache
def target_delete(request, pk):
    refused = _post_only(request)
    if refused:
        return refused
    services.delete_yearly_target(request.user, pk)
    messages.success(request, _("The yearly target is deleted; the default targets apply again."))
    return HttpResponseRedirect(_back("statistics_funnel", "targets"))


@never_cache
def break_even_parameters(request):
    existing = BreakEvenParameters.objects.filter(municipality=municipality_of(request.user)).first()
    services.own_municipality(request.user, "change" if existing else "add", "breakevenparameters")
    back = _back("statistics_break_even", "parameters")
    form = BreakEvenForm(request.POST or None, instance=BreakEvenParameters(
        **{name: getattr(existing, name) for name in services.BREAK_EVEN_FIELDS}) if existing else None)
    if request.method == "POST" and form.is_valid():
        services.save_break_even_parameters(request.user, form.cleaned_data)
        messages.success(request, _("The break-even parameters are saved."))
        return HttpResponseRedirect(back)
    return _edit_page(request, form=form, back=back, title=_("Break-even parameters"), delete_url=None)


def _new(request, model_name, form_class, save, success):
    refused = _post_only(request)
    if refused:
        return refused
    services.own_municipality(request.user, "add", model_name)
    return _save_or_errors(request, form_class(request.POST), lambda data: save(request.user, data), success,
                           _back("statistics_budget", model_name))


def _edit(request, pk, model_name, form_class, save, title, delete_name):
    row = services.own_row(request.user, model_name, pk)
    back = _back("statistics_budget", model_name)
    form = form_class(request.POST or None, instance=type(row)(
        **{name: getattr(row, name) for name in form_class._meta.fields}))
    if request.method == "POST" and form.is_valid():
        try:
            save(request.user, form.cleaned_data, pk=pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(back)
    return _edit_page(request, form=form, back=back, title=title,
                      delete_url=reverse(f"backoffice:{delete_name}", args=[pk]))


def _delete(request, pk, delete, anchor):
    refused = _post_only(request)
    if refused:
        return refused
    delete(request.user, pk)
    messages.success(request, _("Deleted."))
    return HttpResponseRedirect(_back("statistics_budget", anchor))


@never_cache
def budget_line_new(request):
    return _new(request, "budgetline", BudgetLineForm, services.save_budget_line, _("The budget line is saved."))


@never_cache
def budget_line_edit(request, pk):
    return _edit(request, pk, "budgetline", BudgetLineForm, services.save_budget_line, _("Edit budget line"),
                 "statistics_budget_line_delete")


@never_cache
def budget_line_delete(request, pk):
    return _delete(request, pk, services.delete_budget_line, "budgetline")


@never_cache
def expense_new(request):
    return _new(request, "expense", ExpenseForm, services.save_expense, _("The expense is saved."))


@never_cache
def expense_edit(request, pk):
    return _edit(request, pk, "expense", ExpenseForm, services.save_expense, _("Edit expense"),
                 "statistics_expense_delete")


@never_cache
def expense_delete(request, pk):
    return _delete(request, pk, services.delete_expense, "expense")
