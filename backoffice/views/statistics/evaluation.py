"""The evaluation report page (``statistics/evaluation/``): the figures the
trial's evaluation form asks for, for a period, with a chart, the table per
target group and the written definitions; ``?export=csv|xlsx|pdf``
downloads it. Coordinator and steering group (``view_statistics``); staff
see their own municipality, the superuser picks one. Counts only."""

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ...statistics.evaluation import (
    DEFINITIONS, POPULATION_NOTE, evaluation_report, figure_rows, headline_sentences, table_headers,
    table_rows,
)
from ...statistics.evaluation_pdf import evaluation_pdf
from ...statistics.exports import PDF_CONTENT_TYPE, attachment, csv_response, export_filename, xlsx_response
from . import page
from .common import period_from, statistics_municipality

EXPORTS = ("csv", "xlsx", "pdf")
FILENAME_STEM = "evaluering"

# The chart's geometry (SVG user units); see _evaluation_chart.html.
CHART_WIDTH = 600
BAR_AREA = 440  # the longest bar; the rest is room for its number
BAR_HEIGHT = 16
LABEL_HEIGHT = 20
GROUP_GAP = 12
LEGEND_HEIGHT = 30
COURSE_COLOUR = "#007d7e"  # Wagtail teal, 4.6:1 on white
LOAN_COLOUR = "#261a4a"  # Wagtail indigo


@never_cache
def evaluation(request):
    municipality = statistics_municipality(request)
    period, form = period_from(request)
    report = evaluation_report(municipality, period)
    export = request.GET.get("export")
    if export and not form.errors:
        if export not in EXPORTS:
            return HttpResponseBadRequest(_("Unknown export format."))
        return _export(report, export)

    return render(request, "backoffice/statistics/evaluation.html", page.context(
        request, url_name="statistics_evaluation", title=_("Evaluation report"),
        municipality=municipality, period=period, form=form,
        report=report,
        headline=headline_sentences(report),
        rows=table_rows(report, total=False),
        total=report.total,
        headers=table_headers(),
        definitions=DEFINITIONS,
        population_note=POPULATION_NOTE,
        chart=_chart(report),
        # The layout's own CSV/XLSX buttons give way to the three below.
        csv_url="", xlsx_url="",
        exports=[
            {"url": page.query_string(request, export=kind), "label": label, "kind": kind}
            for kind, label in (("csv", _("CSV")), ("xlsx", _("Excel (XLSX)")),
                                ("pdf", _("PDF for the evaluation form")))
        ],
    ))


def _export(report, kind):
    name = export_filename(FILENAME_STEM, report.municipality, report.period, kind)
    if kind == "csv":
        return csv_response(name, table_headers(), table_rows(report))
    if kind == "xlsx":
        return xlsx_response(name, _("Evaluation"), table_headers(), table_rows(report), more_sheets=[
            (_("Key figures"), [_("Key figure"), _("Number")], figure_rows(report)),
        ])
    return attachment(evaluation_pdf(report), name, PDF_CONTENT_TYPE)


def _chart(report):
    """Courses and loans per target group as horizontal bars: positions for
    the template's SVG, and the text alternative. (``backoffice.charts``
    offers the same as a shared helper.)"""
    rows = report.by_target_group
    top = max([row.courses for row in rows] + [row.loans for row in rows] + [1])
    groups, y = [], LEGEND_HEIGHT
    for row in rows:
        group = {"label": row.name, "label_y": y + 14, "bars": []}
        y += LABEL_HEIGHT
        for value, colour, series in ((row.courses, COURSE_COLOUR, _("Courses")),
                                      (row.loans, LOAN_COLOUR, _("Micro-loans"))):
            width = round(BAR_AREA * value / top, 1)
            group["bars"].append({
                "y": y, "width": max(width, 2) if value else 0, "colour": colour, "value": value,
                "series": series, "text_x": round(width + 6, 1), "text_y": y + BAR_HEIGHT - 3,
            })
            y += BAR_HEIGHT + 2
        groups.append(group)
        y += GROUP_GAP
    parts = [_("%(group)s: %(courses)s courses, %(loans)s micro-loans") % {
        "group": row.name, "courses": row.courses, "loans": row.loans} for row in rows]
    description = (_("Courses and micro-loans per target group. %(groups)s.") % {"groups": "; ".join(parts)}
                   if parts else _("No courses and no micro-loans in the period."))
    return {
        "title": _("Courses and micro-loans per target group"),
        "description": description,
        "width": CHART_WIDTH,
        "height": y,
        "groups": groups,
        "bar_height": BAR_HEIGHT,
        "legend": [
            {"x": 0, "colour": COURSE_COLOUR, "label": _("Courses")},
            {"x": 150, "colour": LOAN_COLOUR, "label": _("Micro-loans")},
        ],
    }
