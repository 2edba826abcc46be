"""The evaluation report: the figures the trial's evaluation form asks for
(``shared/seeds/003``, "Forsøget opgjort i tal"), for one municipality and
one period (both days included).

    report = evaluation_report(municipality, Period(date(2020, 7, 1), date(2022, 12, 31)))
    report.courses, report.loans, report.self_sufficient, report.referred_ordinary_effort
    report.by_target_group  # [TargetGroupRow(...)], report.total  # the "I alt" row
    report.as_json()        # the command's --format json

Definitions (the report page, the PDF and the command say the same):

- *courses*: cases whose course started within the period
  (``Case.course_started_on``);
- *loans*: cases granted a loan within the period (``Case.loan_granted_on``);
- *self_sufficient*: of those loans, cases whose latest outcome recorded on
  or before the end date (latest ``Outcome.recorded_on``; on the same day the
  later checkpoint, then the later row) is self-sufficient through the
  business or through ordinary employment (``SELF_SUFFICIENT_RESULTS``;
  "business and small jobs" does not count here);
- *referred_ordinary_effort*: of the courses, cases with no loan granted by
  the end date and referred to the ordinary employment effort
  (``Case.referred_ordinary_effort_on``) on or before it;
- *by_target_group*: courses and loans per target group (groups with no
  course and no loan left out, in the groups' order; cases without a target
  group in a last row, code ``unknown``), with a total row.

Every case of the municipality counts, live and imported, open, closed and
anonymised (anonymising keeps the milestones and outcomes, see
``services.retention``). Two queries, whatever the number of cases; the
milestone indexes on ``Case`` find the period's rows.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models import Case as CaseWhen
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from ..models import Case, Outcome
from .periods import Period

UNKNOWN_TARGET_GROUP = "unknown"

# "Self-sufficient (through the business or ordinary employment)", as the
# issue and the evaluation form define it.
SELF_SUFFICIENT_RESULTS = (
    Outcome.Result.SELF_SUFFICIENT_BUSINESS,
    Outcome.Result.SELF_SUFFICIENT_EMPLOYMENT,
)

# The checkpoints in time order: on a tie of dates the later checkpoint wins.
CHECKPOINT_ORDER = {value: rank for rank, value in enumerate(Outcome.Checkpoint.values)}

# The written definitions, in the order of the figures (page, PDF, command).
DEFINITIONS = (
    ("courses", gettext_lazy("Guidance and upskilling courses"),
     gettext_lazy("Cases whose course started within the period. Both the first and the last day count.")),
    ("loans", gettext_lazy("Micro-loans"),
     gettext_lazy("Cases granted a micro-loan within the period.")),
    ("self_sufficient", gettext_lazy("Self-sufficient"),
     gettext_lazy("Of the cases granted a loan in the period: those whose latest outcome on or before the "
                  "last day is “self-sufficient through the business” or “self-sufficient through ordinary "
                  "employment”. A later outcome replaces an earlier one. Outcomes after the last day do not "
                  "count.")),
    ("referred_ordinary_effort", gettext_lazy("Referred to the ordinary employment effort"),
     gettext_lazy("Of the cases whose course started in the period: those not granted a loan by the last day "
                  "and referred to the ordinary employment effort after the course started and on or before "
                  "the last day.")),
    ("by_target_group", gettext_lazy("Per target group"),
     gettext_lazy("Courses and loans by the citizen's target group when they entered the scheme. Groups with "
                  "no courses and no loans are left out. The total row is the sum.")),
)
POPULATION_NOTE = gettext_lazy(
    "All cases of the municipality count: started here or imported from the trial's records, open, closed "
    "and anonymised. The figures are counts only.")


@dataclass(frozen=True)
class TargetGroupRow:
    target_group: str  # the code, "unknown" for cases without one, "" for the total row
    name_da: str
    name_en: str
    courses: int
    loans: int

    @property
    def name(self):
        """The label in the active language."""
        return self.label()

    def label(self, language=None):
        language = language or get_language() or "da"
        return self.name_en if language.startswith("en") else self.name_da


@dataclass(frozen=True)
class EvaluationReport:
    municipality: object
    period: Period
    courses: int
    loans: int
    self_sufficient: int
    referred_ordinary_effort: int
    by_target_group: list = field(default_factory=list)

    @property
    def total(self):
        """The "I alt" row: the sum of the target-group rows."""
        return TargetGroupRow(
            target_group="", name_da="I alt", name_en="Total",
            courses=sum(row.courses for row in self.by_target_group),
            loans=sum(row.loans for row in self.by_target_group),
        )

    @property
    def is_empty(self):
        return not (self.courses or self.loans)

    def as_json(self, language=None):
        """Exactly the command's JSON form (keys in this order; no total row)."""
        return {
            "municipality": self.municipality.slug,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "courses": self.courses,
            "loans": self.loans,
            "self_sufficient": self.self_sufficient,
            "referred_ordinary_effort": self.referred_ordinary_effort,
            "by_target_group": [
                {"target_group": row.target_group, "label": row.label(language),
                 "courses": row.courses, "loans": row.loans}
                for row in self.by_target_group
            ],
        }


def latest_outcome_result(end):
    """Subquery: the result of the case's latest outcome recorded on or
    before ``end`` (None without one)."""
    rank = CaseWhen(
        *[When(checkpoint=value, then=Value(order)) for value, order in CHECKPOINT_ORDER.items()],
        default=Value(-1), output_field=IntegerField(),
    )
    latest = (
        Outcome.objects.filter(case=OuterRef("pk"), recorded_on__lte=end)
        .annotate(checkpoint_rank=rank)
        .order_by("-recorded_on", "-checkpoint_rank", "-pk")
        .values("result")[:1]
    )
    return Subquery(latest)


def evaluation_report(municipality, period):
    """The evaluation figures of ``municipality`` for ``period`` (both ends
    included). Two queries; see the module docstring for the definitions."""
    start, end = period.start, period.end
    course_in_period = Q(course_started_on__gte=start, course_started_on__lte=end)
    loan_in_period = Q(loan_granted_on__gte=start, loan_granted_on__lte=end)
    no_loan_by_end = Q(loan_granted_on__isnull=True) | Q(loan_granted_on__gt=end)
    # Only the period's courses and loans are read (the milestone indexes).
    cases = Case.objects.filter(municipality=municipality).filter(course_in_period | loan_in_period)

    # The latest outcome is looked up for the period's loans only.
    latest_result = CaseWhen(When(loan_in_period, then=latest_outcome_result(end)), default=None)
    figures = cases.annotate(latest_result=latest_result).aggregate(
        courses=Count("pk", filter=course_in_period),
        loans=Count("pk", filter=loan_in_period),
        self_sufficient=Count("pk", filter=loan_in_period & Q(latest_result__in=SELF_SUFFICIENT_RESULTS)),
        referred_ordinary_effort=Count(
            "pk", filter=course_in_period & no_loan_by_end & Q(referred_ordinary_effort_on__lte=end)
            # A referral at the screening that was reversed (admitted after all) is not this one.
            & Q(referred_ordinary_effort_on__gte=F("course_started_on"))),
    )

    groups = (
        cases.order_by()
        .values("target_group__code", "target_group__name_da", "target_group__name_en",
                "target_group__sort_order")
        .annotate(courses=Count("pk", filter=course_in_period), loans=Count("pk", filter=loan_in_period))
    )
    known, unknown = [], []
    for group in groups:
        if not (group["courses"] or group["loans"]):
            continue
        if group["target_group__code"] is None:
            unknown.append(TargetGroupRow(UNKNOWN_TARGET_GROUP, "Ikke oplyst", "Not stated",
                                          group["courses"], group["loans"]))
        else:
            known.append((group["target_group__sort_order"], TargetGroupRow(
                group["target_group__code"], group["target_group__name_da"], group["target_group__name_en"],
                group["courses"], group["loans"])))
    known.sort(key=lambda item: (item[0], item[1].target_group))
    return EvaluationReport(
        municipality=municipality, period=period,
        courses=figures["courses"], loans=figures["loans"], self_sufficient=figures["self_sufficient"],
        referred_ordinary_effort=figures["referred_ordinary_effort"],
        by_target_group=[row for _, row in known] + unknown,
    )


# --- Texts shared by the page, the exports and the command ----------------------------------------


def format_day(value):
    """A date as the evaluation form writes it ("1. juli 2020" in Danish)."""
    return formats.date_format(value, "DATE_FORMAT")


def headline_sentences(report):
    """The four headline figures as the evaluation form words them
    ("Forsøget opgjort i tal"), in the active language."""
    start, end = format_day(report.period.start), format_day(report.period.end)
    return [
        ngettext(
            "From %(start)s to %(end)s, %(count)d guidance and upskilling course was started.",
            "From %(start)s to %(end)s, %(count)d guidance and upskilling courses were started.",
            report.courses,
        ) % {"start": start, "end": end, "count": report.courses},
        ngettext(
            "%(count)d citizen was granted a micro-loan.",
            "%(count)d citizens were granted a micro-loan.",
            report.loans,
        ) % {"count": report.loans},
        ngettext(
            "%(count)d citizen who took the course but was not granted a micro-loan has been referred to "
            "the ordinary employment effort.",
            "%(count)d citizens who took the course but were not granted a micro-loan have been referred to "
            "the ordinary employment effort.",
            report.referred_ordinary_effort,
        ) % {"count": report.referred_ordinary_effort},
        ngettext(
            "Of the %(loans)d citizen granted a micro-loan, %(count)d became self-sufficient.",
            "Of the %(loans)d citizens granted a micro-loan, %(count)d became self-sufficient.",
            report.loans,
        ) % {"loans": report.loans, "count": report.self_sufficient},
    ]


def headline(report):
    return " ".join(headline_sentences(report))


def table_headers():
    """The evaluation form's table: target group | course | micro-loan."""
    return [_("Target group"), _("Guidance and upskilling"), _("Micro-loan")]


def table_rows(report, *, total=True):
    """The table's rows as ``[label, courses, loans]``, the total row last."""
    rows = [[row.name, row.courses, row.loans] for row in report.by_target_group]
    if total:
        rows.append([_("Total"), report.total.courses, report.total.loans])
    return rows


def figure_rows(report):
    """The headline figures as ``[label, number]`` (the XLSX's second sheet)."""
    values = {"courses": report.courses, "loans": report.loans, "self_sufficient": report.self_sufficient,
              "referred_ordinary_effort": report.referred_ordinary_effort}
    return [[str(label), values[key]] for key, label, _text in DEFINITIONS if key in values]
