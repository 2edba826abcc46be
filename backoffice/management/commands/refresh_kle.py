"""Reload the KLE subject plan:

    python manage.py refresh_kle                    # the copy shipped in backoffice/kle/data/kle.json
    python manage.py refresh_kle --file OS2KLE.txt  # a file: os2kle's OS2KLE.txt or our JSON form
    python manage.py refresh_kle --url https://raw.githubusercontent.com/os2kle/os2kle/master/OS2KLE.txt

Idempotent: the same data twice changes nothing. Numbers the new plan drops
are kept, inactive, because cases still carry them."""

from pathlib import Path

import requests
from django.core.management.base import BaseCommand, CommandError

from backoffice.kle import data
from backoffice.kle.load import load
from backoffice.models import KleSubject

TIMEOUT_SECONDS = 30


class Command(BaseCommand):
    help = "Reload the KLE subject plan (os2kle open data) that cases are classified by."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--file", type=Path,
                            help="OS2KLE.txt from os2kle, or a JSON file in the shipped form.")
        source.add_argument("--url", help=f"Download the data, e.g. {data.SOURCE_URL}")

    def handle(self, *args, file=None, url=None, **options):
        try:
            entries = data.parse(self._text(file, url))
        except (ValueError, KeyError) as exc:
            raise CommandError(f"Not KLE data: {exc}") from exc
        counts = load(entries, KleSubject)
        self.stdout.write(
            f"{len(entries)} KLE numbers: {counts['created']} new, {counts['updated']} changed, "
            f"{counts['deactivated']} no longer in the plan.")

    def _text(self, file, url):
        if url:
            try:
                response = requests.get(url, timeout=TIMEOUT_SECONDS)
                response.raise_for_status()
            except requests.RequestException as exc:
                raise CommandError(f"Cannot download {url}: {exc}") from exc
            return response.content.decode("utf-8-sig")
        path = file or data.DATA_FILE
        try:
            return path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
