"""Import the finance system's confirmation of the payment orders:

    python manage.py import_payment_confirmations confirmations.csv --municipality nordby \
        --user koordinator@nordby.example

Idempotent (the same file twice changes nothing) and all or nothing; the
columns are in docs/payment-orders.md. ``--user`` is the staff member
responsible (manage_loan in the municipality): the audit log names them."""

from backoffice.management.finance_file import FinanceFileCommand
from backoffice.payments.confirmations import import_confirmations
from backoffice.payments.csv_format import FileRefused


class Command(FinanceFileCommand):
    help = "Import the finance system's confirmation of payment orders (NemKonto) from a CSV file."
    refused = FileRefused
    not_allowed = "handle payment orders"

    def import_file(self, content, municipality, user):
        return import_confirmations(content, municipality, user)

    def summary(self, result):
        return f"{result.confirmed} paid, {result.rejected} rejected, {result.already_recorded} already recorded."
