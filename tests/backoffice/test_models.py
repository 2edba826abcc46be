"""The constraints the case lifecycle relies on. Each test names the rule
it protects; a failing one means a legal or financial guarantee is gone."""

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from backoffice.models import (
    AccessLogEntry,
    Assessment,
    Business,
    BreakEvenParameters,
    BusinessAccount,
    Case,
    CaseApplication,
    CoachingNote,
    Cohort,
    Decision,
    Disbursement,
    Document,
    Enrolment,
    ImmutableRecordError,
    LedgerEntry,
    Loan,
    LoanPolicy,
    ScreeningTalk,
    SelfReport,
)
from backoffice.validators import cvr_is_valid, validate_cpr, validate_cvr

pytestmark = pytest.mark.django_db


@contextmanager
def violates_constraint():
    """IntegrityError inside a savepoint, so PostgreSQL can go on afterwards."""
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


# --- Case reference -------------------------------------------------------

def test_reference_is_unique_within_a_municipality(municipality):
    Case.objects.create(municipality=municipality, reference="NOR-2026-00042")
    with violates_constraint():
        Case.objects.create(municipality=municipality, reference="NOR-2026-00042")


def test_same_reference_is_allowed_in_another_municipality(municipality, make_municipality):
    Case.objects.create(municipality=municipality, reference="NOR-2026-00042")
    other = Case.objects.create(municipality=make_municipality("Sydby"), reference="NOR-2026-00042")
    assert Case.objects.filter(reference="NOR-2026-00042").count() == 2
    assert other.pk


def test_cases_without_reference_do_not_collide(municipality):
    # References are assigned later by a service; imports may have none.
    Case.objects.create(municipality=municipality)
    Case.objects.create(municipality=municipality)
    assert Case.objects.filter(municipality=municipality, reference="").count() == 2


def test_str_of_case_without_reference_uses_id(municipality):
    case = Case.objects.create(municipality=municipality)
    with translation.override("en"):
        assert str(case) == f"Case #{case.pk}"


def test_new_case_starts_submitted_at_version_1(case):
    assert case.status == Case.Status.SUBMITTED
    assert case.version == 1


def test_anonymised_status_needs_timestamp(case):
    case.status = Case.Status.ANONYMISED
    with violates_constraint():
        case.save()


# --- Person-group marker --------------------------------------------------

def test_marker_cannot_end_before_it_starts(case):
    case.marked_from = date(2026, 3, 1)
    case.marked_until = date(2026, 2, 1)
    with violates_constraint():
        case.save()


def test_marker_end_without_start_is_refused(case):
    case.marked_until = date(2026, 2, 1)
    with violates_constraint():
        case.save()


def test_marked_during_selects_overlapping_periods(municipality):
    def make(ref, start, end):
        return Case.objects.create(
            municipality=municipality, reference=ref, marked_from=start, marked_until=end
        )

    open_ended = make("A", date(2025, 6, 1), None)
    inside = make("B", date(2026, 2, 1), date(2026, 3, 1))
    before = make("C", date(2024, 1, 1), date(2025, 12, 31))
    after = make("D", date(2027, 1, 1), None)
    Case.objects.create(municipality=municipality, reference="E")  # never marked

    got = set(Case.objects.marked_during(date(2026, 1, 1), date(2026, 12, 31)))
    assert got == {open_ended, inside}
    assert before not in got and after not in got


# --- CPR ------------------------------------------------------------------

@pytest.fixture
def application(case):
    return CaseApplication.objects.create(
        case=case, full_name="Jens Jensen", cpr_number="010190-1234", requested_amount_dkk=40_000
    )


def test_cpr_never_in_str_or_repr(application):
    case = application.case
    texts = [str(application), repr(application), str(case), repr(case)]
    texts += [str(Document(case=case, kind=Document.Kind.CV))]
    for text in texts:
        assert "010190-1234" not in text
        assert "0101901234" not in text
        assert "1234" not in text.replace(case.reference, "")


def test_cpr_never_in_str_of_case_without_reference(application):
    Case.objects.filter(pk=application.case_id).update(reference="")
    with translation.override("en"):
        text = str(CaseApplication.objects.get(pk=application.pk))
    assert text == f"Application for Case #{application.case_id}"


@pytest.mark.parametrize(
    "cpr, masked",
    [("010190-1234", "010190-****"), ("0101901234", "010190-****"), ("", ""), ("0101", "")],
)
def test_masked_cpr_hides_the_last_four_digits(cpr, masked):
    assert CaseApplication(cpr_number=cpr).cpr_masked == masked


@pytest.mark.parametrize("value", ["010190-1234", "3112991234", "290200-4111"])
def test_cpr_validator_accepts(value):
    validate_cpr(value)


@pytest.mark.parametrize(
    "value", ["", "010190", "320190-1234", "011390-1234", "01019O-1234", "010190-12345", "310290-1234", "290201-4111"]
)
def test_cpr_validator_rejects(value):
    with pytest.raises(ValidationError):
        validate_cpr(value)


# --- CVR ------------------------------------------------------------------

# Weights 2,7,6,5,4,3,2,1: 24256790 → 132, 22756214 → 121, 12345674 → 110.
@pytest.mark.parametrize("cvr", ["24256790", "22756214", "12345674"])
def test_cvr_validator_accepts_modulus_11_numbers(cvr):
    assert cvr_is_valid(cvr)
    validate_cvr(cvr)


@pytest.mark.parametrize(
    "cvr",
    ["12345678", "24256791", "22756215", "1234567", "123456741", "1234567a", "", None, "01234567"],
)
def test_cvr_validator_rejects(cvr):
    assert not cvr_is_valid(cvr)
    with pytest.raises(ValidationError):
        validate_cvr(cvr)


def test_business_full_clean_checks_cvr(case):
    business = Business(case=case, name="Café Nord", cvr_number="12345678")
    with pytest.raises(ValidationError) as err:
        business.full_clean()
    assert "cvr_number" in err.value.message_dict
    business.cvr_number = "12345674"
    business.full_clean()


# --- Documents ------------------------------------------------------------

def test_document_uses_private_storage_and_random_names(case):
    from django.core.files.storage import storages

    field = Document._meta.get_field("file")
    assert field.storage is storages["private"]
    a = field.generate_filename(Document(case=case), "cpr 010190-1234 business plan.pdf")
    b = field.generate_filename(Document(case=case), "cpr 010190-1234 business plan.pdf")
    assert a != b
    assert "010190" not in a and "business" not in a and ".pdf" not in a


# --- Assessment -----------------------------------------------------------

def test_one_assessment_per_role(case, staff, other_staff):
    Assessment.objects.create(case=case, role=Assessment.Role.CASEWORKER, assessor=staff)
    Assessment.objects.create(case=case, role=Assessment.Role.BUSINESS_CONSULTANT, assessor=other_staff)
    with violates_constraint():
        Assessment.objects.create(case=case, role=Assessment.Role.CASEWORKER, assessor=other_staff)


def test_submitted_rating_needs_a_written_reason(case, staff):
    a = Assessment.objects.create(
        case=case, role=Assessment.Role.CASEWORKER, assessor=staff, health_rating=Assessment.Rating.WEAK
    )  # a draft may rate first and write later
    a.submitted_at = timezone.now()
    with violates_constraint():
        a.save()
    a.health_reason = "Back problems limit physical work; plan is desk-based."
    a.save()
    assert a.ratings()["health"] == Assessment.Rating.WEAK


# --- Decisions ------------------------------------------------------------

def _final_decision(case, user, **kw):
    values = dict(
        case=case, kind=Decision.Kind.REFER_TO_ORDINARY_EFFORT, status=Decision.Status.FINAL,
        decided_by=user, decided_at=timezone.now(), appeal_guidance="Klage inden 4 uger til Ankestyrelsen.",
    )
    values.update(kw)
    return Decision.objects.create(**values)


@pytest.mark.parametrize("reason", ["", "   \n\t "])
def test_final_refusal_needs_a_reason(case, staff, reason):
    with violates_constraint():
        _final_decision(case, staff, reason=reason)


def test_final_refusal_needs_appeal_guidance(case, staff):
    with violates_constraint():
        _final_decision(case, staff, reason="The budget does not cover living costs.", appeal_guidance="")


def test_final_refusal_with_reason_and_guidance_is_accepted(case, staff):
    d = _final_decision(case, staff, reason="The budget does not cover living costs.")
    assert d.is_final


def test_fully_granted_decision_needs_no_reason(case, staff):
    _final_decision(case, staff, kind=Decision.Kind.ADMIT_TO_COURSE, fully_granted=True, appeal_guidance="")


def test_draft_may_lack_reason(case):
    Decision.objects.create(case=case, kind=Decision.Kind.DECLINE_LOAN)


def test_final_decision_needs_decider(case, staff):
    with violates_constraint():
        _final_decision(case, staff, fully_granted=True, decided_by=None)


def test_consultation_needs_a_deadline(case):
    with violates_constraint():
        Decision.objects.create(
            case=case, kind=Decision.Kind.DECLINE_LOAN, status=Decision.Status.IN_CONSULTATION,
            consultation_sent_at=timezone.now(),
        )


# --- Courses --------------------------------------------------------------

@pytest.fixture
def cohort(municipality):
    return Cohort.objects.create(
        municipality=municipality, name="Hold 1", starts_on=date(2026, 2, 1), ends_on=date(2026, 8, 1)
    )


def test_coaching_note_needs_case_or_cohort(case, cohort, staff):
    with violates_constraint():
        CoachingNote.objects.create(author=staff, body="Group session on pricing.")
    CoachingNote.objects.create(author=staff, body="Individual", case=case)
    CoachingNote.objects.create(author=staff, body="Group", cohort=cohort)
    assert case.coaching_notes.count() == 1 and cohort.coaching_notes.count() == 1


def test_enrolment_unique_per_case_and_cohort(case, cohort):
    Enrolment.objects.create(case=case, cohort=cohort)
    with violates_constraint():
        Enrolment.objects.create(case=case, cohort=cohort)


def test_waiting_position_only_on_waiting_list(case, cohort):
    with violates_constraint():
        Enrolment.objects.create(case=case, cohort=cohort, status=Enrolment.Status.WAITING)
    with violates_constraint():
        Enrolment.objects.create(case=case, cohort=cohort, waiting_position=3)
    Enrolment.objects.create(case=case, cohort=cohort, status=Enrolment.Status.WAITING, waiting_position=3)


def test_cohort_cannot_end_before_it_starts(municipality):
    with violates_constraint():
        Cohort.objects.create(municipality=municipality, name="X", starts_on=date(2026, 2, 1),
                              ends_on=date(2026, 1, 1))


# --- Loans and money ------------------------------------------------------

@pytest.fixture
def loan(case, staff):
    return Loan.objects.create(
        case=case, principal_ore=40_000_00, annual_interest_rate=Decimal("0.00"), grace_months=12,
        repayment_months=48, granted_on=date(2026, 9, 1), granted_by=staff,
    )


@pytest.fixture
def account(case, other_staff):
    business = Business.objects.create(case=case, name="Café Nord", cvr_number="12345674")
    return BusinessAccount.objects.create(
        business=business, bank_name="Nordbank", requested_on=date(2026, 8, 1), opened_on=date(2026, 9, 15),
        fees_paid_ore=1_500_00, verified_by=other_staff, verified_at=timezone.now(),
    )


def _entry(loan, user, **kw):
    values = dict(loan=loan, kind=LedgerEntry.Kind.DISBURSEMENT, amount_ore=40_000_00,
                  booked_on=date(2026, 10, 1), created_by=user)
    values.update(kw)
    return LedgerEntry.objects.create(**values)


def test_ledger_entry_cannot_be_updated(loan, staff):
    entry = _entry(loan, staff)
    entry.amount_ore = 1
    with pytest.raises(ImmutableRecordError):
        entry.save()
    with pytest.raises(ImmutableRecordError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_ore=1)
    assert LedgerEntry.objects.get(pk=entry.pk).amount_ore == 40_000_00


def test_ledger_entry_cannot_be_deleted(loan, staff):
    entry = _entry(loan, staff)
    with pytest.raises(ImmutableRecordError):
        entry.delete()
    with pytest.raises(ImmutableRecordError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_corrections_are_new_entries_and_balance_adds_up(loan, staff):
    wrong = _entry(loan, staff, kind=LedgerEntry.Kind.REPAYMENT, amount_ore=-2_000_00)
    _entry(loan, staff, kind=LedgerEntry.Kind.CORRECTION, amount_ore=1_000_00, corrects=wrong)
    _entry(loan, staff)
    assert loan.balance_ore() == 40_000_00 - 2_000_00 + 1_000_00
    assert wrong.corrections.count() == 1


@pytest.mark.parametrize(
    "kind, amount",
    [("disbursement", -100), ("disbursement", 0), ("repayment", 100), ("write_off", 100), ("correction", 0)],
)
def test_ledger_amount_sign_must_match_kind(loan, staff, kind, amount):
    with violates_constraint():
        _entry(loan, staff, kind=kind, amount_ore=amount)


def test_external_reference_makes_imports_idempotent(loan, staff):
    _entry(loan, staff, kind="repayment", amount_ore=-500_00, external_reference="BANK-1")
    with violates_constraint():
        _entry(loan, staff, kind="repayment", amount_ore=-500_00, external_reference="BANK-1")
    # Entries without a reference (manual bookings) never collide, blank or not.
    _entry(loan, staff, kind="repayment", amount_ore=-500_00, external_reference="")
    _entry(loan, staff, kind="repayment", amount_ore=-500_00)
    assert loan.ledger_entries.filter(external_reference__isnull=True).count() == 2


def test_same_external_reference_on_another_loan_is_allowed(loan, staff, make_municipality):
    _entry(loan, staff, kind="repayment", amount_ore=-500_00, external_reference="BANK-1")
    other_case = Case.objects.create(municipality=make_municipality())
    other = Loan.objects.create(case=other_case, principal_ore=30_000_00, annual_interest_rate=Decimal("0"),
                                grace_months=12, repayment_months=48, granted_on=date(2026, 9, 1),
                                granted_by=staff)
    _entry(other, staff, kind="repayment", amount_ore=-500_00, external_reference="BANK-1")


def test_disbursement_four_eyes(loan, account, staff):
    with violates_constraint():
        Disbursement.objects.create(loan=loan, amount_ore=40_000_00, business_account=account,
                                    requested_by=staff, approved_by=staff, approved_at=timezone.now())


def test_disbursement_approved_by_someone_else(loan, account, staff, other_staff):
    d = Disbursement.objects.create(loan=loan, amount_ore=40_000_00, business_account=account,
                                    requested_by=staff)
    d.approved_by, d.approved_at, d.paid_on = other_staff, timezone.now(), date(2026, 10, 1)
    d.save()


def test_disbursement_cannot_be_paid_before_approval(loan, account, staff):
    with violates_constraint():
        Disbursement.objects.create(loan=loan, amount_ore=40_000_00, business_account=account,
                                    requested_by=staff, paid_on=date(2026, 10, 1))


def test_disbursement_only_into_verified_account(loan, account, staff):
    account.verified_by, account.verified_at = None, None
    account.save()
    assert not account.is_verified
    d = Disbursement(loan=loan, amount_ore=40_000_00, business_account=account, requested_by=staff)
    with pytest.raises(ValidationError):
        d.clean()


def test_business_account_tracks_days_to_open(account):
    assert account.is_verified
    assert account.days_to_open == 45


def test_loan_amount_within_policy(loan):
    LoanPolicy.objects.create(municipality=loan.case.municipality, min_amount=30_000, max_amount=50_000)
    loan.case.municipality.refresh_from_db()
    loan = Loan.objects.get(pk=loan.pk)
    loan.clean()
    loan.principal_ore = 50_000_01
    with pytest.raises(ValidationError):
        loan.clean()


def test_monthly_records_use_first_of_month(case):
    report = SelfReport(case=case, month=date(2026, 3, 15))
    with pytest.raises(ValidationError):
        report.full_clean()
    SelfReport.objects.create(case=case, month=date(2026, 3, 1))
    with violates_constraint():
        SelfReport.objects.create(case=case, month=date(2026, 3, 1))


# --- Access log -----------------------------------------------------------

def test_access_log_is_append_only_but_survives_user_deletion(case, make_user):
    user = make_user("temp")
    entry = AccessLogEntry.objects.create(user=user, user_label="temp", case=case,
                                          action=AccessLogEntry.Action.VIEW_CASE)
    with pytest.raises(ImmutableRecordError):
        entry.delete()
    user.delete()
    entry = AccessLogEntry.objects.get(pk=entry.pk)
    assert entry.user is None and entry.user_label == "temp"


def test_access_log_has_no_field_for_cpr():
    names = {f.name for f in AccessLogEntry._meta.get_fields()}
    assert not {n for n in names if "cpr" in n or "query" in n or "search" in n}


# --- Evaluation -----------------------------------------------------------

def test_break_even_defaults_reproduce_six_percent(municipality):
    params = BreakEvenParameters.objects.create(municipality=municipality)
    share = params.break_even_share(participants_per_year=40)
    assert Decimal("0.055") < share < Decimal("0.065")
    assert params.break_even_share(0) is None


def test_screening_talk_must_end_after_it_starts(case):
    start = timezone.make_aware(datetime(2026, 3, 1, 10))
    with violates_constraint():
        ScreeningTalk.objects.create(case=case, starts_at=start, ends_at=start - timedelta(minutes=1))
