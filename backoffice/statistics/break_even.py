"""Break-even (the CASA model): which share of a year's participants must
stay self-sufficient for the horizon to repay one year's project cost, next
to the share that actually is, and the loans written off.

    required share = yearly project cost
                     / (participants a year × horizon years × yearly public support saved per citizen)

With the defaults (DKK 1,550,000; 40 participants; 5 years; DKK 130,000)
that is 1,550,000 / 26,000,000 ≈ 5.96 %, the proposal's "6 %"."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear

from ..models import BreakEvenParameters, Case, LedgerEntry, YearlyTarget
from ..selectors_loans import counted_as
from .evaluation import latest_outcome_result
from .funnel import DEFAULT_PARTICIPANTS_TARGET, SELF_SUFFICIENT_RESULTS


def parameters_for(municipality):
    """The saved parameters, or an unsaved instance with the defaults. One query."""
    return (BreakEvenParameters.objects.filter(municipality=municipality).first()
            or BreakEvenParameters(municipality=municipality))


@dataclass(frozen=True)
class YearRow:
    year: int
    participants_target: int
    required_share: Decimal | None  # with the target's participants
    participants: int
    self_sufficient: int
    written_off_dkk: Decimal
    loans_written_off: int

    @property
    def actual_share(self):
        return Decimal(self.self_sufficient) / Decimal(self.participants) if self.participants else None

    @property
    def breaks_even(self):
        if self.actual_share is None or self.required_share is None:
            return None
        return self.actual_share >= self.required_share


@dataclass(frozen=True)
class BreakEven:
    parameters: BreakEvenParameters
    # With the yearly target for participants of the period's last year
    # (40 when the coordinator has set none): the model's headline.
    required_share_default: Decimal | None
    participants_per_year: int
    participants: int
    self_sufficient: int
    written_off_dkk: Decimal
    loans_written_off: int
    years: list

    @property
    def actual_share(self):
        return Decimal(self.self_sufficient) / Decimal(self.participants) if self.participants else None

    @property
    def denominator_dkk(self):
        return (self.participants_per_year * self.parameters.horizon_years
                * self.parameters.yearly_support_saved_per_citizen_dkk)


def break_even(municipality, period):
    """Participants are cases whose course started in the period; they count
    as self-sufficient when their latest outcome on or before the period's
    end is a self-sufficient one. Four queries."""
    parameters = parameters_for(municipality)
    targets = dict(YearlyTarget.objects.filter(municipality=municipality, year__in=period.years)
                   .values_list("year", "participants_target"))
    participants = {
        row["year"]: row for row in (
            Case.objects.filter(municipality=municipality, course_started_on__gte=period.start,
                                course_started_on__lte=period.end)
            .annotate(latest=latest_outcome_result(period.end), year=ExtractYear("course_started_on"))
            .values("year")
            .annotate(n=Count("pk"), ok=Count("pk", filter=Q(latest__in=SELF_SUFFICIENT_RESULTS)))
            .order_by("year")
        )
    }
    write_offs = {
        row["year"]: row for row in (
            LedgerEntry.objects.filter(counted_as(LedgerEntry.Kind.WRITE_OFF), loan__case__municipality=municipality,
                                       booked_on__gte=period.start, booked_on__lte=period.end)
            .annotate(year=ExtractYear("booked_on"))
            .values("year")
            .annotate(total=Sum("amount_ore"), loans=Count("loan", distinct=True))
            .order_by("year")
        )
    }
    years = []
    for year in period.years:
        target = targets.get(year, DEFAULT_PARTICIPANTS_TARGET)
        p = participants.get(year, {})
        w = write_offs.get(year, {})
        years.append(YearRow(
            year=year, participants_target=target, required_share=parameters.break_even_share(target),
            participants=p.get("n", 0), self_sufficient=p.get("ok", 0),
            written_off_dkk=(Decimal(-(w.get("total") or 0)) / 100).quantize(Decimal("0.01")),
            loans_written_off=w.get("loans", 0),
        ))
    return BreakEven(
        parameters=parameters,
        required_share_default=parameters.break_even_share(years[-1].participants_target),
        participants_per_year=years[-1].participants_target,
        participants=sum(y.participants for y in years),
        self_sufficient=sum(y.self_sufficient for y in years),
        written_off_dkk=sum((y.written_off_dkk for y in years), Decimal("0.00")),
        loans_written_off=sum(y.loans_written_off for y in years),
        years=years,
    )
