"""The evaluation report for one municipality and period, as the trial's
evaluation form asks for it ("Forsøget opgjort i tal").

    python manage.py evaluation_report --municipality nordby --start 2020-07-01 --end 2022-12-31
    python manage.py evaluation_report --municipality nordby --start 2022-01-01 --end 2022-12-31 --format json
    python manage.py evaluation_report ... --format csv --language en

Both days are included. ``text`` (the default) prints the headline figures
in a sentence like the form's and the table per target group with the
total row; ``csv`` the table with a header row; ``json`` exactly

    {"municipality": SLUG, "start": DATE, "end": DATE, "courses": N, "loans": N,
     "self_sufficient": N, "referred_ordinary_effort": N,
     "by_target_group": [{"target_group": CODE, "label": TEXT, "courses": N, "loans": N}, ...]}

(no total row; labels in ``--language``, Danish by default). The definitions
are in ``backoffice/statistics/evaluation.py``.
"""

import json
import re
import textwrap
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from backoffice.models import Municipality
from backoffice.statistics.evaluation import (
    DEFINITIONS, evaluation_report, format_day, headline_sentences, table_headers, table_rows,
)
from backoffice.statistics.exports import csv_text
from backoffice.statistics.periods import Period

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WIDTH = 100


def parse_day(value, option):
    if not ISO_DATE.match(value or ""):
        raise CommandError(f"{option} must be a date written YYYY-MM-DD, not {value!r}.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} is not a real date: {value!r}.") from None


def text_table(headers, rows):
    """A plain-text table: first column left-aligned, numbers right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells):
        first, *numbers = cells
        return "  ".join([str(first).ljust(widths[0])]
                         + [str(cell).rjust(width) for cell, width in zip(numbers, widths[1:])]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    body = [line(row) for row in rows]
    if len(body) > 1:  # a rule above the total row, as in the form
        body.insert(-1, rule)
    return "\n".join([line(headers), rule, *body])


class Command(BaseCommand):
    help = ("Print the evaluation report (courses, loans, self-sufficient, referred to the ordinary "
            "employment effort, per target group) for a municipality and a period; both days included.")

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, metavar="SLUG",
                            help="The municipality's short name, e.g. nordby.")
        parser.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="First day of the period.")
        parser.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="Last day of the period.")
        parser.add_argument("--format", choices=("text", "csv", "json"), default="text",
                            help="text (default), csv or json.")
        parser.add_argument("--language", choices=("da", "en"), default="da",
                            help="Language of the labels and texts (default da).")

    def handle(self, *args, municipality, start, end, format="text", language="da", **options):
        start_day, end_day = parse_day(start, "--start"), parse_day(end, "--end")
        if end_day < start_day:
            raise CommandError(f"--end ({end}) is before --start ({start}).")
        found = Municipality.objects.filter(slug=municipality).first()
        if found is None:
            known = ", ".join(Municipality.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"No municipality with the short name {municipality!r} (known: {known}).")

        report = evaluation_report(found, Period(start_day, end_day))
        with translation.override(language):
            if format == "json":
                self.stdout.write(json.dumps(report.as_json(language), ensure_ascii=False, indent=2))
            elif format == "csv":
                self.stdout.write(csv_text(table_headers(), table_rows(report)), ending="")
            else:
                self.stdout.write(self.text(report))

    def text(self, report):
        title = _("Evaluation report – %(municipality)s") % {"municipality": report.municipality.name}
        period = _("Period: %(start)s to %(end)s (both days included)") % {
            "start": format_day(report.period.start), "end": format_day(report.period.end)}
        lines = [title, period, ""]
        lines += textwrap.wrap(" ".join(headline_sentences(report)), WIDTH)
        lines += ["", _("Citizens who took the guidance and upskilling course or were granted a micro-loan, "
                        "by target group:"), ""]
        lines.append(text_table(table_headers(), table_rows(report)))
        lines += ["", _("Definitions")]
        for _key, label, text in DEFINITIONS:
            lines += textwrap.wrap(f"{label}: {text}", WIDTH, initial_indent="- ", subsequent_indent="  ")
        return "\n".join(lines)
