"""Fake cases for load testing the staff queue (issue 4, "Measure and report")
and the evaluation and statistics (issue 6).

    python manage.py generate_cases --count 100000
    python manage.py generate_cases --count 5000 --municipality nordby --seed 42

The cases look like real ones to the queue: Danish names, CPR numbers that
pass ``validate_cpr``, addresses, target groups and statuses in realistic
proportions, references in the live format ("NOR-2025-00042"), a caseworker
on about 70 % of them and an open request for information on every case
waiting for the citizen. Cases that got as far as the course or the loan
carry the scheme's milestones (course started and completed, loan granted,
referred to the ordinary employment effort) in the order the lifecycle
allows, between the admission and the day of their current status, and loan
cases old enough for a checkpoint have outcomes (after 6, 12 and 24 months
and 5 years), so the evaluation has realistic data to count. They are
ordinary rows (``imported=False``, no citizen user, no audit entries):
nothing marks them as fake, which is why the command refuses to run under
production-like settings.

Running it again adds more cases. References continue from each
municipality's ``ReferenceSequence``, which every batch locks and moves on in
the transaction that inserts it, so the live ``next_reference`` and later runs
carry on after them without gaps or clashes.
"""

import functools
import math
import random
import time
import unicodedata
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from django.db.models.functions import Length
from django.utils import timezone

from backoffice import roles
from backoffice.models import (
    Case, CaseApplication, InformationRequest, Municipality, Outcome, ReferenceSequence, TargetGroup,
)
from backoffice.validators import cpr_birth_date

S = Case.Status
DAY = 86_400  # seconds
MAX_AGE_DAYS = 3 * 365  # received over the last three years

# status: (share in %, youngest and oldest case in days since it was received).
# Most cases are early in the lifecycle and recent; the later a status, the
# older the case must be (the course alone takes about six months, and
# repayment starts after the grace period).
STATUSES = {
    S.SUBMITTED: (16, 0, 45),
    S.SCREENING: (14, 3, 120),
    S.AWAITING_INFORMATION: (10, 7, 150),
    S.CONSULTATION: (4, 20, 180),
    S.ADMITTED: (6, 25, 120),
    S.NOT_ADMITTED: (8, 20, MAX_AGE_DAYS),
    S.WITHDRAWN: (4, 3, 365),
    S.IN_COURSE: (9, 40, 300),
    S.COURSE_COMPLETED: (3, 200, 400),
    S.LEFT_FOR_EMPLOYMENT: (3, 60, MAX_AGE_DAYS),
    S.DROPPED_OUT: (2, 60, MAX_AGE_DAYS),
    S.LOAN_CONSULTATION: (1, 200, 420),
    S.LOAN_GRANTED: (2, 210, 450),
    S.LOAN_DECLINED: (1, 210, MAX_AGE_DAYS),
    S.BUSINESS_SETUP: (2, 215, 480),
    S.LOAN_DISBURSED: (3, 230, 700),
    S.IN_REPAYMENT: (4, 600, MAX_AGE_DAYS),
    S.CLOSED: (8, 60, MAX_AGE_DAYS),
}
# Statuses only reached through admission to the course: these carry the
# person-group marker (from admission); the ones in ADMITTED_AND_ENDED have left.
ADMITTED = {
    S.ADMITTED, S.IN_COURSE, S.COURSE_COMPLETED, S.LEFT_FOR_EMPLOYMENT, S.DROPPED_OUT,
    S.LOAN_CONSULTATION, S.LOAN_GRANTED, S.LOAN_DECLINED, S.BUSINESS_SETUP, S.LOAN_DISBURSED,
    S.IN_REPAYMENT,
}
ADMITTED_AND_ENDED = {S.LEFT_FOR_EMPLOYMENT, S.DROPPED_OUT}
CLOSED_AFTER_ADMISSION = 0.5  # share of closed cases that had taken the course

# Milestones per status: which of course start, course end and loan grant it
# has passed. The last one is on the day the case got its status, or a while
# before it when the status came later (business set-up, payout, repayment,
# leaving the course). Statuses not here have none (not admitted yet, or
# never admitted); closed cases follow CLOSED_PATHS.
COURSE, COMPLETED, LOAN = "course", "completed", "loan"
MILESTONES = {
    S.IN_COURSE: (COURSE,),
    S.COURSE_COMPLETED: (COURSE, COMPLETED),
    S.LEFT_FOR_EMPLOYMENT: (COURSE,),
    S.DROPPED_OUT: (COURSE,),
    S.LOAN_CONSULTATION: (COURSE, COMPLETED),
    S.LOAN_GRANTED: (COURSE, COMPLETED, LOAN),
    S.LOAN_DECLINED: (COURSE, COMPLETED),
    S.BUSINESS_SETUP: (COURSE, COMPLETED, LOAN),
    S.LOAN_DISBURSED: (COURSE, COMPLETED, LOAN),
    S.IN_REPAYMENT: (COURSE, COMPLETED, LOAN),
}
# Closed after admission: (share, milestones, referred to the ordinary effort when closed).
CLOSED_PATHS = [
    (50, (COURSE, COMPLETED, LOAN), False),  # the loan is repaid or written off
    (30, (COURSE, COMPLETED), True),  # completed, no loan
    (20, (COURSE,), True),  # dropped out
]
# Statuses whose case ends with a referral to the ordinary employment effort
# on the day of the status (share of them that have the date recorded).
REFERRED_ON_STATUS = {S.NOT_ADMITTED: 0.9, S.LOAN_DECLINED: 0.9, S.DROPPED_OUT: 0.6}
# Typical days: admission to course start, course length, course end to loan.
TO_COURSE_DAYS = (7, 35)
COURSE_DAYS = (150, 190)
TO_LOAN_DAYS = (10, 45)
# Business set-up and payout take a while after the grant.
LOAN_BEFORE_STATUS_DAYS = {S.BUSINESS_SETUP: (3, 30), S.LOAN_DISBURSED: (20, 90), S.IN_REPAYMENT: (180, 400)}

# Outcomes of loan cases: checkpoint -> months after the loan grant. A due
# checkpoint is recorded with OUTCOME_RECORDED_SHARE; the result mostly stays
# what it was at the previous checkpoint.
OUTCOME_MONTHS = {
    Outcome.Checkpoint.MONTHS_6: 6, Outcome.Checkpoint.MONTHS_12: 12,
    Outcome.Checkpoint.MONTHS_24: 24, Outcome.Checkpoint.YEARS_5: 60,
}
OUTCOME_RECORDED_SHARE = 0.85
OUTCOME_KEPT_SHARE = 0.7
OUTCOME_WEIGHTS = {
    Outcome.Result.SELF_SUFFICIENT_BUSINESS: 45,
    Outcome.Result.SELF_SUFFICIENT_EMPLOYMENT: 10,
    Outcome.Result.BUSINESS_AND_SMALL_JOBS: 15,
    Outcome.Result.EDUCATION: 5,
    Outcome.Result.PUBLIC_SUPPORT: 20,
    Outcome.Result.MOVED_OR_OTHER: 5,
}
# Left the course for a job: most have "self-sufficient through ordinary
# employment" recorded at the course-end checkpoint.
LEFT_FOR_EMPLOYMENT_OUTCOME_SHARE = 0.8

# Target group code: weight. Unknown codes (added by staff) get weight 1.
TARGET_GROUP_WEIGHTS = {
    "jobready_cash_benefit": 45,
    "education_ready_education_benefit": 20,
    "activity_ready": 10,
    "rehabilitation": 8,
    "sickness_benefit": 7,
    "early_retirement_pension": 6,
    "self_supporting": 2,
}
NO_TARGET_GROUP_WEIGHT = 2  # applicants who did not say

ASSIGNED_SHARE = 0.70
REFERRED_SHARE = 0.30
OWN_CASEWORKER_SHARE = 0.60

MALE_FIRST_NAMES = [
    "Peter", "Michael", "Lars", "Jens", "Thomas", "Henrik", "Søren", "Christian", "Martin", "Jan",
    "Morten", "Jesper", "Anders", "Niels", "Mads", "Rasmus", "Mikkel", "Frederik", "Kasper", "Jonas",
    "Mathias", "Emil", "Oliver", "Lucas", "William", "Tobias", "Bo", "Kim", "Ole", "Hans",
    "Ali", "Mohammad", "Ahmed", "Omar", "Hassan", "Piotr", "Tomasz",
]
FEMALE_FIRST_NAMES = [
    "Anne", "Kirsten", "Mette", "Hanne", "Helle", "Anna", "Susanne", "Lene", "Maria", "Marianne",
    "Lone", "Camilla", "Pia", "Louise", "Charlotte", "Tina", "Gitte", "Bente", "Inge", "Karen",
    "Julie", "Sofie", "Ida", "Emma", "Laura", "Freja", "Cecilie", "Signe", "Line", "Nanna",
    "Fatima", "Amina", "Sara", "Leila", "Aisha", "Agnieszka", "Olena",
]
MIDDLE_NAMES = ["Marie", "Louise", "Kristine", "Holm", "Lund", "Krogh", "Bach", "Juul", "Skov", "Dahl"]
LAST_NAMES = [
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
    "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Olesen",
    "Frederiksen", "Laursen", "Henriksen", "Lund", "Schmidt", "Eriksen", "Holm", "Kristiansen",
    "Clausen", "Simonsen", "Svendsen", "Andreasen", "Iversen", "Jeppesen", "Mogensen", "Nissen",
    "Hussein", "Ali", "Yilmaz", "Khan", "Nowak", "Kowalski",
]
STREETS = [
    "Vestergade", "Østergade", "Nørregade", "Søndergade", "Algade", "Torvet", "Havnegade",
    "Skolevej", "Kirkevej", "Stationsvej", "Industrivej", "Møllevej", "Bakkevej", "Engvej", "Skovvej",
    "Strandvej", "Parkvej", "Birkevej", "Egevej", "Bøgevej", "Ahornvej", "Lindevej", "Rosenvej",
    "Violvej", "Kastanievej", "Grønnegade", "Jernbanegade", "Markvej", "Mosevej", "Fasanvej",
]
FLOORS = [
    "", "", "", "", ", st. tv.", ", st. th.", ", 1. tv.", ", 1. th.", ", 2. tv.", ", 2. th.", ", 3. mf.",
]
VILLAGES = ["Skovby", "Højby", "Vesterby", "Kirkeby", "Bøgelund", "Egebjerg", "Strandby", "Mølleby"]

# industry, business idea
BUSINESSES = [
    ("Frisør og skønhed", "Frisørsalon i eget lokale med tidsbestilling på nettet."),
    ("Frisør og skønhed", "Neglesalon og kosmetisk behandling hjemme hos kunderne."),
    ("Håndværk", "Tømrer- og snedkerarbejde for private, især køkkener og terrasser."),
    ("Håndværk", "Malerfirma med indvendigt malerarbejde i private boliger."),
    ("Rengøring", "Rengøring af private hjem og små kontorer med faste aftaler."),
    ("Restaurant og café", "Lille café med frokost, kage og kaffe ud af huset."),
    ("Catering", "Mad ud af huset til firmaer, fester og mindre arrangementer."),
    ("Detailhandel", "Genbrugsbutik med tøj, møbler og ting til hjemmet."),
    ("Webhandel", "Webshop med håndlavede smykker og brugskunst."),
    ("IT og web", "Hjemmesider og sociale medier for små virksomheder i lokalområdet."),
    ("IT og web", "Reparation af mobiltelefoner og computere."),
    ("Transport", "Budkørsel og mindre flytninger med egen varebil."),
    ("Cykelværksted", "Mobilt cykelværksted, der reparerer cykler hos kunden."),
    ("Skrædder og tekstil", "Systue med reparationer, ændringer og syning af tøj på bestilling."),
    ("Fotografi", "Fotograf til bryllupper, konfirmationer og virksomheder."),
    ("Have og anlæg", "Havearbejde, beskæring og snerydning for private og boligforeninger."),
    ("Sundhed og velvære", "Massageklinik med sportsmassage og afspænding."),
    ("Undervisning", "Lektiehjælp og sprogundervisning for børn og voksne."),
    ("Kunsthåndværk", "Keramikværksted med salg og kurser om aftenen."),
    ("Autoværksted", "Autoreparation, service og dækskift."),
    ("Fødevarer", "Bageri med surdejsbrød og salg fra gårdbutik og markeder."),
    ("Dyrepleje", "Hundepension, hundeluftning og pasning af kæledyr."),
    ("Rådgivning", "Bogføring og momsindberetning for enkeltmandsvirksomheder."),
    ("Musik og events", "Lyd og lys til fester og koncerter."),
]
CUSTOMERS = [
    "Private i kommunen, som jeg når gennem Facebook og mund-til-mund.",
    "Små virksomheder i lokalområdet; jeg har allerede talt med fem, der er interesserede.",
    "Børnefamilier og ældre, der ikke selv kan klare opgaven.",
    "Boligforeninger og ejerforeninger.",
    "Turister om sommeren og lokale resten af året.",
    "Kunder i hele landet via webshoppen.",
]
COMPETITORS = [
    "To større kæder i byen, men ingen tilbyder det samme som mig.",
    "Nogle få enkeltmandsvirksomheder; jeg vil konkurrere på service og fleksible tider.",
    "Der er ingen i lokalområdet, de nærmeste ligger 30 km væk.",
    "Mange på nettet, men jeg har en fast kundegruppe fra mit tidligere arbejde.",
]
EXPERIENCE = [
    "Uddannet inden for faget og har arbejdet ti år som ansat.",
    "Har lavet det som fritidsjob i flere år og har mange faste kunder.",
    "Har haft egen virksomhed i mit hjemland.",
    "Har taget kurser og arbejdet i branchen i fem år.",
    "Ingen formel uddannelse, men stor erfaring fra frivilligt arbejde.",
]
MOTIVATION = [
    "Jeg vil gerne forsørge mig selv og min familie.",
    "Det er svært for mig at få et job, men jeg ved, at jeg kan skabe mit eget.",
    "Jeg har altid drømt om at have min egen forretning.",
    "Jeg kan tilrettelægge arbejdet, så det passer med mit helbred.",
    "Der er brug for det, jeg kan, og jeg har kunder, der venter.",
]
QUESTIONS = [
    "Send venligst dit budget for det første år.",
    "Vi mangler din forretningsplan. Du kan uploade den her.",
    "Send en kopi af dit uddannelsesbevis eller dine kursusbeviser.",
    "Fortæl os, hvor du vil have din virksomhed (lokale eller hjemmefra).",
    "Send en lægeerklæring om, hvor mange timer du kan arbejde om ugen.",
    "Har du gæld til det offentlige? Send en opgørelse fra Gældsstyrelsen.",
]
ANSWER_DAYS = 14  # the citizen's deadline for a request for information
INSERT_ROWS = 1000  # rows per INSERT statement (SQLite splits further: 999 parameters at most)

ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def production_like():
    """Fake cases in a real municipality's database would end up in its
    statistics and letters, so only development-style settings are safe."""
    module = getattr(settings, "SETTINGS_MODULE", "") or ""
    return not settings.DEBUG or module.endswith(".production")


def fake_cpr(rng, birth_date, male):
    """A CPR number for ``birth_date`` whose 7th digit gives the right century
    under the CPR office's table (see ``validators.cpr_birth_date``); the last
    digit is odd for men and even for women."""
    yy = birth_date.year % 100
    if birth_date.year < 2000:
        sevenths = [0, 1, 2, 3] + ([4, 9] if yy >= 37 else [])
    else:
        sevenths = ([4, 9] if yy <= 36 else []) + ([5, 6, 7, 8] if yy <= 57 else [])
    last = rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    serial = f"{rng.choice(sevenths)}{rng.randrange(100):02d}{last}"
    return f"{birth_date:%d%m}{yy:02d}-{serial}"


@functools.lru_cache(maxsize=None)
def ascii_slug(text):
    text = unicodedata.normalize("NFKD", text.translate(ASCII)).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum() or c == ".")


def weighted_picker(rng, items, weights):
    cumulative, total = [], 0
    for weight in weights:
        total += weight
        cumulative.append(total)

    def pick():
        return items[_bisect(cumulative, rng.random() * total)]

    return pick


def _bisect(cumulative, value):
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] > value:
            hi = mid
        else:
            lo = mid + 1
    return lo


class Command(BaseCommand):
    help = (
        "LOAD TESTING ONLY: add COUNT fake but realistic cases, each with an application, spread "
        "evenly over the given municipalities (default: all). Running it again adds more cases; "
        "references continue the municipality's case numbering. Nothing marks the cases as fake, so "
        "the command refuses to run under production-like settings (DEBUG off or the production "
        "settings module) unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="Number of cases to add in total.")
        parser.add_argument(
            "--municipality", dest="municipalities", action="extend", nargs="+", metavar="SLUG",
            help="Only these municipalities (slugs, e.g. nordby sydby). Default: all.",
        )
        parser.add_argument("--seed", type=int, help="Random seed, for repeatable data.")
        parser.add_argument("--batch", type=int, default=5000,
                            help="Cases per transaction (default 5000).")
        parser.add_argument("--force", action="store_true",
                            help="Run even though the settings look like production.")

    def handle(self, *args, count, municipalities=None, seed=None, batch=5000, force=False, **options):
        if production_like() and not force:
            raise CommandError(
                "Refusing to add fake cases: these settings look like production (DEBUG is off or "
                "the production settings module is in use). "
                "This command is for load testing; pass --force if this really is a test database."
            )
        if count < 0 or batch < 1:
            raise CommandError("--count must be 0 or more and --batch at least 1.")
        chosen = self._municipalities(municipalities)
        self.verbosity = options.get("verbosity", 1)
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.today = self.now.astimezone(self.tz).date()
        self.target_group_pick = self._target_group_picker()
        self.status_pick = weighted_picker(
            self.rng, list(STATUSES), [share for share, _, _ in STATUSES.values()]
        )
        self.closed_path_pick = weighted_picker(
            self.rng, [(milestones, referred) for _, milestones, referred in CLOSED_PATHS],
            [share for share, _, _ in CLOSED_PATHS],
        )
        self.result_pick = weighted_picker(self.rng, list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values()))

        started = time.monotonic()
        done = 0
        shares = [count // len(chosen) + (1 if i < count % len(chosen) else 0) for i in range(len(chosen))]
        for municipality, n in zip(chosen, shares):
            done = self._generate_for(municipality, n, batch, done, count, started)
        elapsed = time.monotonic() - started
        if self.verbosity:
            rate = done / elapsed if elapsed else 0
            self.stdout.write(self.style.SUCCESS(
                f"Added {done} cases in {elapsed:.1f} s ({rate:.0f} cases/s)."
            ))

    # --- set-up ----------------------------------------------------------------

    def _municipalities(self, slugs):
        queryset = Municipality.objects.select_related("loan_policy").order_by("slug")
        if not slugs:
            found = list(queryset)
            if not found:
                raise CommandError("There are no municipalities; run seed_demo first.")
            return found
        found = {m.slug: m for m in queryset.filter(slug__in=slugs)}
        missing = sorted(set(slugs) - set(found))
        if missing:
            raise CommandError(f"Unknown municipality: {', '.join(missing)}")
        return [found[slug] for slug in dict.fromkeys(slugs)]

    def _target_group_picker(self):
        groups = list(TargetGroup.objects.order_by("sort_order", "code"))
        items = [g.pk for g in groups] + [None]
        weights = [TARGET_GROUP_WEIGHTS.get(g.code, 1) for g in groups] + [NO_TARGET_GROUP_WEIGHT]
        return weighted_picker(self.rng, items, weights)

    def _staff(self, municipality):
        """Caseworkers to assign, and anyone on the municipality's staff to
        have asked the open questions on unassigned cases."""
        users = get_user_model().objects.filter(
            staff_membership__municipality=municipality, is_active=True
        ).order_by("pk")
        caseworkers = list(
            users.filter(groups__name=roles.ROLE_GROUP_NAMES[roles.CASEWORKER]).values_list("pk", flat=True)
        )
        askers = caseworkers or list(users.values_list("pk", flat=True))
        return caseworkers, askers

    # --- generation --------------------------------------------------------------

    def _generate_for(self, municipality, n, batch, done, total, started):
        if n == 0:
            return done
        caseworkers, askers = self._staff(municipality)
        if not caseworkers and self.verbosity:
            self.stderr.write(f"{municipality.slug}: no caseworkers, so its cases stay unassigned.")
        if not askers and self.verbosity:
            self.stderr.write(f"{municipality.slug}: no staff, so no requests for information are created.")
        policy = getattr(municipality, "loan_policy", None)
        amounts = (policy.min_amount, policy.max_amount) if policy else (30_000, 50_000)
        towns = self._towns(municipality)
        # Oldest first, so that within a year the case numbers follow the dates.
        plan = []
        for _ in range(n):
            status = self.status_pick()
            _, youngest, oldest = STATUSES[status]
            plan.append((self.rng.uniform(youngest * DAY, oldest * DAY), status))
        plan.sort(reverse=True)
        synced_years = set()
        for offset in range(0, n, batch):
            chunk = plan[offset:offset + batch]
            cases, applications, requests, outcomes = [], [], [], []
            for age_seconds, status in chunk:
                case, application, request, case_outcomes = self._fake_case(
                    municipality, status, age_seconds, caseworkers, askers, amounts, towns
                )
                cases.append(case)
                applications.append(application)
                requests.append(request)
                outcomes.append(case_outcomes)
            self._save_batch(municipality, cases, applications, requests, synced_years, outcomes)
            reset_queries()  # DEBUG keeps every query otherwise
            done += len(chunk)
            if self.verbosity:
                elapsed = time.monotonic() - started
                self.stdout.write(f"{municipality.slug}: {done}/{total} cases ({elapsed:.1f} s)")
        return done

    def _towns(self, municipality):
        main = municipality.name.removesuffix(" Kommune")
        base = 1000 + (municipality.pk * 1370) % 8000 // 10 * 10
        villages = self.rng.sample(VILLAGES, 4)
        towns = [(str(base), main)] * 6 + [(str(base + 10 * (i + 1)), v) for i, v in enumerate(villages)]
        return towns

    def _fake_case(self, municipality, status, age_seconds, caseworkers, askers, amounts, towns):
        rng, now, tz = self.rng, self.now, self.tz
        submitted_at = now - timedelta(seconds=age_seconds)
        received_on = submitted_at.astimezone(tz).date()
        if status == S.SUBMITTED:
            changed_at = submitted_at
        else:
            youngest = STATUSES[status][1] * DAY * 0.8
            since = rng.uniform(min(youngest, age_seconds), age_seconds)
            changed_at = submitted_at + timedelta(seconds=since)
        changed_on = changed_at.astimezone(tz).date()

        case = Case(
            municipality_id=municipality.pk,
            target_group_id=self.target_group_pick(),
            status=status,
            status_changed_at=changed_at,
            assigned_to_id=rng.choice(caseworkers) if caseworkers and rng.random() < ASSIGNED_SHARE else None,
            submitted_at=submitted_at,
            received_on=received_on,
            referred_on=(
                received_on - timedelta(days=rng.randint(3, 30)) if rng.random() < REFERRED_SHARE else None
            ),
            imported=False,
            created_at=submitted_at,
            # The same KLE classification a submitted case gets (services.journal).
            kle_number=municipality.kle_number or settings.DIGITAL_POST_KLE_NUMBER,
            kle_facet=municipality.kle_facet or "G01",
        )
        outcomes = []
        if status in ADMITTED or (status == S.CLOSED and rng.random() < CLOSED_AFTER_ADMISSION):
            if status == S.ADMITTED:
                case.marked_from = changed_on
            else:
                case.marked_from = min(received_on + timedelta(days=rng.randint(14, 45)), changed_on)
            if status in ADMITTED_AND_ENDED or status == S.CLOSED:
                case.marked_until = changed_on
            outcomes = self._milestones(case, status, changed_on)
        elif status == S.NOT_ADMITTED and rng.random() < REFERRED_ON_STATUS[status]:
            case.referred_ordinary_effort_on = changed_on
        if status == S.WITHDRAWN:
            case.withdrawn_at = changed_at
        elif status == S.CLOSED:
            case.closed_at = changed_at

        male = rng.random() < 0.5
        first = rng.choice(MALE_FIRST_NAMES if male else FEMALE_FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        middle = f"{rng.choice(MIDDLE_NAMES)} " if not male and rng.random() < 0.2 else ""
        birth_date = self.today - timedelta(days=rng.randint(18 * 365 + 5, 67 * 365))
        cpr = fake_cpr(rng, birth_date, male)
        assert cpr_birth_date(cpr) == birth_date, cpr
        postcode, city = rng.choice(towns)
        industry, idea = rng.choice(BUSINESSES)
        low, high = amounts
        thousands = range(math.ceil(low / 1000), high // 1000 + 1)
        requested = rng.choice(thousands) * 1000 if thousands else rng.randint(low, high)
        own_funding = rng.choice((0, 0, 0, 2_000, 5_000, 10_000, 15_000, 20_000))
        application = CaseApplication(
            full_name=f"{first} {middle}{last}",
            cpr_number=cpr,
            address=f"{rng.choice(STREETS)} {rng.randint(1, 120)}{rng.choice(FLOORS)}",
            postcode=postcode,
            city=city,
            phone=f"{rng.choice((2, 3, 4, 5, 6, 7, 8, 9))}{rng.randrange(10**7):07d}",
            email=f"{ascii_slug(first)}.{ascii_slug(last)}{rng.randint(1, 999)}@example.org",
            caseworker_name=(
                f"{rng.choice(FEMALE_FIRST_NAMES + MALE_FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                if rng.random() < OWN_CASEWORKER_SHARE else ""
            ),
            business_idea=idea,
            industry=industry,
            customers=rng.choice(CUSTOMERS),
            competitors=rng.choice(COMPETITORS),
            experience=rng.choice(EXPERIENCE),
            motivation=rng.choice(MOTIVATION),
            startup_costs_dkk=requested + own_funding + rng.choice((0, 0, 5_000, 10_000)),
            own_funding_dkk=own_funding,
            requested_amount_dkk=requested,
            expected_monthly_income_dkk=rng.randrange(12_000, 45_001, 500),
            declarations_accepted_at=submitted_at,
            consent_at=submitted_at,
            submitted_at=submitted_at,
        )
        request = None
        if status == S.AWAITING_INFORMATION and askers:
            request = InformationRequest(
                question=rng.choice(QUESTIONS),
                due_on=changed_on + timedelta(days=ANSWER_DAYS),
                created_by_id=case.assigned_to_id or rng.choice(askers),
            )
        return case, application, request, outcomes

    def _milestones(self, case, status, changed_on):
        """Set the case's course and loan dates between its admission
        (``marked_from``) and ``changed_on``, and return its outcomes
        (unsaved). The last milestone is placed first (on the status day or
        a typical while before it), the others before it at typical
        distances, squeezed when the case is too young for them."""
        rng = self.rng
        if status == S.CLOSED:
            milestones, referred = self.closed_path_pick()
        else:
            milestones = MILESTONES.get(status, ())
            referred = status in REFERRED_ON_STATUS and rng.random() < REFERRED_ON_STATUS[status]
        if not milestones:
            return []
        days_before_status = 0
        if status in LOAN_BEFORE_STATUS_DAYS:
            days_before_status = rng.randint(*LOAN_BEFORE_STATUS_DAYS[status])
        elif status == S.CLOSED and LOAN in milestones:
            days_before_status = rng.randint(60, 900)  # repaid or written off
        elif milestones[-1] == COURSE and status != S.IN_COURSE:
            days_before_status = rng.randint(20, 120)  # left or dropped out some time after starting
        elif status in (S.LOAN_DECLINED, S.CLOSED):
            days_before_status = rng.randint(*TO_LOAN_DAYS)  # the loan decision after the course
        start = case.marked_from
        last = max(start, changed_on - timedelta(days=days_before_status))
        spans = [rng.randint(*COURSE_DAYS), rng.randint(*TO_LOAN_DAYS)][:len(milestones) - 1]
        room = (last - start).days
        scale = min(1.0, room / sum(spans)) if spans and sum(spans) else 1.0
        dates = [last]
        for span in reversed(spans):
            dates.insert(0, max(start, dates[0] - timedelta(days=int(span * scale))))
        values = dict(zip(milestones, dates))
        case.course_started_on = values.get(COURSE)
        case.course_completed_on = values.get(COMPLETED)
        case.loan_granted_on = values.get(LOAN)
        if referred:
            case.referred_ordinary_effort_on = changed_on

        outcomes = []
        if status == S.LEFT_FOR_EMPLOYMENT and rng.random() < LEFT_FOR_EMPLOYMENT_OUTCOME_SHARE:
            outcomes.append(Outcome(checkpoint=Outcome.Checkpoint.COURSE_END,
                                    result=Outcome.Result.SELF_SUFFICIENT_EMPLOYMENT, recorded_on=changed_on))
        if case.loan_granted_on and status in (S.LOAN_DISBURSED, S.IN_REPAYMENT, S.CLOSED):
            result = None
            for checkpoint, months in OUTCOME_MONTHS.items():
                due = case.loan_granted_on + timedelta(days=round(months * 30.44))
                if due > self.today:
                    break
                if result is None or rng.random() > OUTCOME_KEPT_SHARE:
                    result = self.result_pick()
                if rng.random() < OUTCOME_RECORDED_SHARE:
                    recorded = min(due + timedelta(days=rng.randint(0, 30)), self.today)
                    outcomes.append(Outcome(checkpoint=checkpoint, result=result, recorded_on=recorded))
        return outcomes

    # --- saving ------------------------------------------------------------------

    def _save_batch(self, municipality, cases, applications, requests, synced_years, outcomes=None):
        prefix = municipality.slug[:3].upper()
        by_year = defaultdict(list)
        for case in cases:
            by_year[case.received_on.year].append(case)
        with transaction.atomic():
            for year, year_cases in sorted(by_year.items()):
                last = self._lock_sequence(municipality, year, prefix, sync=year not in synced_years)
                synced_years.add(year)
                for number, case in enumerate(year_cases, start=last.last_number + 1):
                    case.reference = f"{prefix}-{year}-{number:05d}"
                ReferenceSequence.objects.filter(pk=last.pk).update(
                    last_number=last.last_number + len(year_cases)
                )
            Case.objects.bulk_create(cases, batch_size=INSERT_ROWS)
            for case, application, request in zip(cases, applications, requests):
                application.case_id = case.pk
                if request is not None:
                    request.case_id = case.pk
            CaseApplication.objects.bulk_create(applications, batch_size=INSERT_ROWS)
            InformationRequest.objects.bulk_create(
                [r for r in requests if r is not None], batch_size=INSERT_ROWS
            )
            rows = []
            for case, case_outcomes in zip(cases, outcomes or ()):
                for outcome in case_outcomes:
                    outcome.case_id = case.pk
                    rows.append(outcome)
            Outcome.objects.bulk_create(rows, batch_size=INSERT_ROWS)

    def _lock_sequence(self, municipality, year, prefix, sync):
        """The municipality's sequence for ``year``, locked until the batch
        commits. The first time a run touches a year, the sequence is also
        moved past any reference already in use (historic imports may have set
        them directly), so the unique constraint can never be hit."""
        ReferenceSequence.objects.get_or_create(municipality=municipality, year=year)
        sequence = ReferenceSequence.objects.select_for_update().get(municipality=municipality, year=year)
        if sync:
            highest = (
                Case.objects.filter(municipality=municipality, reference__startswith=f"{prefix}-{year}-")
                .order_by(Length("reference").desc(), "-reference")
                .values_list("reference", flat=True)
                .first()
            )
            suffix = highest.rsplit("-", 1)[-1] if highest else ""
            if suffix.isdigit() and int(suffix) > sequence.last_number:
                sequence.last_number = int(suffix)
        return sequence
