"""The budget page: yearly budget lines against actual spend, and the
coordinator's budget lines and expenses."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ... import charts
from ...models import BudgetLine, Expense
from ...statistics.budget import budget
from ...statistics.collection import collection_counts
from . import page
from .settings import BudgetLineForm, ExpenseForm


def dkk(value):
    return _("DKK %(amount)s") % {"amount": charts.fmt(value, 0)}


def year_chart(year):
    return charts.bar_chart(
        f"budget-chart-{year.year}", _("Budget and spend %(year)s") % {"year": year.year},
        _("Grouped horizontal bars per category: the budget and what was spent in the period."),
        [(row.label, [row.budget_dkk, row.spent_dkk]) for row in year.rows], [_("Budget"), _("Spent")],
        value_format=dkk,
    )


@never_cache
def budget_view(request):
    municipality, period, form = page.report_setup(request)
    years = budget(municipality, period)
    # Collection of unpaid loans beside the money (services.collection); its own table in the export.
    collection = collection_counts(municipality, period).rows()
    rows = [[y.year, r.label, r.budget_dkk, r.spent_dkk, r.remaining_dkk, page.percent(r.used_share)]
            for y in years for r in y.rows]
    export = page.export_response(
        request, "budget", municipality, period, _("Budget"),
        [_("Year"), _("Category"), _("Budget (DKK)"), _("Spent (DKK)"), _("Remaining (DKK)"), _("Used (percent)")],
        rows + [[y.year, _("Total"), y.budget_dkk, y.spent_dkk, y.remaining_dkk, page.percent(y.used_share)]
                for y in years],
        more_sheets=[(_("Collection"), [_("Collection"), _("Number or amount")],
                      [[label, value] for _key, label, value in collection])],
    )
    if export:
        return export
    user = request.user
    own = page.may_edit(request, municipality)
    can_lines = own and user.has_perm("backoffice.add_budgetline")
    can_expenses = own and user.has_perm("backoffice.add_expense")
    lines = expenses = None
    if own and user.has_perm("backoffice.view_budgetline"):
        lines = list(BudgetLine.objects.filter(municipality=municipality, year__in=period.years)
                     .order_by("-year", "category"))
    if own and user.has_perm("backoffice.view_expense"):
        expenses = list(Expense.objects.filter(municipality=municipality, spent_on__gte=period.start,
                                               spent_on__lte=period.end).order_by("-spent_on", "-pk"))
    return render(request, "backoffice/statistics/budget.html", page.context(
        request, url_name="statistics_budget", title=_("Budget"), municipality=municipality, period=period,
        form=form,
        years=[{"year": y, "used": page.percent(y.used_share), "chart": year_chart(y),
                "rows": [{"row": r, "used": page.percent(r.used_share)} for r in y.rows]} for y in years],
        lines=lines, expenses=expenses, collection=collection,
        line_form=BudgetLineForm(initial={"year": period.end.year}) if can_lines else None,
        expense_form=ExpenseForm(initial={"spent_on": period.end}) if can_expenses else None,
        can_change_lines=own and user.has_perm("backoffice.change_budgetline"),
        can_change_expenses=own and user.has_perm("backoffice.change_expense"),
    ))
