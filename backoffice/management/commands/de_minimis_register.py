"""The de minimis register of one municipality for a period, as CSV on stdout:

    python manage.py de_minimis_register --municipality nordby --start 2026-01-01 --end 2026-12-31

Both days are included. One row per de minimis grant (CVR number, business,
grant date, aid in DKK and EUR, GGE method, reference rate, loan amount, case
reference, regulation), the same columns as the statistics page's download
(``backoffice/statistics/de_minimis_register.py``). Column names in
``--language`` (Danish by default)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from backoffice.models import Municipality
from backoffice.statistics.de_minimis_register import headers, register_rows
from backoffice.statistics.exports import csv_text

from .evaluation_report import parse_day


class Command(BaseCommand):
    help = "Print the de minimis grants of a municipality in a period as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="The municipality's short name (slug).")
        parser.add_argument("--start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--end", required=True, help="Last day, YYYY-MM-DD.")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=["da", "en"])

    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"No municipality with the short name {options['municipality']!r}.")
        start, end = parse_day(options["start"], "--start"), parse_day(options["end"], "--end")
        if end < start:
            raise CommandError("--end must be on or after --start.")
        with translation.override(options["language"]):
            self.stdout.write(csv_text(headers(), register_rows(municipality, start, end)), ending="")
