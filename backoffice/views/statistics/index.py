"""The statistics overview: one headline figure per report, with links."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ...charts import fmt
from ...statistics.barrier import barrier
from ...statistics.break_even import break_even
from ...statistics.budget import budget
from ...statistics.evaluation import evaluation_report
from ...statistics.funnel import funnel
from . import page


@never_cache
def index_view(request):
    municipality, period, form = page.report_setup(request)
    keep = page.query_string(request)
    evaluation = evaluation_report(municipality, period)
    steps = funnel(municipality, period)
    accounts = barrier(municipality, period)
    result = break_even(municipality, period)
    years = budget(municipality, period)
    budget_total = sum(y.budget_dkk for y in years)
    spent_total = sum(y.spent_dkk for y in years)
    cards = [
        {"url": "statistics_evaluation", "title": _("Evaluation report"),
         "figure": _("%(courses)s courses, %(loans)s loans") % {"courses": evaluation.courses,
                                                                 "loans": evaluation.loans},
         "text": _("The figures for the evaluation form, per target group.")},
        {"url": "statistics_funnel", "title": _("Funnel"),
         "figure": _("%(first)s referred, %(last)s self-sufficient") % {
             "first": steps[0].count, "last": steps[-1].count},
         "text": _("From referral to self-sufficiency after 12 months, per cohort and against the targets.")},
        {"url": "statistics_accounts", "title": _("Business accounts"), "highlight": accounts.waiting_now > 0,
         "figure": _("%(waiting)s waiting now, median %(median)s days") % {
             "waiting": accounts.waiting_now,
             "median": "–" if accounts.days.median is None else fmt(accounts.days.median, 1)},
         "text": _("The trial's main barrier: days from the loan decision until the business account is open.")},
        {"url": "statistics_break_even", "title": _("Break-even"),
         "figure": _("%(actual)s pct. self-sufficient, %(required)s pct. needed") % {
             "actual": "–" if result.actual_share is None else fmt(page.percent(result.actual_share), 1),
             "required": "–" if result.required_share_default is None
             else fmt(page.percent(result.required_share_default), 1)},
         "text": _("The share of participants who must stay self-sufficient for the scheme to pay for itself.")},
        {"url": "statistics_budget", "title": _("Budget"),
         "figure": _("DKK %(spent)s of %(budget)s spent") % {
             "spent": fmt(spent_total), "budget": fmt(budget_total)},
         "text": _("Budget lines against loans paid out, allowance paid and expenses.")},
    ]
    for card in cards:
        card["url"] = (page.report_url(card["url"]) or "") + keep
    return render(request, "backoffice/statistics/index.html", page.context(
        request, url_name="statistics_index", title=_("Statistics"), municipality=municipality, period=period,
        form=form, cards=cards, csv_url=None, xlsx_url=None,  # each report downloads its own tables
    ))
