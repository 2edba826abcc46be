"""Book the interest of loan instalments that have fallen due (run daily,
e.g. from cron, before ``send_payment_reminders``):

    python manage.py book_loan_interest

Each instalment's interest is booked once (idempotent); interest-free
loans are skipped. Queued as a django-tasks task unless ``--now``."""

from django.core.management.base import BaseCommand

from backoffice.services.loans import book_all_due_interest, book_interest_task


class Command(BaseCommand):
    help = "Book the interest of loan instalments that have fallen due (once per instalment)."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Book in this process instead of queueing.")

    def handle(self, *args, now=False, **options):
        if now:
            self.stdout.write(f"{book_all_due_interest()} interest entries booked.")
        else:
            result = book_interest_task.enqueue()
            self.stdout.write(f"Queued ({result.id}).")
