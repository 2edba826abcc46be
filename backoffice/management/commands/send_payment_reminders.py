"""Remind citizens whose loan instalment is past due (run daily, e.g. from cron):

    python manage.py send_payment_reminders

Each past-due instalment is reminded once; the e-mail only says that there
is news on My page. Queued as a django-tasks task unless ``--now``. On loans
with interest, run ``book_loan_interest`` first (daily too), so the interest
that has fallen due is in the ledger."""

from django.core.management.base import BaseCommand

from backoffice.services.loans import payment_reminders_task, send_payment_reminders


class Command(BaseCommand):
    help = "E-mail citizens whose loan instalment is past due (once per instalment)."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Send in this process instead of queueing.")

    def handle(self, *args, now=False, **options):
        if now:
            self.stdout.write(f"{send_payment_reminders()} reminders sent.")
        else:
            result = payment_reminders_task.enqueue()
            self.stdout.write(f"Queued ({result.id}).")
