"""The budget watch: the coordinator's yearly budget lines against what was
actually spent - loans paid out (the ledger's disbursements), allowance paid
and the expenses the coordinator enters. Sums in the database."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import ExtractYear

from ..models import AllowancePayment, BudgetLine, Expense, LedgerEntry
from ..selectors_loans import counted_as

Category = BudgetLine.Category


class _AgainstBudget:
    """What a category and a whole year share: ``budget_dkk`` against ``spent_dkk``."""

    @property
    def remaining_dkk(self):
        return Decimal(self.budget_dkk) - self.spent_dkk

    @property
    def used_share(self):
        return self.spent_dkk / Decimal(self.budget_dkk) if self.budget_dkk else None

    @property
    def over_budget(self):
        return self.spent_dkk > self.budget_dkk


@dataclass(frozen=True)
class BudgetRow(_AgainstBudget):
    year: int
    category: str
    label: str
    budget_dkk: int
    spent_dkk: Decimal


@dataclass(frozen=True)
class BudgetYear(_AgainstBudget):
    year: int
    rows: list

    @property
    def budget_dkk(self):
        return sum(row.budget_dkk for row in self.rows)

    @property
    def spent_dkk(self):
        return sum((row.spent_dkk for row in self.rows), Decimal("0.00"))


def _ore_to_dkk(ore):
    return (Decimal(ore or 0) / 100).quantize(Decimal("0.01"))


def _per_year(queryset, date_field, amount_field):
    return {
        row["year"]: row["total"] or 0 for row in (
            queryset.annotate(year=ExtractYear(date_field)).values("year")
            .annotate(total=Sum(amount_field)).order_by("year")
        )
    }


def _in(field, period):
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def budget(municipality, period):
    """Per year the period touches, one row per category that has a budget
    line or spending; spending is counted within the period. Four queries."""
    years = period.years
    lines = {}
    for year, category, amount in (BudgetLine.objects.filter(municipality=municipality, year__in=years)
                                   .values_list("year", "category", "budget_dkk")):
        lines[(year, category)] = lines.get((year, category), 0) + amount
    loans = _per_year(
        LedgerEntry.objects.filter(_in("booked_on", period), counted_as(LedgerEntry.Kind.DISBURSEMENT),
                                   loan__case__municipality=municipality), "booked_on", "amount_ore")
    # Paid = approved by the second person (four eyes), on the day paid.
    allowances = _per_year(
        AllowancePayment.objects.filter(_in("paid_on", period), allowance__case__municipality=municipality,
                                        paid_on__isnull=False, approved_at__isnull=False), "paid_on", "amount_ore")
    expenses = {}
    for row in (Expense.objects.filter(_in("spent_on", period), municipality=municipality)
                .annotate(year=ExtractYear("spent_on")).values("year", "category")
                .annotate(total=Sum("amount_dkk")).order_by()):
        expenses[(row["year"], row["category"])] = Decimal(row["total"] or 0)
    result = []
    for year in years:
        spent = {
            Category.LOANS: _ore_to_dkk(loans.get(year)),
            Category.ALLOWANCES: _ore_to_dkk(allowances.get(year)),
        }
        for (expense_year, category), total in expenses.items():
            if expense_year == year:
                spent[category] = spent.get(category, Decimal("0.00")) + total
        rows = []
        for category, label in Category.choices:
            budget_dkk = lines.get((year, category), 0)
            spent_dkk = spent.get(category, Decimal("0.00"))
            if budget_dkk or spent_dkk:
                rows.append(BudgetRow(year, category, str(label), budget_dkk, Decimal(spent_dkk)))
        result.append(BudgetYear(year, rows))
    return result
