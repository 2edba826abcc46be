"""Collection of unpaid loans, daily (e.g. from cron, after ``book_loan_interest``):

    python manage.py run_collection [--municipality SLUG] [--dry-run]

First the e-mail that a payment is overdue (``send_payment_reminders``, once
per instalment, no fee), then the formal steps on the loan policy's
schedule: reminder 1, reminder 2 and the written notice, each a letter in
Digital Post, each sent once per round of arrears (see
``services.collection``). Running it twice a day, or after a missed day,
sends nothing twice; a step missed is sent on the next run, never closer
than the policy's spacing to the one before. Nothing is sent while a
deferral runs or while the claim is with Gældsstyrelsen. ``--dry-run``
lists what would be sent and sends nothing. ``--date`` runs as of another
day (for testing a schedule)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from backoffice import selectors_loans
from backoffice.models import Municipality
from backoffice.services import collection
from backoffice.services.loans import send_payment_reminders


class Command(BaseCommand):
    help = "Send the reminders and written notices that are due (each once)."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", help="Only this municipality (its short name).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be sent; send nothing.")
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, municipality=None, dry_run=False, date=None, **options):
        if municipality and not Municipality.objects.filter(slug=municipality).exists():
            raise CommandError(f"No municipality with the short name {municipality!r}.")
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError("--date must be YYYY-MM-DD.") from exc
        if not dry_run:
            loans = selectors_loans.open_loans_with_disbursement()
            if municipality:
                loans = loans.filter(case__municipality__slug=municipality)
            self.stdout.write(f"{send_payment_reminders(today=today, loans=loans)} e-mails about overdue payments.")
        done = collection.run_collection(today=today, municipality=municipality, dry_run=dry_run)
        for loan, kind in done:
            self.stdout.write(f"{loan.case.reference} {kind}")
        verb = "would be sent" if dry_run else "sent"
        self.stdout.write(f"{len(done)} reminders and notices {verb}.")
