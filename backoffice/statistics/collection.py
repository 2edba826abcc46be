"""Collection for the statistics (budget page): reminders and notices
sent, claims handed over to Gældsstyrelsen and their amount, deferrals and
reschedulings in the period. Counts and sums only, never a person."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from ..models import ClaimHandover, CollectionStep, ScheduleChange

STEP = CollectionStep.Kind


@dataclass(frozen=True)
class CollectionCounts:
    reminders: int
    notices: int
    handed_over: int
    handed_over_ore: int
    deferrals: int
    reschedulings: int

    def rows(self):
        """``(key, label, value)`` for the page and the export; the amount in DKK."""
        return [
            ("reminders", _("Reminders sent"), self.reminders),
            ("notices", _("Written notices sent"), self.notices),
            ("handed_over", _("Claims handed over to Gældsstyrelsen"), self.handed_over),
            ("handed_over_dkk", _("Amount handed over (DKK)"),
             (Decimal(self.handed_over_ore) / 100).quantize(Decimal("0.01"))),
            ("deferrals", _("Deferrals"), self.deferrals),
            ("reschedulings", _("New repayment plans"), self.reschedulings),
        ]


def collection_counts(municipality, period):
    """Reminders and notices sent, claims handed over and their amount,
    deferrals and reschedulings in ``period`` (start and end
    included). Counts only, never a person. Three queries."""
    start, end = period.start, period.end
    steps = CollectionStep.objects.filter(loan__case__municipality=municipality, sent_on__range=(start, end))
    step_counts = steps.aggregate(
        reminders=Count("pk", filter=Q(kind__in=(STEP.REMINDER_1, STEP.REMINDER_2))),
        notices=Count("pk", filter=Q(kind=STEP.NOTICE)))
    handed = ClaimHandover.objects.filter(loan__case__municipality=municipality,
                                          handed_over_on__range=(start, end)).aggregate(
        count=Count("pk"), total=Sum(F("principal_ore") + F("interest_ore") + F("fees_ore")))
    changes = ScheduleChange.objects.filter(loan__case__municipality=municipality,
                                            booked_on__range=(start, end)).aggregate(
        deferrals=Count("pk", filter=Q(kind=ScheduleChange.Kind.DEFERRAL)),
        reschedulings=Count("pk", filter=Q(kind=ScheduleChange.Kind.RESCHEDULING)))
    return CollectionCounts(
        reminders=step_counts["reminders"], notices=step_counts["notices"], handed_over=handed["count"],
        handed_over_ore=handed["total"] or 0, deferrals=changes["deferrals"],
        reschedulings=changes["reschedulings"])
