"""The business-account barrier page: waiting now and the median days at
the top, then per bank, and the longest waits (days only for the steering
group; the coordinator also gets a link to the case)."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ... import charts
from ...statistics.barrier import barrier
from . import page


def days(value):
    return None if value is None else round(value, 1)


def bank_chart(result):
    return charts.bar_chart(
        "banks-chart", _("Median days from loan to business account, per bank"),
        _("Horizontal bars: for each bank, the median number of days from the loan decision until the "
          "business account was opened, for the period's loans."),
        [(bank.bank, [bank.days.median or 0]) for bank in result.banks if bank.days.count],
        [_("Median days")], value_format=lambda v: _("%(days)s days") % {"days": charts.fmt_short(v)},
    )


def waiting_chart(result):
    return charts.bar_chart(
        "waiting-chart", _("The longest waits now"),
        _("Horizontal bars: days each case has waited since the loan decision without a business account."),
        [(row.bank, [row.days_waiting]) for row in result.longest_waiting], [_("Days waiting")],
        value_format=lambda v: _("%(days)s days") % {"days": charts.fmt_short(v)},
    )


@never_cache
def barrier_view(request):
    municipality, period, form = page.report_setup(request)
    result = barrier(municipality, period)
    export = page.export_response(
        request, "erhvervskonti", municipality, period, _("Business accounts"),
        [_("Bank"), _("Loans"), _("Accounts opened"), _("Waiting"), _("Median days"), _("Lower quartile (days)"),
         _("Upper quartile (days)"), _("Longest (days)"), _("Fees in all (DKK)"), _("Average fee (DKK)")],
        [[b.bank, b.loans, b.opened, b.waiting, days(b.days.median), days(b.days.q1), days(b.days.q3),
          b.days.longest, b.fees_total_dkk, b.fees_average_dkk] for b in result.banks]
        + [[_("All banks"), result.loans, result.opened, result.loans - result.opened, days(result.days.median),
            days(result.days.q1), days(result.days.q3), result.days.longest, result.fees_total_dkk,
            result.fees_average_dkk]],
        more_sheets=[(_("Waiting now"), [_("Days waiting"), _("Bank"), _("Bank asked")],
                      [[w.days_waiting, w.bank, _("Yes") if w.requested else _("No")]
                       for w in result.longest_waiting])],
    )
    if export:
        return export
    return render(request, "backoffice/statistics/barrier.html", page.context(
        request, url_name="statistics_accounts", title=_("Business accounts"), municipality=municipality,
        period=period, form=form, result=result, median=days(result.days.median), q1=days(result.days.q1),
        q3=days(result.days.q3), bank_chart=bank_chart(result), waiting_chart=waiting_chart(result),
        show_case_links=request.user.has_perm("backoffice.view_case") and page.may_edit(request, municipality),
    ))
