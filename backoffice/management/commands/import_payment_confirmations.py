"""Import the finance system's confirmation of the payment orders:

    python manage.py import_payment_confirmations confirmations.csv --municipality nordby \
        --user koordinator@nordby.example

Idempotent (the same file twice changes nothing) and all or nothing; the
columns are in docs/payment-orders.md. ``--user`` is the staff member
responsible (manage_loan in the municipality): the audit log names them."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from backoffice.models import Municipality
from backoffice.payments.confirmations import import_confirmations
from backoffice.payments.csv_format import FileRefused


class Command(BaseCommand):
    help = "Import the finance system's confirmation of payment orders (NemKonto) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="The municipality's slug, e.g. nordby.")
        parser.add_argument("--user", required=True, help="E-mail or username of the staff member importing.")

    def handle(self, *args, file, municipality, user, **options):
        try:
            place = Municipality.objects.get(slug=municipality)
        except Municipality.DoesNotExist as exc:
            raise CommandError(f"No municipality with the slug {municipality!r}.") from exc
        User = get_user_model()
        staff = User.objects.filter(email__iexact=user).first() or User.objects.filter(username=user).first()
        if staff is None or not staff.is_active:
            raise CommandError(f"No active user {user!r}.")
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            result = import_confirmations(content, place, staff)
        except FileRefused as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(str(e) for e in exc.errors)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{user} may not handle payment orders in {place}.") from exc
        self.stdout.write(f"{result.confirmed} paid, {result.rejected} rejected, "
                          f"{result.already_recorded} already recorded.")
