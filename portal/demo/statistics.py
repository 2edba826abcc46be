"""Demo figures for the statistics pages: yearly targets, budget lines,
entered expenses and, in Nordby, the trial's earlier records imported the
way a municipality would (``import_cases`` with the example file), so the
evaluation report reproduces the trial's figures for 1 July 2020 to the end
of 2022. Everything goes through the backoffice services."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from backoffice.models import BudgetLine, Case, Expense, YearlyTarget
from backoffice.services import case_import, statistics_settings

TRIAL_RECORDS = Path(settings.BASE_DIR) / "docs" / "examples" / "aalborg-trial-2020.csv"
TRIAL_MUNICIPALITY = "nordby"

C = BudgetLine.Category
# The proposal's yearly project cost (DKK 1,550,000) plus loans and allowances.
BUDGET = {
    C.COORDINATOR: 500_000, C.CONSULTANT: 250_000, C.COURSES_AND_EXTERNAL: 800_000,
    C.LOANS: 900_000, C.ALLOWANCES: 650_000,
}
# What the coordinator enters month by month: course days and external help.
MONTHLY_EXPENSES = [
    (C.COURSES_AND_EXTERNAL, 52_000, "Kursusdage og underviser"),
    (C.COURSES_AND_EXTERNAL, 9_500, "Revisor og skatterådgiver til holdet"),
    (C.COORDINATOR, 41_000, "Projektkoordinator, løn"),
    (C.CONSULTANT, 20_500, "Erhvervskonsulent (halv tid), løn"),
]


def seed_statistics(municipality, coordinator, today=None):
    """Targets and budget for last year and this year, expenses so far this
    year; idempotent (only what is missing). Returns the number of cases
    imported from the trial's records (Nordby only)."""
    today = today or timezone.localdate()
    for year in (today.year - 1, today.year):
        if not YearlyTarget.objects.filter(municipality=municipality, year=year).exists():
            statistics_settings.save_yearly_target(coordinator, year=year, participants_target=40,
                                                   businesses_target=20)
        if not BudgetLine.objects.filter(municipality=municipality, year=year).exists():
            for category, amount in BUDGET.items():
                statistics_settings.save_budget_line(coordinator, {
                    "year": year, "category": category, "budget_dkk": amount, "note": ""})
    if not Expense.objects.filter(municipality=municipality, spent_on__year=today.year).exists():
        for month in range(1, today.month + 1):
            day = min(dt.date(today.year, month, 25), today)
            for category, amount, note in MONTHLY_EXPENSES:
                statistics_settings.save_expense(coordinator, {
                    "spent_on": day, "category": category, "amount_dkk": amount, "note": note})
    if municipality.slug != TRIAL_MUNICIPALITY or Case.objects.filter(municipality=municipality,
                                                                       imported=True).exists():
        return 0
    result = case_import.import_cases(TRIAL_RECORDS.read_bytes(), municipality.slug, today=today)
    return len(result.created)
