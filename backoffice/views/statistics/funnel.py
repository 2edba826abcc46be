"""The funnel page: from referral to self-sufficiency, per cohort, and
against the yearly targets (which the coordinator edits here)."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ... import charts
from ...statistics import funnel as read
from ...statistics.funnel import EXPECTED_SUCCESSES_PER_20
from . import page
from .settings import YearlyTargetForm, target_rows_for_editing


def funnel_chart(steps):
    return charts.bar_chart(
        "funnel-chart", _("The funnel"),
        _("Horizontal bars: how many of the period's referred or applied cases reached each step."),
        [(step.label, [step.count]) for step in steps], [_("Cases")],
    )


def outcomes_chart(quarters):
    return charts.column_chart(
        "outcomes-chart", _("Outcomes over time"),
        _("Stacked columns per quarter: outcomes recorded, split into self-sufficient, in education and other."),
        [(row.label, [row.self_sufficient, row.education, row.not_self_sufficient]) for row in quarters],
        [_("Self-sufficient"), _("In education"), _("Other")],
    )


@never_cache
def funnel_view(request):
    municipality, period, form = page.report_setup(request)
    steps = read.funnel(municipality, period)
    cohorts = read.by_cohort(municipality, period)
    targets = read.targets(municipality, period)
    quarters = read.outcomes_by_quarter(municipality, period)
    export = page.export_response(
        request, "tragt", municipality, period, _("Funnel"),
        [_("Step"), _("Cases"), _("Share of the step before (percent)"), _("Share of the first step (percent)")],
        [[str(s.label), s.count, page.percent(s.conversion), page.percent(s.share_of_first)] for s in steps],
        more_sheets=[
            (_("Cohorts"), [_("Cohort"), _("Starts"), _("Ends"), _("Places"), _("Started"), _("Completed"),
                            _("Loans"), _("Businesses"), _("Self-sufficient"), _("Expected (low)"),
                            _("Expected (high)")],
             [[c.name, c.starts_on, c.ends_on, c.places, c.started, c.completed, c.loans, c.businesses,
               c.self_sufficient, c.expected_low, c.expected_high] for c in cohorts]),
            (_("Targets"), [_("Year"), _("Participants target"), _("Participants"), _("Businesses target"),
                            _("Businesses started")],
             [[t.year, t.participants_target, t.participants, t.businesses_target, t.businesses]
              for t in targets]),
            (_("Outcomes per quarter"), [_("Quarter"), _("Self-sufficient"), _("In education"), _("Other")],
             [[q.label, q.self_sufficient, q.education, q.not_self_sufficient] for q in quarters]),
        ],
    )
    if export:
        return export
    editing = page.may_edit(request, municipality) and (
        request.user.has_perm("backoffice.add_yearlytarget") or request.user.has_perm("backoffice.change_yearlytarget"))
    return render(request, "backoffice/statistics/funnel.html", page.context(
        request, url_name="statistics_funnel", title=_("Funnel"), municipality=municipality, period=period,
        form=form, steps=steps, cohorts=cohorts, targets=targets, quarters=quarters,
        funnel_chart=funnel_chart(steps), outcomes_chart=outcomes_chart(quarters),
        expected=EXPECTED_SUCCESSES_PER_20,
        target_form=YearlyTargetForm(initial={"year": period.end.year}) if editing else None,
        saved_targets=target_rows_for_editing(request, municipality) if editing else None,
    ))
