"""Apply the municipalities' retention policies.

    python manage.py apply_retention                          # all municipalities
    python manage.py apply_retention --municipality nordby    # one
    python manage.py apply_retention --dry-run                # only say what would happen

Run it once a night, e.g. from cron (as the user that runs the site, with its
environment):

    15 3 * * *  cd /srv/mikrolaan && .venv/bin/python manage.py apply_retention

or enqueue the ``backoffice.services.retention.run_retention`` task from a
scheduler to have the task worker (``db_worker``) run it. Safe to run again.
"""

from django.core.management.base import BaseCommand, CommandError

from backoffice.models import Municipality
from backoffice.services.retention import apply_retention

LINES = (
    ("drafts_deleted", "unsent application drafts deleted", "unsent application drafts would be deleted"),
    ("draft_files_deleted", "draft files deleted", "draft files would be deleted"),
    ("cases_anonymised", "closed cases without a loan anonymised",
     "closed cases without a loan would be anonymised"),
    ("loan_cases_anonymised", "closed loan cases anonymised", "closed loan cases would be anonymised"),
    ("documents_deleted", "case documents deleted", "case documents would be deleted"),
    ("cases_skipped", "cases skipped (changed during the run; tried again next time)", None),
)


class Command(BaseCommand):
    help = ("Delete application drafts never sent and anonymise old closed cases, as each municipality's "
            "retention policy says.")

    def add_arguments(self, parser):
        parser.add_argument("--municipality", metavar="SLUG", help="Only this municipality (its short name).")
        parser.add_argument("--dry-run", action="store_true", help="Change nothing; print what would happen.")

    def handle(self, *args, municipality=None, dry_run=False, **options):
        if municipality and not Municipality.objects.filter(slug=municipality).exists():
            raise CommandError(f"No municipality with the short name {municipality!r}.")
        results = apply_retention(municipality, dry_run=dry_run)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        for slug, counts in results.items():
            self.stdout.write(f"{slug}:")
            for key, done, would in LINES:
                label = would if dry_run else done
                if label is None:
                    continue
                self.stdout.write(f"  {counts[key]:>6} {label}")
