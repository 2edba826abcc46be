"""The business-account barrier: how long from the loan decision until the
business bank account is opened, what the banks charge, and who waits now.

Counting and summing happen in the database. The quartiles are taken from
the list of day counts of the period's loans (integers only: no person in
them), because SQLite has no percentile function."""

import statistics as pystatistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Case
from ..services.business import SETUP_STATUSES

LONGEST_SHOWN = 10
NO_BANK = _("No bank yet")


@dataclass(frozen=True)
class Quartiles:
    count: int
    q1: float | None
    median: float | None
    q3: float | None
    longest: int | None


def quartiles(days):
    days = sorted(days)
    if not days:
        return Quartiles(0, None, None, None, None)
    if len(days) == 1:
        return Quartiles(1, days[0], days[0], days[0], days[0])
    q1, median, q3 = pystatistics.quantiles(days, n=4, method="inclusive")
    return Quartiles(len(days), q1, median, q3, days[-1])


@dataclass(frozen=True)
class BankRow:
    bank: str
    loans: int
    opened: int
    waiting: int
    days: Quartiles
    fees_total_dkk: Decimal
    fees_average_dkk: Decimal | None


@dataclass(frozen=True)
class WaitingCase:
    case_pk: int  # for the coordinator's link only; the steering group sees the days
    days_waiting: int
    bank: str
    requested: bool


@dataclass(frozen=True)
class Barrier:
    loans: int
    opened: int
    days: Quartiles
    fees_total_dkk: Decimal
    fees_average_dkk: Decimal | None
    banks: list
    waiting_now: int
    longest_waiting: list


def _days_expression():
    return ExpressionWrapper(F("business__bank_account__opened_on") - F("loan_granted_on"),
                             output_field=DurationField())


def _dkk(ore):
    return (Decimal(ore or 0) / 100).quantize(Decimal("0.01"))


def _day_count(value):
    return value.days if hasattr(value, "days") else int(value)


def barrier(municipality, period, *, today=None):
    """The barrier for loans granted in the period, plus the cases waiting
    now. Four queries."""
    today = today or timezone.localdate()
    loans = Case.objects.filter(municipality=municipality, loan_granted_on__gte=period.start,
                                loan_granted_on__lte=period.end)
    opened = Q(business__bank_account__opened_on__isnull=False)

    # 1: day counts per bank (integers, no persons)
    day_lists = {}
    for bank, days in (loans.filter(opened).annotate(days=_days_expression())
                       .values_list("business__bank_account__bank_name", "days")):
        # An account opened before the loan decision waited no days for it.
        day_lists.setdefault(bank or "", []).append(max(0, _day_count(days)))

    # 2: counts and fees per bank
    per_bank = (
        loans.values("business__bank_account__bank_name")
        .annotate(n=Count("pk"), n_opened=Count("pk", filter=opened),
                  fees=Sum("business__bank_account__fees_paid_ore"),
                  n_accounts=Count("business__bank_account"))
        .order_by("business__bank_account__bank_name")
    )
    banks = []
    total_loans = total_opened = total_fees = total_accounts = 0
    for row in per_bank:
        bank = row["business__bank_account__bank_name"] or ""
        total_loans += row["n"]
        total_opened += row["n_opened"]
        total_fees += row["fees"] or 0
        total_accounts += row["n_accounts"]
        banks.append(BankRow(
            bank=bank or str(NO_BANK), loans=row["n"], opened=row["n_opened"],
            waiting=row["n"] - row["n_opened"], days=quartiles(day_lists.get(bank, [])),
            fees_total_dkk=_dkk(row["fees"]),
            fees_average_dkk=_dkk(Decimal(row["fees"] or 0) / row["n_accounts"]) if row["n_accounts"] else None,
        ))
    banks.sort(key=lambda b: (-(b.days.median or 0), b.bank))

    # 3 and 4: waiting now (any loan date), and the longest of them
    waiting = Case.objects.filter(
        municipality=municipality, status__in=SETUP_STATUSES, loan_granted_on__isnull=False,
        business__bank_account__opened_on__isnull=True,
    )
    waiting_now = waiting.count()
    longest = [
        WaitingCase(case_pk=pk, days_waiting=(today - granted).days, bank=bank or str(NO_BANK),
                    requested=requested is not None)
        for pk, granted, bank, requested in waiting.order_by("loan_granted_on", "pk").values_list(
            "pk", "loan_granted_on", "business__bank_account__bank_name",
            "business__bank_account__requested_on")[:LONGEST_SHOWN]
    ]
    all_days = [d for days in day_lists.values() for d in days]
    return Barrier(
        loans=total_loans, opened=total_opened, days=quartiles(all_days),
        fees_total_dkk=_dkk(total_fees),
        fees_average_dkk=_dkk(Decimal(total_fees) / total_accounts) if total_accounts else None,
        banks=banks, waiting_now=waiting_now, longest_waiting=longest,
    )
