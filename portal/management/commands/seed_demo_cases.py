"""Demo cases, so that the backoffice has something to show after `make run`.

    python manage.py seed_demo_cases

Per demo municipality three applicants, each with an account (password as
for the other demo users) and a case opened the way the application form
opens one: a new application nobody has taken yet, one being assessed with
a screening talk booked, and one waiting for an answer from the citizen.
Every step goes through the backoffice services, so the timeline, audit log
and e-mails are those of real cases. Safe to run again: a case is only made
once (fixed submission keys). Not part of the test fixture (``seed_demo``).
"""

import datetime as dt
import os
import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from backoffice.models import Municipality, TargetGroup
from backoffice.services import casework, talks
from backoffice.services.cases import ApplicationSubmission, submit_application
from backoffice.services.receipts import create_receipt

from .seed_demo import DEFAULT_DEMO_PASSWORD

NAMESPACE = uuid.UUID("6f1c2a52-3c1e-4d53-9e1a-7d0f7f1d2b10")

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
    help = "Create demo applicants and cases in each demo municipality (run seed_demo first)."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        made = 0
        for municipality in Municipality.objects.filter(slug__in=["nordby", "sydby"]):
            caseworker = get_user_model().objects.filter(
                email=f"sagsbehandler@{municipality.slug}.example").first()
            if caseworker is None:
                self.stderr.write(f"No demo caseworker in {municipality.slug}: run seed_demo first.")
                continue
            for applicant in APPLICANTS:
                made += self._case(municipality, caseworker, applicant, password)
        self.stdout.write(f"{made} demo cases created.")

    @transaction.atomic
    def _case(self, municipality, caseworker, applicant, password):
        email = f"{applicant['first'].lower()}@{municipality.slug}.example"
        citizen = get_user_model().objects.filter(email=email).first()
        if citizen is None:
            citizen = get_user_model().objects.create_user(
                username=email, email=email, password=password,
                first_name=applicant["first"], last_name=applicant["last"])
        key = uuid.uuid5(NAMESPACE, f"{municipality.slug}:{applicant['slot']}")
        case, created = submit_application(ApplicationSubmission(
            submission_key=key, municipality=municipality, citizen=citizen,
            target_group=TargetGroup.objects.filter(code=applicant["target_group"]).first(),
            answers={
                "full_name": f"{applicant['first']} {applicant['last']}", "cpr_number": applicant["cpr"],
                "email": email, "phone": "12 34 56 78", "address": "Torvet 3", "postcode": "9000",
                "city": municipality.name.replace(" Kommune", ""), "business_idea": applicant["idea"],
                "industry": applicant["industry"], "customers": "Private og små virksomheder i byen.",
                "experience": "Flere års erfaring fra faget.", "motivation": "Jeg vil skabe mit eget job.",
                "startup_costs_dkk": applicant["amount"] + 10000, "own_funding_dkk": 10000,
                "requested_amount_dkk": applicant["amount"], "expected_monthly_income_dkk": 18000,
            },
        ))
        if not created:
            return 0
        create_receipt(case)
        if applicant["slot"] == "screening":
            casework.assign_case(case, caseworker, caseworker)
            starts = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
            talks.book_talk(case, caseworker, starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
                            location="Jobcentret, mødelokale 2", staff=[caseworker])
        elif applicant["slot"] == "waiting":
            casework.assign_case(case, caseworker, caseworker)
            casework.request_information(
                case, caseworker, "Send os dit budget for det første år og et tilbud på køkkenudstyret.",
                timezone.localdate() + dt.timedelta(days=10))
        return 1
