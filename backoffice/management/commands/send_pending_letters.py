"""Send the letters whose next attempt is due (run every few minutes, e.g.
from cron, and after an outage):

    python manage.py send_pending_letters

Queues ``deliver_letter`` for each dispatch that is queued and due,
waiting for a retry whose time has come, or stuck in "sending" (the worker
stopped mid-send). A letter already sent is never touched; a resend uses
the letter's own message UUID, so the citizen gets it once. ``--now``
sends in this process instead of queueing."""

from django.core.management.base import BaseCommand

from backoffice.services import digital_post


class Command(BaseCommand):
    help = "Queue (or send) the Digital Post letters whose next attempt is due."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Send in this process instead of queueing.")

    def handle(self, *args, now=False, **options):
        pks = list(digital_post.due().order_by("queued_at", "pk").values_list("pk", flat=True))
        for pk in pks:
            if now:
                digital_post.attempt(pk)
            else:
                digital_post.enqueue(pk)
        self.stdout.write(f"{len(pks)} letters {'sent' if now else 'queued'}.")
