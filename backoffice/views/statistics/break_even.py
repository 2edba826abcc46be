"""The break-even page (the CASA model): the formula, the share required
beside the actual share, loans written off, and the coordinator's
parameters."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ... import charts
from ...statistics.break_even import break_even
from . import page


def share_chart(result):
    rows = [(str(year.year), [page.percent(year.required_share) or 0, page.percent(year.actual_share) or 0])
            for year in result.years]
    return charts.bar_chart(
        "break-even-chart", _("Required and actual share of self-sufficient participants"),
        _("Grouped horizontal bars per year: the share of participants that must stay self-sufficient to break "
          "even, and the share that is."),
        rows, [_("Required"), _("Actual")],
        value_format=lambda v: _("%(value)s pct.") % {"value": charts.fmt(v, 1)},
    )


@never_cache
def break_even_view(request):
    municipality, period, form = page.report_setup(request)
    result = break_even(municipality, period)
    p = result.parameters
    export = page.export_response(
        request, "break-even", municipality, period, _("Break-even"),
        [_("Year"), _("Participants target"), _("Required share (percent)"), _("Participants"),
         _("Self-sufficient"), _("Actual share (percent)"), _("Loans written off"), _("Written off (DKK)")],
        [[y.year, y.participants_target, page.percent(y.required_share, 2), y.participants, y.self_sufficient,
          page.percent(y.actual_share, 2), y.loans_written_off, y.written_off_dkk] for y in result.years],
        more_sheets=[(_("Parameters"), [_("Parameter"), _("Value")], [
            [str(p._meta.get_field(name).verbose_name), getattr(p, name)]
            for name in ("yearly_project_cost_dkk", "coordinator_dkk", "consultant_dkk", "courses_and_external_dkk",
                         "yearly_support_saved_per_citizen_dkk", "horizon_years")
        ])],
    )
    if export:
        return export
    may_edit = page.may_edit(request, municipality) and request.user.has_perm(
        "backoffice.change_breakevenparameters")
    return render(request, "backoffice/statistics/break_even.html", page.context(
        request, url_name="statistics_break_even", title=_("Break-even"), municipality=municipality,
        period=period, form=form, result=result, parameters=p,
        required_default=page.percent(result.required_share_default, 2),
        actual=page.percent(result.actual_share, 1),
        default_participants=result.participants_per_year,
        denominator=result.denominator_dkk,
        years=[{"row": y, "required": page.percent(y.required_share, 2), "actual": page.percent(y.actual_share, 1)}
               for y in result.years],
        chart=share_chart(result),
        edit_url=reverse("backoffice:statistics_break_even_parameters") if may_edit else None,
    ))
