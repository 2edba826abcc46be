"""What the funnel, barrier, break-even and budget pages and the overview
share: the period and municipality, the header, the report navigation and
the CSV/XLSX download (``?export=csv|xlsx``)."""

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...statistics.exports import csv_response, export_filename, xlsx_response
from ...tenancy import municipality_of
from .common import municipality_choices, period_from, statistics_municipality

REPORTS = (
    ("statistics_index", gettext_lazy("Overview")),
    ("statistics_evaluation", gettext_lazy("Evaluation report")),
    ("statistics_funnel", gettext_lazy("Funnel")),
    ("statistics_accounts", gettext_lazy("Business accounts")),
    ("statistics_break_even", gettext_lazy("Break-even")),
    ("statistics_budget", gettext_lazy("Budget")),
    ("statistics_de_minimis", gettext_lazy("De minimis register")),
)


def _may_see(request, name):
    # The de minimis register names businesses: only for staff who decide loans.
    return name != "statistics_de_minimis" or request.user.has_perm("backoffice.decide_loan")


def report_url(name):
    """The report's URL, or None while a report is not installed yet."""
    try:
        return reverse(f"backoffice:{name}")
    except NoReverseMatch:
        return None


def report_setup(request):
    """``(municipality, period, form)`` for a statistics page; refuses
    without the statistics permission."""
    municipality = statistics_municipality(request)
    period, form = period_from(request)
    return municipality, period, form


def may_edit(request, municipality):
    """Parameter forms are shown to staff of that very municipality only."""
    own = municipality_of(request.user)
    return own is not None and own.pk == municipality.pk


def query_string(request, **changes):
    params = {key: value for key, value in request.GET.items() if key not in ("export", *changes)}
    params.update({key: value for key, value in changes.items() if value is not None})
    return "?" + urlencode(params) if params else ""


def context(request, *, url_name, title, municipality, period, form, **extra):
    home = reverse("backoffice:statistics_index")
    keep = query_string(request)
    breadcrumbs = [{"url": reverse("wagtailadmin_home"), "label": _("Home")}]
    if url_name != "statistics_index":
        breadcrumbs.append({"url": home + keep, "label": _("Statistics")})
    breadcrumbs.append({"url": "", "label": title})
    return {
        "page_title": title, "header_title": title, "breadcrumbs_items": breadcrumbs,
        "municipality": municipality, "period": period, "period_form": form,
        "municipalities": municipality_choices(request),
        "reports": [{"url": url + keep, "label": label, "current": name == url_name}
                    for name, label in REPORTS if (url := report_url(name)) and _may_see(request, name)],
        "csv_url": query_string(request, export="csv"), "xlsx_url": query_string(request, export="xlsx"),
        **extra,
    }


def export_response(request, stem, municipality, period, sheet_title, headers, rows, more_sheets=()):
    """The download asked for with ``?export=``, or None (then the page
    shows, also when the period is wrong: its form says why, rather than a
    download of another period)."""
    kind = request.GET.get("export")
    if kind and period_from(request)[1].errors:
        return None
    if kind == "csv":
        rows = list(rows)
        for _title, more_headers, more_rows in more_sheets:
            rows += [[], list(more_headers), *more_rows]
        return csv_response(export_filename(stem, municipality, period, "csv"), headers, rows)
    if kind == "xlsx":
        return xlsx_response(export_filename(stem, municipality, period, "xlsx"), sheet_title, headers, rows,
                             more_sheets=more_sheets)
    return None


def percent(share, decimals=1):
    """0.0596 → 6.0 (for "6.0 %"); None stays None."""
    return None if share is None else round(float(share) * 100, decimals)
