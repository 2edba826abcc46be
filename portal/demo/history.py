"""A year and a half of demo history, so every backoffice screen shows
something real after ``make run``.

Per demo municipality: a finished cohort (people who completed it, got a
loan and now repay it, fall behind, or had it written off; one who left for
a job during the course; one who dropped out; one still waiting for the bank;
one heard before a loan refusal), an ongoing cohort with a full roll and a
waiting list, and recent applications (refused after consultation, in
consultation, withdrawn).

Every step goes through the backoffice services as the demo staff would take
it, so statuses, ledgers, letters and the audit log agree. The stories need
the past: each step runs with the clock set to its day (``clock``), which
only moves timestamps (log entries, "created", "decided", ...); statuses
and ledger rows are still written by the services and their checks.
Dates are relative to today, so the demo looks the same whenever it is made.
"""

import datetime as dt
import io
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from backoffice import roles
from backoffice.models import (Case, Cohort, DecisionKind, Enrolment, FollowUp, LoanPolicy, Outcome,
                               StaffMembership, TargetGroup)
from backoffice.services import (assessments, business, casework, courses, decisions, followup, loans,
                                 outcomes, talks, transitions)
from backoffice.services import citizen as citizen_services
from backoffice.services import de_minimis
from backoffice.services.cases import ApplicationSubmission, submit_application
from backoffice.services.receipts import create_receipt
from backoffice.uploads import validate_upload
from backoffice.validators import CVR_WEIGHTS

NAMESPACE = uuid.UUID("6f1c2a52-3c1e-4d53-9e1a-7d0f7f1d2b10")
K = DecisionKind
E = Enrolment.Status
R = Outcome.Result
CHECK = Outcome.Checkpoint

# The second person for four eyes: a payout is approved by somebody who
# neither granted the loan nor asked for the payout, and only the
# coordinator role may pay out. The demo has one coordinator, so the
# history adds their team leader (same role).
APPROVER = ("afdelingsleder", "Lis", "Leder")


# --- Time -----------------------------------------------------------------------------------------


@contextmanager
def clock(moment):
    """Run the block as if it were ``moment``: Django's ``timezone.now``
    (and so ``localdate``, ``auto_now_add`` fields and Wagtail's log
    timestamps) return it. Only timestamps move; every check still runs."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def at(day, hour=10, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def add_months(day, months):
    return followup.add_months(day, months)


def monday_from(day):
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def days(n):
    return dt.timedelta(days=n)


# --- People ---------------------------------------------------------------------------------------


@dataclass
class Staff:
    caseworker: object
    consultant: object
    coordinator: object
    approver: object


def demo_staff(municipality, password_hash):
    """The municipality's demo staff (from ``seed_demo``), plus the team
    leader who approves payouts. None if ``seed_demo`` has not run."""
    User = get_user_model()
    slug = municipality.slug
    found = {p: User.objects.filter(email=f"{p}@{slug}.example").first()
             for p in ("sagsbehandler", "erhvervskonsulent", "koordinator")}
    if None in found.values():
        return None
    local_part, first, last = APPROVER
    email = f"{local_part}@{slug}.example"
    approver = User.objects.filter(email=email).first()
    if approver is None:
        approver = User.objects.create(username=email, email=email, first_name=first, last_name=last,
                                       password=password_hash)
        approver.groups.add(Group.objects.get(name=roles.ROLE_GROUP_NAMES[roles.COORDINATOR]))
        StaffMembership.objects.get_or_create(user=approver, defaults={"municipality": municipality})
        # So the team leader logs in like the other demo staff.
        EmailAddress.objects.get_or_create(user=approver, email=email,
                                           defaults={"verified": True, "primary": True})
    return Staff(found["sagsbehandler"], found["erhvervskonsulent"], found["koordinator"], approver)


def submission_key(municipality, slot):
    return uuid.uuid5(NAMESPACE, f"{municipality.slug}:{slot}")


def open_case(municipality, applicant, password_hash):
    """The applicant's account and their case, opened the way the
    application form opens one (with the receipt). Returns ``(case,
    created)``; an existing case is returned untouched."""
    User = get_user_model()
    email = f"{applicant['first'].lower()}@{municipality.slug}.example"
    citizen = User.objects.filter(email=email).first()
    if citizen is None:
        citizen = User.objects.create(username=email, email=email, password=password_hash,
                                      first_name=applicant["first"], last_name=applicant["last"])
    case, created = submit_application(ApplicationSubmission(
        submission_key=submission_key(municipality, applicant["slot"]), municipality=municipality,
        citizen=citizen, target_group=TargetGroup.objects.filter(code=applicant["target_group"]).first(),
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
    if created:
        create_receipt(case)
    return case, created


# --- The stories ----------------------------------------------------------------------------------


def _applicant(slot, first, last, cpr, target_group, industry, idea, amount):
    return {"slot": slot, "first": first, "last": last, "cpr": cpr, "target_group": target_group,
            "industry": industry, "idea": idea, "amount": amount}


STORIES = [
    # The ongoing cohort (full) and its waiting list.
    _applicant("course_a", "Mette", "Jensen", "140690-1122", "jobready_cash_benefit", "Frisør",
               "Frisørsalon i egen kælder med fokus på børneklip.", 40000),
    _applicant("course_b", "Ahmed", "Yusuf", "020184-2231", "activity_ready", "Rengøring",
               "Vinduespudsning og rengøring for små butikker.", 35000),
    _applicant("waiting_list", "Louise", "Nielsen", "191193-3342", "sickness_benefit", "Grafisk design",
               "Logoer, skilte og hjemmesider for lokale foreninger.", 30000),
    # The finished cohort.
    _applicant("repaying", "Kasper", "Møller", "080887-1453", "jobready_cash_benefit", "Tømrer",
               "Små tømreropgaver og køkkenmontering for private.", 50000),
    _applicant("arrears", "Sofie", "Larsen", "270595-2564", "education_ready_education_benefit", "Café",
               "Lille kaffebar med kage fra egen ovn.", 45000),
    _applicant("written_off", "Omar", "Hassan", "110379-3675", "activity_ready", "Transport",
               "Flyttehjælp og budkørsel med egen varevogn.", 40000),
    _applicant("left_for_job", "Camilla", "Poulsen", "300991-1786", "jobready_cash_benefit", "Bogføring",
               "Bogføring og lønadministration for små virksomheder.", 30000),
    _applicant("dropped_out", "Peter", "Holm", "050582-2897", "rehabilitation", "Havearbejde",
               "Havepasning og beskæring for ældre husejere.", 35000),
    _applicant("bank_wait", "Nadia", "Rahimi", "161289-3908", "jobready_cash_benefit", "Skrædder",
               "Syning af brudekjoler og festtøj efter mål.", 45000),
    _applicant("loan_heard", "Henrik", "Dahl", "241076-1019", "sickness_benefit", "Foto",
               "Portrætfotografering og billeder til firmaers hjemmesider.", 50000),
    # Recent applications.
    _applicant("refused", "Yasmin", "Khan", "090398-2120", "activity_ready", "Webshop",
               "Webshop med importerede tasker.", 50000),
    _applicant("admission_heard", "Lars", "Kristensen", "150785-3231", "jobready_cash_benefit", "Maler",
               "Malerfirma med indvendige opgaver for private.", 40000),
    _applicant("withdrawn", "Ida", "Bach", "030900-1342", "education_ready_education_benefit", "Undervisning",
               "Lektiehjælp og sprogundervisning online.", 30000),
]

MODULES = ["business_plan", "budget", "tax_and_vat", "marketing", "accounting", "coaching"]
MODULE_TITLES = {
    "business_plan": "Forretningsplanen", "budget": "Budget og likviditet", "tax_and_vat": "Skat og moms",
    "marketing": "Markedsføring og salg", "accounting": "Bogføring i praksis",
    "coaching": "Individuel coaching",
}


def cvr_for(seed):
    """A CVR number that passes the modulus-11 check (demo only)."""
    base = 3100000 + seed * 37
    while True:
        digits = [int(d) for d in str(base)]
        check = (-sum(d * w for d, w in zip(digits, CVR_WEIGHTS[:7]))) % 11
        if check < 10:
            return f"{base}{check}"
        base += 1


def bank_confirmation(bank, business_name, registration, account, opened_on):
    """The bank's confirmation of the business account, as the citizen uploads it."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(72, 760, bank)
    pdf.setFont("Helvetica", 11)
    lines = ["Bekræftelse på oprettelse af erhvervskonto", "", f"Kontohaver: {business_name}",
             f"Reg.nr. {registration}  Kontonr. {account}", f"Oprettet den {opened_on:%d.%m.%Y}"]
    for number, line in enumerate(lines):
        pdf.drawString(72, 720 - 18 * number, line)
    pdf.showPage()
    pdf.save()
    upload = SimpleUploadedFile("bekraeftelse-erhvervskonto.pdf", buffer.getvalue(), "application/pdf")
    return validate_upload(upload)


class History:
    """The stories of one municipality, told through the services."""

    def __init__(self, municipality, staff, password_hash, today=None):
        self.municipality = municipality
        self.staff = staff
        self.password_hash = password_hash
        self.today = today or timezone.localdate()
        self.policy = LoanPolicy.objects.filter(municipality=municipality).first()
        # The finished cohort ran about 16 to 10 months ago; the ongoing one started 9 weeks ago.
        self.finished_start = monday_from(add_months(self.today, -16))
        self.ongoing_start = monday_from(self.today - days(63))

    def run(self):
        """Tell every story not yet told. Returns the number of cases made."""
        made = 0
        for applicant in STORIES:
            key = submission_key(self.municipality, applicant["slot"])
            if Case.objects.filter(submission_key=key).exists():
                continue
            with transaction.atomic():
                getattr(self, f"story_{applicant['slot']}")(applicant)
            made += 1
        return made

    # --- building blocks --------------------------------------------------------------------------

    def version(self, case):
        return Case.objects.values_list("version", flat=True).get(pk=case.pk)

    def submit(self, applicant, day):
        with clock(at(day, 21, 14)):
            case, _ = open_case(self.municipality, applicant, self.password_hash)
        return case

    def cohort(self, which):
        """The finished or the ongoing cohort, made (with its timetable) the first time a story needs it."""
        start = self.finished_start if which == "finished" else self.ongoing_start
        season = "forår" if start.month <= 6 else "efterår"  # by the month it starts
        name = f"Hold {season} {start.year}"
        existing = Cohort.objects.filter(municipality=self.municipality, name=name).first()
        if existing is not None:
            return existing
        consultant = self.staff.consultant
        with clock(at(start - days(90), 9)):
            cohort = courses.create_cohort(
                self.municipality, consultant, name=name, starts_on=start, ends_on=start + days(179),
                # The ongoing cohort is small in the demo, so that its waiting list has someone on it.
                capacity=20 if which == "finished" else 2,
                place="Iværksætterhuset, Havnegade 4", responsible=[consultant])
            for number in range(13):
                module = MODULES[number % len(MODULES)]
                starts_at = at(start + days(14 * number), 9)
                courses.add_session(
                    cohort, consultant, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=3),
                    module=module, title=MODULE_TITLES[module],
                    teacher="Erik Erhvervskonsulent" if module == "coaching" else "Iværksætterhuset")
        return cohort

    def intake(self, case, day, *, recommend="admit"):
        """Assigned, screening talk held and written up, both assessments submitted."""
        cw, consultant = self.staff.caseworker, self.staff.consultant
        with clock(at(day + days(1), 9)):
            casework.assign_case(case, cw, cw)
        talk_start = at(day + days(8), 10)
        with clock(at(day + days(1), 9, 30)):
            talk = talks.book_talk(case, cw, starts_at=talk_start, ends_at=talk_start + dt.timedelta(hours=1),
                                   location="Jobcentret, mødelokale 2", staff=[cw, consultant])
        with clock(talk_start + dt.timedelta(hours=2)):
            talks.record_talk_outcome(talk, cw, (
                "Vi gennemgik idéen, budgettet og borgerens situation. Borgeren har erfaring fra faget og "
                "et realistisk bud på de første kunder." if recommend == "admit" else
                "Vi gennemgik idéen og budgettet. Markedet er presset, og borgeren har ikke erfaring med "
                "salg eller import. Vi talte om andre veje til job."))
        good = recommend == "admit"
        cw_data = {
            "competences_rating": 3 if good else 2,
            "competences_reason": "Erfaring fra faget." if good else "Ingen erfaring fra branchen.",
            "health_rating": 3, "health_reason": "Helbredet kan bære en virksomhed ifølge borgeren og lægen.",
            "family_backing_rating": 4 if good else 3, "family_backing_reason": "Familien bakker op.",
            "recommendation": recommend,
        }
        bc_data = {
            "business_plan_rating": 3 if good else 1,
            "business_plan_reason": "Planen er enkel og realistisk." if good
            else "Planen mangler budget og markedsanalyse.",
            "profitability_rating": 3 if good else 2,
            "profitability_reason": "Der er kunder i byen." if good
            else "Stor konkurrence fra store webshops.",
            "recommendation": recommend,
        }
        with clock(talk_start + days(2)):
            assessments.save_assessment(case, cw, "caseworker", cw_data, submit=True)
            assessments.save_assessment(case, consultant, "business_consultant", bc_data, submit=True)
        return talk_start.date() + days(2)

    def admit(self, case, day):
        cw = self.staff.caseworker
        with clock(at(day, 11)):
            decision = decisions.draft_decision(case, cw, K.ADMIT_TO_COURSE, reason=(
                "Du opfylder betingelserne, og vi vurderer, at din forretningsidé kan gøre dig "
                "selvforsørgende."))
            decisions.finalise_decision(decision, cw, expected_version=self.version(case))

    def refer(self, case, sent, *, deadline, reply=None, decide_on=None):
        """A referral to the ordinary employment effort, with consultation (and the citizen's reply)."""
        cw = self.staff.caseworker
        reason = ("Vi vurderer, at forretningsplanen ikke er bæredygtig nok til, at du kan blive "
                  "selvforsørgende af virksomheden. Der er stor konkurrence, og budgettet mangler.")
        with clock(at(sent, 10)):
            decision = decisions.draft_decision(case, cw, K.REFER_TO_ORDINARY_EFFORT, reason=reason)
            decisions.send_for_consultation(decision, cw, deadline=deadline,
                                            expected_version=self.version(case))
        if reply:
            with clock(at(reply[0], 19)):
                decisions.record_consultation_reply(decision, case.citizen, reply[1])
        if decide_on:
            with clock(at(decide_on, 10)):
                decisions.finalise_decision(decision, cw, expected_version=self.version(case), reason=(
                    reason + " Vi har læst dine bemærkninger, men de ændrer ikke vores vurdering."))
        return decision

    def enrol(self, case, cohort, day):
        with clock(at(day, 13)):
            return courses.enrol(case, self.staff.consultant, cohort, today=day)

    def attend(self, enrolment, until, *, absent=()):
        """The register of every session that started before ``until``."""
        for number, session in enumerate(enrolment.cohort.sessions.filter(starts_at__lt=at(until, 0))):
            with clock(session.ends_at):
                present = number not in absent
                notes = {} if present else {enrolment.pk: "Syg, meldte afbud om morgenen."}
                courses.record_attendance(session, self.staff.consultant, {enrolment.pk: present},
                                          notes=notes)

    def end(self, enrolment, outcome, day):
        with clock(at(day, 15)):
            courses.end_enrolment(enrolment, self.staff.consultant, outcome, ended_on=day)

    def outcome(self, case, checkpoint, result, day, note=""):
        with clock(at(day, 12)):
            outcomes.record_outcome(case, self.staff.caseworker, checkpoint=checkpoint, result=result,
                                    recorded_on=day, note=note)

    def note(self, case, day, body):
        with clock(at(day, 14)):
            casework.add_journal_note(case, self.staff.caseworker, body)

    def course_story(self, applicant, *, ending=E.COMPLETED, left_on_week=None, absent=()):
        """Applied, admitted and on the finished cohort; ended as ``ending``.
        Returns the case, the enrolment and the day the course ended for them."""
        cohort = self.cohort("finished")
        index = [a["slot"] for a in STORIES].index(applicant["slot"])
        applied = self.finished_start - days(80) + days(2 * index)
        case = self.submit(applicant, applied)
        assessed = self.intake(case, applied)
        self.admit(case, assessed + days(3))
        enrolment = self.enrol(case, cohort, assessed + days(5))
        ended = cohort.ends_on if left_on_week is None else cohort.starts_on + days(7 * left_on_week)
        self.attend(enrolment, ended + days(1), absent=absent)
        self.end(enrolment, ending, ended)
        case.refresh_from_db()
        return case, enrolment, ended

    def amount(self, applicant):
        kroner = applicant["amount"]
        if self.policy:
            kroner = min(max(kroner, self.policy.min_amount), self.policy.max_amount)
        return kroner * 100

    def grant(self, case, applicant, day):
        """The loan decision (in full) and the loan with its schedule."""
        coordinator = self.staff.coordinator
        with clock(at(day, 9)):
            # The business's de minimis declaration on My page, before the loan (on by default).
            de_minimis.declare_other_aid(case, case.citizen, no_other_aid=True, aids=[])
        with clock(at(day, 10)):
            decision = decisions.draft_decision(case, coordinator, K.GRANT_LOAN, fully_granted=True, reason=(
                "Du har gennemført forløbet, og din forretningsplan og dit budget hænger sammen."))
            decisions.finalise_decision(decision, coordinator, expected_version=self.version(case))
            grace = min(6, self.policy.grace_months) if self.policy else None
            return loans.grant_loan(case, coordinator, amount_ore=self.amount(applicant), grace_months=grace,
                                    today=day)

    def set_up_business(self, case, applicant, granted, *, seed, opened=True):
        """The citizen registers the business and its account; staff verify it."""
        citizen = case.citizen
        name = f"{applicant['first']}s {applicant['industry'].lower()}"
        started = granted + days(5)
        with clock(at(granted + days(6), 20)):
            business.register_business(case, citizen, {
                "name": name, "cvr_number": cvr_for(seed), "industry": applicant["industry"],
                "started_on": started})
        data = {"bank_name": "Sparekassen Nord", "requested_on": granted + days(7), "fees_paid_ore": 150000,
                "notes": "Banken bad om budget og forretningsplan."}
        if not opened:
            with clock(at(granted + days(8), 20)):
                business.register_business_account(case, citizen, data)
            return None
        opened_on = granted + days(20)
        data.update(opened_on=opened_on, registration_number="9070", account_number=f"{4400000 + seed * 91}")
        proof = bank_confirmation("Sparekassen Nord", name, "9070", data["account_number"], opened_on)
        with clock(at(opened_on + days(1), 20)):
            account = business.register_business_account(case, citizen, data, proof_upload=proof)
        with clock(at(opened_on + days(2), 10)):
            business.verify_business_account(account, self.staff.coordinator,
                                             expected_version=self.version(case))
        return opened_on + days(2)

    def pay_out(self, loan, day):
        """Requested by the coordinator, approved by the team leader (four eyes)."""
        with clock(at(day, 10)):
            disbursement = loans.request_disbursement(loan, self.staff.coordinator,
                                                      amount_ore=loan.principal_ore)
        with clock(at(day + days(1), 9)):
            loans.approve_disbursement(disbursement, self.staff.approver, paid_on=day + days(1))
        return day + days(1)

    def follow_up(self, case, start, *, done=3, notes=()):
        with clock(at(start - days(3), 10)):
            planned = followup.plan_follow_ups(case, self.staff.caseworker, start=start, months=6,
                                               kind=FollowUp.Kind.CALL)
        for number, item in enumerate(planned[:done]):
            if item.planned_on > self.today:
                break
            text = notes[number] if number < len(notes) else "Kort opfølgning. Det går efter planen."
            with clock(at(item.planned_on, 14)):
                followup.record_follow_up(item, self.staff.caseworker, done_on=item.planned_on, notes=text)

    def self_reports(self, case, started, reports):
        for number, (revenue_kr, hours, small_jobs_kr, text) in enumerate(reports):
            month = add_months(started.replace(day=1), number)
            sent = add_months(month, 1) + days(3)
            if sent > self.today:
                break
            with clock(at(sent, 20)):
                followup.submit_self_report(case, case.citizen, month, revenue_kr * 100, hours,
                                            small_jobs_kr * 100, text)

    def pay_instalments(self, loan, *, until=None, late_days=2):
        """The citizen's transfers, booked as they came in (bank's transaction id)."""
        until = until or self.today
        for instalment in loan.instalments.filter(due_on__lte=until - days(late_days)):
            booked = instalment.due_on + days(late_days)
            with clock(at(booked, 8)):
                loans.record_payment(
                    loan, self.staff.coordinator, amount_ore=instalment.amount_ore, booked_on=booked,
                    external_reference=f"BANK-{loan.case.reference}-{instalment.due_on:%Y%m}")

    def course_outcomes(self, case, ended, result_end, result_6, note=""):
        self.outcome(case, CHECK.COURSE_END, result_end, ended)
        six = add_months(ended, 6)
        if six <= self.today:
            self.outcome(case, CHECK.MONTHS_6, result_6, six, note)

    # --- the ongoing cohort -----------------------------------------------------------------------

    def _ongoing(self, applicant, offset, absent=()):
        applied = self.ongoing_start - days(70) + days(offset)
        case = self.submit(applicant, applied)
        assessed = self.intake(case, applied)
        self.admit(case, assessed + days(3))
        enrolment = self.enrol(case, self.cohort("ongoing"), assessed + days(5))
        self.attend(enrolment, self.today, absent=absent)
        with clock(at(self.today - days(5), 15)):
            courses.add_coaching_note(case, self.staff.consultant,
                                      "Gennemgik budgettet. Skal have styr på priserne før næste gang.")

    def story_course_a(self, applicant):
        self._ongoing(applicant, 0)

    def story_course_b(self, applicant):
        self._ongoing(applicant, 4, absent=(2,))

    def story_waiting_list(self, applicant):
        applied = self.today - days(49)
        case = self.submit(applicant, applied)
        assessed = self.intake(case, applied)
        self.admit(case, assessed + days(3))
        self.enrol(case, self.cohort("ongoing"), assessed + days(5))  # the cohort is full

    # --- the finished cohort ----------------------------------------------------------------------

    def story_repaying(self, applicant):
        case, _, ended = self.course_story(applicant)
        self.course_outcomes(case, ended, R.PUBLIC_SUPPORT, R.SELF_SUFFICIENT_BUSINESS,
                             "Virksomheden giver overskud nok til at leve af.")
        granted = ended + days(14)
        loan = self.grant(case, applicant, granted)
        verified = self.set_up_business(case, applicant, granted, seed=1)
        paid = self.pay_out(loan, verified + days(1))
        self.follow_up(case, paid + days(14), done=5, notes=(
            "Første kunder er på plads. Fakturering virker.", "Travlt med køkkenmontering.",
            "Har ansat en lærling på deltid."))
        self.self_reports(case, loan.case.business.started_on, [
            (12000, 90, 0, "Godt i gang, mange tilbud ude."), (28000, 140, 0, "Flere opgaver end ventet."),
            (31000, 150, 0, "Stabilt.")])
        self.pay_instalments(loan)

    def story_arrears(self, applicant):
        case, _, ended = self.course_story(applicant, absent=(4, 9))
        self.course_outcomes(case, ended, R.PUBLIC_SUPPORT, R.BUSINESS_AND_SMALL_JOBS,
                             "Caféen løber rundt med hjælp fra småjobs om aftenen.")
        granted = ended + days(18)
        loan = self.grant(case, applicant, granted)
        verified = self.set_up_business(case, applicant, granted, seed=2)
        paid = self.pay_out(loan, verified + days(1))
        self.follow_up(case, paid + days(14), done=2, notes=(
            "Åbnet. Få kunder i hverdagene.", "Omsætningen er lav. Talte om åbningstider og catering."))
        self.self_reports(case, loan.case.business.started_on, [
            (6000, 160, 4000, "Stille start."), (9000, 160, 5000, "Lidt bedre i weekenderne.")])
        # No payments: the instalments are past due and the loan shows in arrears.

    def story_written_off(self, applicant):
        case, _, ended = self.course_story(applicant)
        self.course_outcomes(case, ended, R.PUBLIC_SUPPORT, R.BUSINESS_AND_SMALL_JOBS)
        granted = ended + days(10)
        loan = self.grant(case, applicant, granted)
        verified = self.set_up_business(case, applicant, granted, seed=3)
        paid = self.pay_out(loan, verified + days(1))
        self.follow_up(case, paid + days(14), done=4, notes=(
            "Kørsel for to flyttefirmaer.", "Varevognen har været på værksted i tre uger.",
            "Reparationen blev dyr. Få opgaver.", "Overvejer at lukke virksomheden."))
        first = loan.instalments.order_by("due_on").first()
        self.pay_instalments(loan, until=first.due_on + days(2))
        closed_on = first.due_on + days(20)
        self.note(case, closed_on, "Borgeren har lukket virksomheden og er tilbage på kontanthjælp. "
                                   "Borgeren har ingen formue og kan ikke betale lånet tilbage.")
        coordinator = self.staff.coordinator
        decided = closed_on + days(10)
        with clock(at(decided, 11)):
            decision = decisions.draft_decision(
                case, coordinator, K.WRITE_OFF_LOAN, fully_granted=True,
                reason="Virksomheden er lukket, og du har ingen mulighed for at betale restgælden tilbage.")
            decisions.finalise_decision(decision, coordinator, expected_version=self.version(case))
            loans.write_off(loan, coordinator, amount_ore=loans.balance_ore(loan), decision=decision,
                            booked_on=decided,
                            reason="Eftergivet efter afgørelse: virksomheden er lukket, og borgeren kan "
                                   "ikke betale.")

    def story_left_for_job(self, applicant):
        case, _, ended = self.course_story(applicant, ending=E.LEFT_FOR_EMPLOYMENT, left_on_week=11)
        self.note(case, ended, "Borgeren har fået fast job som bogholder via en virksomhed fra forløbet.")
        self.course_outcomes(case, self.cohort("finished").ends_on, R.SELF_SUFFICIENT_EMPLOYMENT,
                             R.SELF_SUFFICIENT_EMPLOYMENT, "Stadig i samme job.")
        closed = add_months(self.cohort("finished").ends_on, 6) + days(1)
        with clock(at(min(closed, self.today), 10)):
            transitions.transition(case, Case.Status.CLOSED, user=self.staff.caseworker,
                                   data={"reason": "left_for_employment"})

    def story_dropped_out(self, applicant):
        case, _, ended = self.course_story(applicant, ending=E.DROPPED_OUT, left_on_week=7, absent=(2, 3))
        self.note(case, ended, "Borgeren stopper på forløbet af helbredsmæssige årsager og fortsætter i "
                               "ressourceforløbet.")
        self.outcome(case, CHECK.COURSE_END, R.PUBLIC_SUPPORT, self.cohort("finished").ends_on)

    def story_bank_wait(self, applicant):
        case, _, ended = self.course_story(applicant)
        self.course_outcomes(case, ended, R.PUBLIC_SUPPORT, R.PUBLIC_SUPPORT,
                             "Har arbejdet på en ny forretningsplan med erhvervskonsulenten.")
        granted = self.today - days(40)
        self.note(case, granted - days(20), "Borgeren har sendt en ny forretningsplan og et nyt budget.")
        self.grant(case, applicant, granted)
        # The account is asked for but the bank has not opened it: the case waits on "business set-up".
        self.set_up_business(case, applicant, granted, seed=4, opened=False)
        self.follow_up(case, granted + days(14), done=1, notes=(
            "Banken har bedt om mere dokumentation. Vi har skrevet til banken.",))

    def story_loan_heard(self, applicant):
        case, _, ended = self.course_story(applicant, absent=(6,))
        self.course_outcomes(case, ended, R.PUBLIC_SUPPORT, R.PUBLIC_SUPPORT)
        coordinator = self.staff.coordinator
        sent = self.today - days(5)
        self.note(case, sent - days(10), "Borgeren har søgt om lån med en revideret plan.")
        with clock(at(sent, 10)):
            decision = decisions.draft_decision(case, coordinator, K.DECLINE_LOAN, reason=(
                "Budgettet forudsætter en omsætning, som vi ikke finder realistisk for en ny fotograf i "
                "området, og udstyret kan lejes i stedet for at købes."))
            decisions.send_for_consultation(decision, coordinator, deadline=self.today + days(9),
                                            expected_version=self.version(case))

    # --- recent applications ----------------------------------------------------------------------

    def story_refused(self, applicant):
        applied = self.today - days(70)
        case = self.submit(applicant, applied)
        assessed = self.intake(case, applied, recommend="refer")
        sent = assessed + days(2)
        self.refer(case, sent, deadline=sent + days(14),
                   reply=(sent + days(6), "Jeg mener, at jeg kan sælge taskerne på markeder også."),
                   decide_on=sent + days(15))

    def story_admission_heard(self, applicant):
        applied = self.today - days(35)
        case = self.submit(applicant, applied)
        self.intake(case, applied, recommend="refer")
        sent = self.today - days(3)
        self.refer(case, sent, deadline=sent + days(14))

    def story_withdrawn(self, applicant):
        applied = self.today - days(42)
        case = self.submit(applicant, applied)
        cw = self.staff.caseworker
        with clock(at(applied + days(2), 9)):
            casework.assign_case(case, cw, cw)
            casework.request_information(case, cw, "Send os dit budget for det første år.",
                                         applied + days(16))
        with clock(at(applied + days(9), 18)):
            citizen_services.withdraw_case(case, case.citizen)


def make_history(municipality, staff, password_hash, today=None):
    """Tell the stories of ``municipality`` not yet told; returns the number
    of cases made. E-mails to the citizens about last year's events are
    not sent (they would arrive now, about the past)."""
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        return History(municipality, staff, password_hash, today=today).run()
