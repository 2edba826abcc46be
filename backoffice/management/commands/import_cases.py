"""Import a municipality's existing cases from its earlier records:

    python manage.py import_cases FILE.csv --municipality SLUG [--create-municipality "Display name"]

All or nothing, and idempotent by case number: the same file twice changes
nothing, a later file updates. The columns and the rules are in
``backoffice.services.case_import``; an example is
``docs/examples/aalborg-trial-2020.csv``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backoffice.services.case_import import ImportRefused, import_cases


class Command(BaseCommand):
    help = "Import existing cases (e.g. the trial's records) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="The municipality's short name, e.g. aalborg.")
        parser.add_argument("--create-municipality", metavar="NAME", default=None,
                            help="Create the municipality with this name if it does not exist.")

    def handle(self, *args, file, municipality, create_municipality=None, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc}) from exc
        try:
            result = import_cases(content, municipality, create_name=create_municipality)
        except ImportRefused as exc:
            raise CommandError("\n".join([_("Nothing was imported:"), *exc.errors])) from exc
        if result.municipality_created:
            self.stdout.write(_("Created the municipality %(name)s (%(slug)s).")
                              % {"name": result.municipality.name, "slug": result.municipality.slug})
        self.stdout.write(_("%(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % {
            "created": len(result.created), "updated": len(result.updated), "unchanged": len(result.unchanged)})
        if not result.changed:
            self.stdout.write(_("Nothing changed: the cases are already as the file says."))
