"""The funnel: how far the period's applicants got, step by step, per
cohort, and against the municipality's yearly targets.

Everything is counted in the database (a fixed number of queries whatever
the number of cases) and only counts leave this module: no names, no CPR
numbers, no case references."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncQuarter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Case, Cohort, Decision, DecisionKind, Enrolment, Outcome, ScreeningTalk, YearlyTarget

DEFAULT_PARTICIPANTS_TARGET = YearlyTarget._meta.get_field("participants_target").default
DEFAULT_BUSINESSES_TARGET = YearlyTarget._meta.get_field("businesses_target").default
# The seeds: 4-5 of a cohort of 20 end up self-sufficient.
EXPECTED_SUCCESSES_PER_20 = (4, 5)

SELF_SUFFICIENT_RESULTS = sorted(Outcome.SELF_SUFFICIENT)


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    count: int
    conversion: float | None  # share of the step before (0-1); None for the first step or after 0
    share_of_first: float | None

    @property
    def conversion_percent(self):
        return None if self.conversion is None else self.conversion * 100

    @property
    def share_percent(self):
        return None if self.share_of_first is None else self.share_of_first * 100


STEPS = (
    ("referred", _("Referred or applied")),
    ("talk", _("Screening talk held")),
    ("admitted", _("Admitted to the course")),
    ("completed", _("Course completed")),
    ("loan", _("Loan granted")),
    ("business", _("Business started")),
    ("self_sufficient", _("Self-sufficient after 12 months")),
)


def _in_period(field, period):
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def period_cases(municipality, period):
    """The period's intake: cases referred or received within it."""
    return Case.objects.filter(municipality=municipality).filter(
        _in_period("referred_on", period) | _in_period("received_on", period)
    )


def funnel(municipality, period, *, now=None):
    """The steps with counts and conversions, in one aggregate query. Each
    step from the course on counts what happened (a case that left for a
    job after the course has no loan, whatever its outcome). The two early
    steps are implied by the later ones: imported cases have no talks or
    decisions, but a course start means they were talked to and admitted."""
    now = now or timezone.now()
    # Uncorrelated subqueries: the database hashes each once instead of
    # probing it for every case (the whole intake of a long period).
    mine = {"case__municipality": municipality}
    talked = ScreeningTalk.objects.filter(cancelled_at__isnull=True, starts_at__lte=now, **mine).values("case_id")
    admissions = Decision.objects.filter(kind=DecisionKind.ADMIT_TO_COURSE, status=Decision.Status.FINAL,
                                         **mine).values("case_id")
    successes = Outcome.objects.filter(checkpoint=Outcome.Checkpoint.MONTHS_12, result__in=SELF_SUFFICIENT_RESULTS,
                                       **mine).values("case_id")
    admitted = (Q(pk__in=admissions) | Q(course_started_on__isnull=False) | Q(course_completed_on__isnull=False)
                | Q(loan_granted_on__isnull=False))
    conditions = {
        "referred": None,
        "talk": Q(pk__in=talked) | admitted,
        "admitted": admitted,
        "completed": Q(course_completed_on__isnull=False),
        "loan": Q(loan_granted_on__isnull=False),
        "business": Q(business__started_on__isnull=False),
        "self_sufficient": Q(pk__in=successes),
    }
    counts = period_cases(municipality, period).aggregate(
        **{key: Count("pk", filter=condition) for key, condition in conditions.items()})
    steps = []
    previous = first = None
    for key, label in STEPS:
        count = counts[key]
        if first is None:
            first = count
        steps.append(Step(
            key=key, label=label, count=count,
            conversion=(count / previous) if previous else None,
            share_of_first=(count / first) if first else None,
        ))
        previous = count
    return steps


@dataclass(frozen=True)
class CohortRow:
    name: str
    starts_on: object
    ends_on: object
    places: int
    started: int
    completed: int
    loans: int
    businesses: int
    self_sufficient: int

    @property
    def expected_low(self):
        return round(self.places * EXPECTED_SUCCESSES_PER_20[0] / 20)

    @property
    def expected_high(self):
        return round(self.places * EXPECTED_SUCCESSES_PER_20[1] / 20)


def by_cohort(municipality, period):
    """The municipality's cohorts that ran in the period (overlap), with
    their participants' progress. One query."""
    started = ~Q(enrolments__status=Enrolment.Status.WAITING)
    rows = (
        Cohort.objects.filter(municipality=municipality, starts_on__lte=period.end, ends_on__gte=period.start)
        .annotate(
            n_started=Count("enrolments", filter=started, distinct=True),
            n_completed=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.COMPLETED),
                              distinct=True),
            n_loans=Count("enrolments", filter=started & Q(enrolments__case__loan_granted_on__isnull=False),
                          distinct=True),
            n_businesses=Count("enrolments", filter=started
                               & Q(enrolments__case__business__started_on__isnull=False), distinct=True),
            n_self_sufficient=Count(
                "enrolments", distinct=True,
                filter=started & Q(enrolments__case__outcomes__checkpoint=Outcome.Checkpoint.MONTHS_12,
                                   enrolments__case__outcomes__result__in=SELF_SUFFICIENT_RESULTS),
            ),
        )
        .order_by("starts_on", "pk")
        .values_list("name", "starts_on", "ends_on", "capacity", "n_started", "n_completed", "n_loans",
                     "n_businesses", "n_self_sufficient")
    )
    return [CohortRow(*row) for row in rows]


@dataclass(frozen=True)
class TargetRow:
    year: int
    participants_target: int
    participants: int
    businesses_target: int
    businesses: int
    is_default: bool

    @property
    def participants_percent(self):
        return self.participants / self.participants_target * 100 if self.participants_target else None

    @property
    def businesses_percent(self):
        return self.businesses / self.businesses_target * 100 if self.businesses_target else None

    @property
    def participants_share(self):
        return self.participants / self.participants_target if self.participants_target else None

    @property
    def businesses_share(self):
        return self.businesses / self.businesses_target if self.businesses_target else None


def targets(municipality, period):
    """Per calendar year the period touches: course participants (course
    started) and businesses started within the period, against the yearly
    targets (the model's defaults where none is set). Two queries."""
    years = period.years
    saved = {
        target.year: target
        for target in YearlyTarget.objects.filter(municipality=municipality, year__in=years)
    }
    cases = Case.objects.filter(municipality=municipality)
    counts = cases.aggregate(**{
        f"p{year}": Count("pk", filter=_in_period("course_started_on", period)
                          & Q(course_started_on__year=year))
        for year in years
    }, **{
        f"b{year}": Count("pk", filter=_in_period("business__started_on", period)
                          & Q(business__started_on__year=year))
        for year in years
    })
    rows = []
    for year in years:
        target = saved.get(year)
        rows.append(TargetRow(
            year=year,
            participants_target=target.participants_target if target else DEFAULT_PARTICIPANTS_TARGET,
            participants=counts[f"p{year}"] or 0,
            businesses_target=target.businesses_target if target else DEFAULT_BUSINESSES_TARGET,
            businesses=counts[f"b{year}"] or 0,
            is_default=target is None,
        ))
    return rows


@dataclass(frozen=True)
class QuarterRow:
    quarter: object  # first day of the quarter
    self_sufficient: int
    education: int
    not_self_sufficient: int

    @property
    def label(self):
        return _("Q%(quarter)s %(year)s") % {"quarter": (self.quarter.month - 1) // 3 + 1, "year": self.quarter.year}

    @property
    def total(self):
        return self.self_sufficient + self.education + self.not_self_sufficient


def outcomes_by_quarter(municipality, period):
    """Outcomes recorded in the period, per quarter of the recording date:
    self-sufficient, in education, the rest. One query."""
    rows = (
        Outcome.objects.filter(case__municipality=municipality, recorded_on__gte=period.start,
                               recorded_on__lte=period.end)
        .annotate(quarter=TruncQuarter("recorded_on"))
        .values("quarter")
        .annotate(
            ok=Count("pk", filter=Q(result__in=SELF_SUFFICIENT_RESULTS)),
            education=Count("pk", filter=Q(result=Outcome.Result.EDUCATION)),
            other=Count("pk", filter=~Q(result__in=[*SELF_SUFFICIENT_RESULTS, Outcome.Result.EDUCATION])),
        )
        .order_by("quarter")
    )
    return [QuarterRow(row["quarter"], row["ok"], row["education"], row["other"]) for row in rows]

