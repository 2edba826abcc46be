"""The load-test data generator: realistic, valid cases whose references the
live numbering carries on from, and never under production-like settings."""

import re
import uuid
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from backoffice import roles
from backoffice.lifecycle import TRANSITIONS
from backoffice.models import Case, CaseApplication, InformationRequest, ReferenceSequence
from backoffice.services.cases import ApplicationSubmission, submit_application
from backoffice.validators import cpr_birth_date, validate_cpr

REFERENCE = re.compile(r"^(NOR|SYD)-(\d{4})-(\d{5,})$")


@pytest.fixture
def dev_settings(settings):
    """pytest-django runs with DEBUG off, which the command takes for production."""
    settings.DEBUG = True
    return settings


def _generate(count=200, **options):
    call_command("generate_cases", count=count, seed=42, verbosity=0, **options)


def _numbers(municipality, year):
    prefix = f"{municipality.slug[:3].upper()}-{year}-"
    return [int(r.rsplit("-", 1)[1]) for r in
            Case.objects.filter(municipality=municipality, reference__startswith=prefix)
            .values_list("reference", flat=True)]


def test_cases_are_spread_evenly_with_an_application_each(dev_settings, nordby, sydby):
    before = {m.slug: m.cases.count() for m in (nordby, sydby)}
    _generate(200)

    assert nordby.cases.count() - before["nordby"] == 100
    assert sydby.cases.count() - before["sydby"] == 100
    cases = Case.objects.filter(municipality__in=[nordby, sydby])
    assert CaseApplication.objects.filter(case__in=cases).count() == cases.count()
    assert not Case.objects.filter(imported=True).exists()


def test_only_the_named_municipalities_get_cases(dev_settings, nordby, sydby):
    before = nordby.cases.count()
    _generate(30, municipalities=["sydby"])
    assert sydby.cases.count() == 30 and nordby.cases.count() == before
    with pytest.raises(CommandError, match="Unknown municipality: nowhere"):
        _generate(10, municipalities=["nowhere"])


def test_applications_are_valid_and_within_the_loan_policy(dev_settings, nordby, sydby):
    _generate(200)
    applications = list(CaseApplication.objects.select_related("case__municipality__loan_policy"))
    assert len(applications) >= 200
    for application in applications:
        validate_cpr(application.cpr_number)
        assert cpr_birth_date(application.cpr_number) is not None
        policy = application.case.municipality.loan_policy
        assert policy.min_amount <= application.requested_amount_dkk <= policy.max_amount
        assert application.full_name and application.business_idea and application.industry
        assert application.address and application.postcode and application.city
    # The model's own validation agrees (CPR validator, e-mail, lengths).
    for application in applications[:20]:
        application.full_clean()
    assert len({a.cpr_number for a in applications}) > 190


def test_statuses_are_lifecycle_statuses_with_consistent_dates(dev_settings, nordby, sydby):
    _generate(200)
    cases = list(Case.objects.filter(municipality__in=[nordby, sydby]))
    statuses = Counter(case.status for case in cases)
    assert set(statuses) <= {s.value for s in TRANSITIONS}
    assert Case.Status.ANONYMISED not in statuses
    # Most cases are early in the lifecycle.
    early = sum(statuses[s] for s in ("submitted", "screening", "awaiting_information", "consultation"))
    assert early > len(cases) * 0.3
    three_years_ago = timezone.now() - timezone.timedelta(days=3 * 365 + 1)
    for case in cases:
        assert three_years_ago <= case.submitted_at <= case.status_changed_at <= timezone.now()
        assert case.received_on == timezone.localdate(case.submitted_at)
        if case.marked_until:
            assert case.marked_from <= case.marked_until
        assert (case.status == Case.Status.WITHDRAWN) == (case.withdrawn_at is not None)
        assert (case.status == Case.Status.CLOSED) == (case.closed_at is not None)


def test_waiting_cases_have_an_open_request_and_most_cases_a_caseworker(dev_settings, nordby, sydby):
    _generate(200)
    cases = Case.objects.filter(municipality__in=[nordby, sydby])
    waiting = cases.filter(status=Case.Status.AWAITING_INFORMATION)
    assert waiting.exists()
    for case in waiting:
        assert InformationRequest.objects.filter(case=case, answered_at__isnull=True).count() == 1
    assert not InformationRequest.objects.filter(case__in=cases).exclude(
        case__status=Case.Status.AWAITING_INFORMATION).exists()

    assigned = cases.filter(assigned_to__isnull=False).select_related("assigned_to__staff_membership")
    assert 0.55 * 200 <= assigned.count() <= 0.85 * 200
    caseworkers = roles.ROLE_GROUP_NAMES[roles.CASEWORKER]
    for case in assigned:
        assert case.assigned_to.staff_membership.municipality_id == case.municipality_id
        assert case.assigned_to.groups.filter(name=caseworkers).exists()


def test_references_are_unique_and_the_live_numbering_continues(dev_settings, nordby, sydby, make_user):
    _generate(200)
    _generate(200)  # a second run adds more; the unique constraint still holds
    for municipality in (nordby, sydby):
        references = list(municipality.cases.values_list("reference", flat=True))
        assert len(references) == len(set(references)) >= 200
        for reference in references:
            match = REFERENCE.match(reference)
            assert match and match.group(1) == municipality.slug[:3].upper()
        for sequence in ReferenceSequence.objects.filter(municipality=municipality):
            numbers = _numbers(municipality, sequence.year)
            assert sorted(numbers) == list(range(1, len(numbers) + 1))  # gap-free
            assert sequence.last_number == max(numbers, default=0)

    year = timezone.localdate().year
    expected = max(_numbers(nordby, year), default=0) + 1
    case, created = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=nordby, citizen=make_user(),
        answers={"full_name": "Amina Hansen", "cpr_number": "010190-1234", "business_idea": "Systue"},
    ))
    assert created and case.reference == f"NOR-{year}-{expected:05d}"


def test_numbering_skips_references_already_in_use(dev_settings, nordby):
    """A case numbered outside the sequence (e.g. a historic import) is not reused."""
    year = timezone.localdate().year
    Case.objects.create(municipality=nordby, reference=f"NOR-{year}-00950", imported=True)
    _generate(40, municipalities=["nordby"])
    numbers = _numbers(nordby, year)
    assert len(numbers) == len(set(numbers))
    assert all(n > 950 for n in numbers if n != 950)


def test_same_seed_gives_the_same_people(dev_settings, nordby):
    _generate(20, municipalities=["nordby"])
    first = sorted(CaseApplication.objects.values_list("cpr_number", flat=True))
    CaseApplication.objects.all().delete()
    _generate(20, municipalities=["nordby"])
    assert sorted(CaseApplication.objects.values_list("cpr_number", flat=True)) == first


@pytest.mark.parametrize(
    "debug, module", [(False, "config.settings.test"), (True, "config.settings.production")]
)
def test_refuses_under_production_like_settings_without_force(settings, nordby, debug, module):
    settings.DEBUG = debug
    settings.SETTINGS_MODULE = module
    before = Case.objects.count()
    with pytest.raises(CommandError, match="production"):
        _generate(10)
    assert Case.objects.count() == before

    _generate(10, force=True)
    assert Case.objects.count() == before + 10


def test_milestones_follow_the_lifecycle_and_end_by_the_status_day(dev_settings, nordby, sydby):
    from backoffice.management.commands.generate_cases import MILESTONES

    _generate(600)
    cases = list(Case.objects.filter(municipality__in=[nordby, sydby]))
    today = timezone.localdate()
    with_course = [c for c in cases if c.course_started_on]
    assert len(with_course) > 100 and any(c.loan_granted_on for c in cases)
    assert any(c.referred_ordinary_effort_on for c in cases)
    for case in cases:
        changed_on = timezone.localdate(case.status_changed_at)
        expected = set(MILESTONES.get(case.status, ()))
        if expected:
            assert bool(case.course_started_on) == ("course" in expected), case.status
            assert bool(case.course_completed_on) == ("completed" in expected), case.status
            assert bool(case.loan_granted_on) == ("loan" in expected), case.status
        elif case.status != Case.Status.CLOSED:
            assert not (case.course_started_on or case.course_completed_on
                        or case.loan_granted_on), case.status
        days = [d for d in (case.marked_from, case.course_started_on, case.course_completed_on,
                            case.loan_granted_on) if d]
        if case.course_started_on:
            assert case.marked_from is not None
        assert days == sorted(days), (case.status, days)
        assert all(d <= changed_on <= today for d in days)
        if case.course_completed_on and case.status != Case.Status.CLOSED:
            assert (case.course_completed_on - case.course_started_on).days <= 190
        if case.referred_ordinary_effort_on:
            assert case.referred_ordinary_effort_on == changed_on
            assert case.loan_granted_on is None
            assert case.status in (Case.Status.NOT_ADMITTED, Case.Status.LOAN_DECLINED,
                                   Case.Status.DROPPED_OUT, Case.Status.CLOSED)
        if case.status == Case.Status.IN_COURSE:
            assert case.course_started_on == changed_on
        if case.status == Case.Status.LOAN_GRANTED:
            assert case.loan_granted_on == changed_on


def test_loan_cases_old_enough_have_outcomes(dev_settings, nordby, sydby):
    from backoffice.models import Outcome
    from backoffice.statistics.evaluation import evaluation_report
    from backoffice.statistics.periods import Period

    _generate(1000)
    outcomes = list(Outcome.objects.filter(case__municipality__in=[nordby, sydby]).select_related("case"))
    assert len(outcomes) > 20
    today = timezone.localdate()
    checkpoints = Counter(o.checkpoint for o in outcomes)
    assert checkpoints[Outcome.Checkpoint.MONTHS_6] and checkpoints[Outcome.Checkpoint.MONTHS_12]
    results = Counter(o.result for o in outcomes)
    assert results[Outcome.Result.SELF_SUFFICIENT_BUSINESS] and results[Outcome.Result.PUBLIC_SUPPORT]
    for outcome in outcomes:
        case = outcome.case
        assert outcome.recorded_on <= today
        if outcome.checkpoint == Outcome.Checkpoint.COURSE_END:
            assert case.status == Case.Status.LEFT_FOR_EMPLOYMENT
        else:
            assert case.loan_granted_on is not None and outcome.recorded_on > case.loan_granted_on
    # The evaluation finds them: courses, loans and some self-sufficient in the last three years.
    report = evaluation_report(nordby, Period(today.replace(year=today.year - 3), today))
    assert report.courses > 0 and report.loans > 0 and 0 < report.self_sufficient <= report.loans
    assert report.referred_ordinary_effort > 0
