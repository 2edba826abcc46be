"""Import repayments from the finance system's CSV file:

    python manage.py import_payments payments.csv --municipality nordby --user koordinator@nordby.example

Idempotent (the same file twice books nothing twice) and all or nothing.
``--user`` is the staff member responsible for the import (manage_loan in the
municipality): the entries and the audit log name them."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from backoffice.ledger_import import ImportRefused, import_payments
from backoffice.models import Municipality


class Command(BaseCommand):
    help = "Import repayments from a CSV file from the finance system."

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
            result = import_payments(content, place, staff)
        except ImportRefused as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(exc.errors)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{user} may not record payments in {place}.") from exc
        self.stdout.write(f"{result.new} new, {result.already_recorded} already recorded.")
        return None
