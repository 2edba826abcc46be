"""What the commands that read a file from the finance system share: the
file, the municipality by its slug and the staff member responsible (who
needs manage_loan there; the audit log names them)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from backoffice.models import Municipality


class FinanceFileCommand(BaseCommand):
    """Subclasses give ``import_file(content, municipality, user)``, the
    exception it raises for a file refused as a whole (with ``errors``),
    what the user was not allowed to do, and ``summary(result)``."""

    refused = Exception
    not_allowed = "handle this file"

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
            result = self.import_file(content, place, staff)
        except self.refused as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(str(e) for e in exc.errors)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{user} may not {self.not_allowed} in {place}.") from exc
        self.stdout.write(self.summary(result))

    def import_file(self, content, municipality, user):
        raise NotImplementedError

    def summary(self, result):
        raise NotImplementedError
