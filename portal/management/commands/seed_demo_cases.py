"""Demo cases, so that the backoffice has something to show after `make run`.

    python manage.py seed_demo_cases

Per demo municipality three current applicants, each with an account
(password as for the other demo users) and a case opened the way the
application form opens one: a new application nobody has taken yet, one
being assessed with a screening talk booked, and one waiting for an answer
from the citizen. Then a history of about a year and a half
(``portal/demo/history.py``): a finished and an ongoing cohort, loans in
repayment, in arrears and written off, outcomes and follow-up. Every step
goes through the backoffice services, so the timeline, audit log, ledger and
e-mails are those of real cases. Safe to run again: a case is only made once
(fixed submission keys). Then targets, budget and expenses for the statistics,
and in Nordby the trial's earlier records imported (``portal/demo/statistics.py``).
Not part of the test fixture (``seed_demo --without-cases``).
"""

import datetime as dt
import os

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from backoffice.models import Municipality
from backoffice.services import casework, talks
from portal.demo.history import demo_staff, make_history, open_case
from portal.demo.statistics import seed_statistics

from .seed_demo import DEFAULT_DEMO_PASSWORD

APPLICANTS = [
    {
        "slot": "new", "first": "Amina", "last": "Hansen", "cpr": "120388-1234",
        "target_group": "jobready_cash_benefit", "idea": "Systue med reparationer og omsyning af tøj.",
        "industry": "Skrædder", "amount": 40000,
    },
    {
        "slot": "screening", "first": "Jonas", "last": "Petersen", "cpr": "050791-2345",
        "target_group": "activity_ready", "idea": "Cykelværksted med brugte cykler til salg.",
        "industry": "Cykelhandel og reparation", "amount": 35000,
    },
    {
        "slot": "waiting", "first": "Fatima", "last": "Ali", "cpr": "230285-3456",
        "target_group": "sickness_benefit", "idea": "Catering med mellemøstlig mad til firmaer og fester.",
        "industry": "Catering", "amount": 50000,
    },
]


class Command(BaseCommand):
    help = "Create demo applicants, cases and their history in each demo municipality (run seed_demo first)."

    def handle(self, *args, **options):
        # Hashing is slow on purpose: do it once for all the demo accounts.
        password_hash = make_password(os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD)
        made = 0
        for municipality in Municipality.objects.filter(slug__in=["nordby", "sydby"]).order_by("slug"):
            staff = demo_staff(municipality, password_hash)
            if staff is None:
                self.stderr.write(f"No demo staff in {municipality.slug}: run seed_demo first.")
                continue
            for applicant in APPLICANTS:
                made += self._case(municipality, staff.caseworker, applicant, password_hash)
            made += make_history(municipality, staff, password_hash)
            imported = seed_statistics(municipality, staff.coordinator)
            if imported:
                self.stdout.write(f"{imported} cases imported into {municipality.slug} from the trial's records.")
        self.stdout.write(f"{made} demo cases created.")

    @transaction.atomic
    def _case(self, municipality, caseworker, applicant, password_hash):
        case, created = open_case(municipality, applicant, password_hash)
        if not created:
            return 0
        if applicant["slot"] == "screening":
            casework.assign_case(case, caseworker, caseworker)
            starts = (timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
                      + dt.timedelta(days=2))
            talks.book_talk(case, caseworker, starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
                            location="Jobcentret, mødelokale 2", staff=[caseworker])
        elif applicant["slot"] == "waiting":
            casework.assign_case(case, caseworker, caseworker)
            casework.request_information(
                case, caseworker, "Send os dit budget for det første år og et tilbud på køkkenudstyret.",
                timezone.localdate() + dt.timedelta(days=10))
        return 1
