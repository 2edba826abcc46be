"""Import repayments from the finance system's CSV file:

    python manage.py import_payments payments.csv --municipality nordby --user koordinator@nordby.example

Idempotent (the same file twice books nothing twice) and all or nothing.
``--user`` is the staff member responsible for the import (manage_loan in the
municipality): the entries and the audit log name them."""

from backoffice.ledger_import import ImportRefused, import_payments
from backoffice.management.finance_file import FinanceFileCommand


class Command(FinanceFileCommand):
    help = "Import repayments from a CSV file from the finance system."
    refused = ImportRefused
    not_allowed = "record payments"

    def import_file(self, content, municipality, user):
        return import_payments(content, municipality, user)

    def summary(self, result):
        return f"{result.new} new, {result.already_recorded} already recorded."
